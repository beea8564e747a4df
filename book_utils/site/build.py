"""Stage the book's sources and build its website with Jupyter Book 1.x, executing nothing.

``python -m book_utils.site.build`` (what ``make site`` runs, in the site's own virtual environment):

1. stages ``chapters/*/*.ipynb`` and the lab notes they link to into ``_build/site-src``, with the
   generated ``_toc.yml`` and landing page (``book_utils.site.toc``) and ``site/_config.yml``;
   an ipywidgets output, which needs a widget manager from a CDN, becomes a note to run the notebook,
   and links to other sections inside outputs (tables a cell prints as markdown) point to their pages;
2. puts into ``_static``: npm's MathJax 3 (``es5/``), a font with Chinese glyphs and the CSS that
   declares it, so that no page needs another host;
3. runs ``jupyter-book build`` (``execute_notebooks: off``) and moves the HTML to ``_build/site``.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from book_utils.site import toc

ROOT = Path(__file__).resolve().parents[2]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("*An interactive widget (ipywidgets) stands here in the notebook: open the notebook in "
               "Jupyter and run it to use it.*")
# Fonts with Chinese glyphs, first found wins (Debian / Ubuntu: fonts-wqy-microhei, fonts-noto-cjk).
CJK_FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",                  # Fedora: wqy-microhei-fonts
    "/opt/homebrew/share/fonts/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]
LAB_NOTES = "book_utils/bench/notes"


def find_cjk_font() -> Path:
    for candidate in CJK_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise SystemExit("No font with Chinese glyphs found (looked for " + ", ".join(CJK_FONTS) + "). Install "
                     "one: Debian/Ubuntu `apt-get install fonts-wqy-microhei`, Fedora `dnf install "
                     "wqy-microhei-fonts`, or pass --font PATH (a .ttf, .otf or .ttc file).")


def strip_widgets(nb: dict) -> dict:
    """A copy of a notebook (JSON dict) whose ipywidgets outputs are replaced by a markdown note."""
    nb = copy.deepcopy(nb)
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        outputs = cell.get("outputs")
        if not outputs:
            continue
        for i, out in enumerate(outputs):
            if WIDGET_MIME in out.get("data", {}):
                outputs[i] = {"output_type": "display_data", "metadata": {},
                              "data": {"text/markdown": WIDGET_NOTE}}
    return nb


# a relative link to a notebook in markdown (](x.ipynb#a)) or HTML (href="x.ipynb#a"); web addresses untouched
NOTEBOOK_LINK = re.compile(r'(\]\(|href=")(?![a-z]+:)([^()"\s]+?)\.ipynb(#[^()"\s]*)?(?=[)"])')


def output_links_to_pages(nb: dict) -> dict:
    """A copy of a notebook whose markdown and HTML outputs link to ``.html`` pages, not ``.ipynb`` files.

    MyST-NB turns the notebook links of markdown *cells* into page links, but not those of outputs.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for mime in ("text/markdown", "text/html"):
                if mime in data:
                    text = data[mime] if isinstance(data[mime], str) else "".join(data[mime])
                    data[mime] = NOTEBOOK_LINK.sub(lambda m: f"{m[1]}{m[2]}.html{m[3] or ''}", text)
    return nb


def font_css(template: str, font_file: str) -> str:
    suffix = Path(font_file).suffix.lower()
    fmt = {".ttf": "truetype", ".otf": "opentype", ".woff2": "woff2", ".woff": "woff"}[suffix]
    return template.replace("@FONT_FILE@", font_file).replace("@FONT_FORMAT@", fmt)


def copy_font(font: Path, folder: Path) -> Path:
    """Copy a font file into ``folder``; from a collection (.ttc, which browsers refuse) its first face."""
    if font.suffix.lower() != ".ttc":
        return Path(shutil.copy2(font, folder / font.name))
    from fontTools.ttLib import TTCollection  # fonttools, in the site extra

    target = folder / (font.stem + ".ttf")
    TTCollection(str(font)).fonts[0].save(str(target))
    return target


def stage(root: Path, src: Path, mathjax: Path, font: Path) -> list[toc.Chapter]:
    """Write the Jupyter Book sources into ``src`` (emptied first); returns the chapters found."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    chapters = toc.discover(root)
    for chapter in chapters:
        for section in chapter.sections:
            nb = json.loads((root / section.path).read_text(encoding="utf-8"))
            target = src / section.path
            target.parent.mkdir(parents=True, exist_ok=True)
            staged = output_links_to_pages(strip_widgets(nb))
            target.write_text(json.dumps(staged, ensure_ascii=False, indent=1), encoding="utf-8")
    notes = sorted((root / LAB_NOTES).glob("*.md"))
    for note in notes:
        (src / LAB_NOTES).mkdir(parents=True, exist_ok=True)
        shutil.copy2(note, src / LAB_NOTES / note.name)
    extra = [("Lab notes · 实验笔记", [f"{LAB_NOTES}/{n.name}" for n in notes])] if notes else []
    (src / "_toc.yml").write_text(toc.toc_yaml(chapters, extra_parts=extra), encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    (src / "intro.md").write_text(toc.landing_page(readme, chapters), encoding="utf-8")
    shutil.copy2(root / "site" / "_config.yml", src / "_config.yml")
    (src / "_ext").mkdir()
    shutil.copy2(root / "site" / "book_site_ext.py", src / "_ext" / "book_site_ext.py")
    # Not "_static": Jupyter Book adds every .js and .css file under the book's _static to every page.
    # Sphinx copies this folder's contents into the built _static (html_static_path in _config.yml).
    static = src / "_vendor"
    (static / "fonts").mkdir(parents=True)
    font_file = copy_font(font, static / "fonts")
    template = (root / "site" / "book-fonts.css").read_text(encoding="utf-8")
    (static / "book-fonts.css").write_text(font_css(template, font_file.name), encoding="utf-8")
    if not (mathjax / "tex-mml-chtml.js").is_file():
        raise SystemExit(f"{mathjax} holds no tex-mml-chtml.js: install MathJax 3 with "
                         "`npm install --prefix _build/site-npm mathjax@3` (make site does).")
    shutil.copytree(mathjax, static / "mathjax")
    return chapters


def build(src: Path, work: Path, out: Path) -> None:
    """Run Jupyter Book on ``src`` and put the HTML in ``out`` (replaced)."""
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(src), "--path-output", str(work),
           "--builder", "html", "--keep-going"]
    if work.exists():
        shutil.rmtree(work)         # Sphinx keeps files of an earlier build in its output otherwise
    subprocess.run(cmd, check=True)
    html = work / "_build" / "html"
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(html, out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (default: this one)")
    parser.add_argument("--src", type=Path, default=Path("_build/site-src"), help="staged sources")
    parser.add_argument("--work", type=Path, default=Path("_build/site-work"), help="Jupyter Book's output")
    parser.add_argument("--out", type=Path, default=Path("_build/site"), help="the built site (HTML)")
    parser.add_argument("--mathjax", type=Path, default=Path("_build/site-npm/node_modules/mathjax/es5"))
    parser.add_argument("--font", type=Path, default=None, help="a font file with Chinese glyphs")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    font = args.font or find_cjk_font()
    chapters = stage(args.root, args.src, args.mathjax, font)
    build(args.src, args.work, args.out)
    pages = sum(len(c.sections) for c in chapters)
    print(f"site: {len(chapters)} chapters, {pages} sections -> {args.out}/index.html "
          f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
