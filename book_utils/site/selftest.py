"""Show that each browser check of ``book_utils.site.check`` fails on a page built with its defect.

``python -m book_utils.site.check --self-test`` (part of ``make site-test``) writes a tiny site into
a temporary folder: two good pages (a Chinese heading in the shipped font, an image, an equation
rendered by the local MathJax, links that resolve) and one page per defect. It runs the same
``check_site`` on it in Chromium and asserts that every good page passes and every defective page
is reported for its defect:

=====================  ==============================================================
page                   defect, and the check that must report it
=====================  ==============================================================
missing_image.html     an ``<img>`` whose file is missing                 -> ``image``
cdn_mathjax.html       MathJax loaded from a CDN (the request is aborted) -> ``request``, ``math``
dead_link.html         links to a missing page, a missing id, a missing   -> ``link``
                       notebook (as MyST renders it: ``#../x.ipynb``)
tofu.html              a Chinese heading with no font that has its glyphs -> ``glyphs``
console_error.html     ``console.error`` and an uncaught exception        -> ``console``
missing_figure.html    one figure of a notebook's two left out            -> ``figures``
plain_code.html        a code cell without syntax highlighting            -> ``code``
=====================  ==============================================================

MathJax and the CJK font come from the built site (``make site`` first).
"""

from __future__ import annotations

import json
import struct
import sys
import tempfile
import zlib
from pathlib import Path

from book_utils.site.check import check_site

CJK_RANGE = ("U+2E80-2FDF, U+3000-303F, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FF00-FFEF")

# page -> (the kinds of problem it must be reported for, the others it may bring along): a good
# page must pass; a defect's page must be reported for its defect and for nothing unrelated.
EXPECTED = {
    "good.html": (set(), set()),
    "other.html": (set(), set()),
    "missing_image.html": ({"image"}, {"http", "console"}),      # the 404 is logged as well
    "cdn_mathjax.html": ({"request", "math"}, {"console"}),      # the aborted request is logged
    "dead_link.html": ({"link"}, set()),
    "tofu.html": ({"glyphs"}, {"font"}),                         # no @font-face, so no font loaded
    "console_error.html": ({"console"}, set()),
    "missing_figure.html": ({"figures"}, set()),
    "plain_code.html": ({"code"}, set()),
}

# pages whose every defect must be reported on its own: page -> (kind, how many)
EACH_REPORTED = {"dead_link.html": ("link", 3)}


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A small valid grey PNG image, made without any imaging library."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    raw = b"".join(b"\x00" + bytes([128] * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def page(body: str, font: str | None = "fonts/cjk.ttf", mathjax: str | None = "mathjax/tex-mml-chtml.js",
         head: str = "") -> str:
    face = (f'@font-face {{ font-family: "Book CJK"; src: url("{font}") format("truetype"); '
            f"font-display: block; unicode-range: {CJK_RANGE}; }}" if font else "")
    family = '"Book CJK", sans-serif' if font else "sans-serif"
    script = f'<script defer src="{mathjax}"></script>' if mathjax else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>self-test</title>\n'
            f"<style>{face} body, h1, h2 {{ font-family: {family}; }}</style>{script}{head}</head>\n"
            f"<body>{body}</body></html>\n")


GOOD_BODY = ('<h1 id="top">3.1 Generative adversarial networks · 生成对抗网络</h1>\n'
             '<p>The minimax value <span class="math notranslate nohighlight">'
             '\\(\\min_G \\max_D V(D, G)\\)</span> of a game.</p>\n<img src="figure.png" alt="a figure">\n'
             '<p><a href="other.html#sec">the next section</a>, <a href="#top">top</a>, '
             '<a href="https://example.org/paper">a paper</a> (not followed)</p>\n'
             '<div class="cell_input"><div class="highlight"><pre><span class="kn">import</span> '
             '<span class="nn">numpy</span></pre></div></div>\n')


def write_site(folder: Path, built_site: Path) -> Path:
    """The self-test's pages in ``folder``; returns the folder of their notebook sources."""
    static = Path(built_site).resolve() / "_static"
    fonts = sorted((static / "fonts").glob("*.ttf")) + sorted((static / "fonts").glob("*.otf"))
    if not (static / "mathjax" / "tex-mml-chtml.js").is_file() or not fonts:
        raise SystemExit(f"{built_site} has no _static/mathjax or _static/fonts: run make site first")
    (folder / "mathjax").symlink_to(static / "mathjax", target_is_directory=True)
    (folder / "fonts").mkdir()
    (folder / "fonts" / "cjk.ttf").symlink_to(fonts[0])
    (folder / "figure.png").write_bytes(png_bytes())
    pages = {
        "good.html": page(GOOD_BODY),
        "other.html": page('<h2 id="sec">3.2 Variational autoencoders · 变分自编码器</h2><p>Text.</p>'
                           '<p><a href="good.html">back</a></p>', mathjax=None),
        "missing_image.html": page(GOOD_BODY.replace("figure.png", "no-such-figure.png")),
        "cdn_mathjax.html": page(GOOD_BODY, mathjax="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"),
        # the third is how MyST renders a link to a notebook that does not exist
        "dead_link.html": page(GOOD_BODY + '<p><a href="no-such-page.html">gone</a> '
                                           '<a href="other.html#no-such-section">moved</a> '
                                           '<a href="#../no_such_notebook.ipynb">never written</a></p>'),
        "tofu.html": page(GOOD_BODY, font=None),
        "console_error.html": page(GOOD_BODY, head='<script>console.error("a defect");'
                                                   'window.addEventListener("load", () => { throw new '
                                                   'Error("another defect"); });</script>'),
        "missing_figure.html": page(GOOD_BODY.replace('<img src="figure.png" alt="a figure">',
                                     '<div class="cell_output"><img src="figure.png"></div>')),
        "plain_code.html": page(GOOD_BODY + '<div class="cell_input"><div class="highlight"><pre>'
                                            'import numpy as np</pre></div></div>'),
    }
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    sources = folder.parent / "sources"
    sources.mkdir()
    image = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo="}}
    notebook = {"cells": [{"cell_type": "code", "source": "", "metadata": {}, "execution_count": 1,
                           "outputs": [image, image]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (sources / "missing_figure.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return sources


def run(built_site: Path, chromium: str | None = None, log=print) -> list[str]:
    """Check the self-test's pages; returns the failures (an empty list when every check did its job)."""
    failures = []
    with tempfile.TemporaryDirectory(prefix="site-selftest-") as tmp:
        folder = Path(tmp) / "site"
        folder.mkdir()
        sources = write_site(folder, built_site)
        report = check_site(folder, chromium=chromium, pages=sorted(EXPECTED), sources=sources,
                            landing="good.html", log=lambda *a: None)
    for name, (required, allowed) in EXPECTED.items():
        found = report.kinds(name)
        details = [str(p) for p in report.problems if p.page == name]
        if not required <= found:
            failures.append(f"{name}: {sorted(required - found)} not reported (reported: {details})")
        elif found - required - allowed:
            failures.append(f"{name}: reported for what it does not have: {details}")
        elif name in EACH_REPORTED:
            kind, n = EACH_REPORTED[name]
            if sum(1 for p in report.problems if p.page == name and p.kind == kind) != n:
                failures.append(f"{name}: expected {n} {kind} problems, got {details}")
        verdict = "FAIL" if failures and failures[-1].startswith(name) else "ok"
        shown = ", ".join(sorted(found)) or "nothing"
        log(f"  {verdict:4s} {name:20s} reported {shown}" + (f"  ({details[0]})" if details else ""))
    return failures


def main(chromium: str | None = None, site: Path = Path("_build/site")) -> int:
    failures = run(site, chromium=chromium)
    for failure in failures:
        print("self-test:", failure)
    passed = len(EXPECTED) - len(failures)
    print(f"site self-test: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
