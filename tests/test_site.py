"""The website's pure parts, without a browser or Jupyter Book: the generated table of contents and
landing page, the staging of notebooks, link resolution, the tofu verdict, which URLs are local,
the figure count and the self-test's pages. The browser checks themselves run in `make site-test`
(`python -m book_utils.site.check --self-test` shows that each one fails on its defect)."""

import json
import struct
import subprocess
import sys
import tomllib
import zlib
from pathlib import Path

import pytest

from book_utils.site import build, check, pins, selftest, toc

ROOT = Path(__file__).resolve().parent.parent


def notebook(title: str, outputs=()) -> dict:
    return {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [f"# {title}\n", "\n", "Text."]},
                      {"cell_type": "code", "metadata": {}, "source": "", "execution_count": 1,
                       "outputs": list(outputs)}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def write_book(root: Path) -> None:
    books = [("chapters/02_concepts/02_01_generative_models.ipynb", "2.1 Generative models · 生成模型"),
             ("chapters/01_background/01_02_rise.ipynb", "1.2 The rise of generative AI · 生成式AI的崛起"),
             ("chapters/01_background/01_01_evolution.ipynb", "1.1 The evolution of AI · 人工智能的演进"),
             ("chapters/07_tools/07_01_tensorflow.ipynb", "7.1 TensorFlow · TensorFlow")]
    for path, title in books:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(json.dumps(notebook(title)), encoding="utf-8")
    (root / "chapters" / "08_empty").mkdir()


# ---------------------------------------------------------------- table of contents, landing page

def test_discover_orders_chapters_and_sections_by_name_and_reads_bilingual_titles(tmp_path):
    write_book(tmp_path)
    chapters = toc.discover(tmp_path)
    assert [c.folder for c in chapters] == ["01_background", "02_concepts", "07_tools"]   # not the empty one
    assert chapters[0].title == "1 Background · 背景介绍"
    assert chapters[2].title == "7 Tools and resources · 工具和资源推荐"        # a new chapter appears
    assert [s.title for s in chapters[0].sections] == ["1.1 The evolution of AI · 人工智能的演进",
                                                       "1.2 The rise of generative AI · 生成式AI的崛起"]
    assert chapters[0].sections[0].path == "chapters/01_background/01_01_evolution.ipynb"


def test_chapter_title_falls_back_to_the_folder_words():
    assert toc.chapter_title("09_appendix") == "Appendix: FAQ · 常见问题与解答"
    assert toc.chapter_title("10_extra_topics") == "10 extra topics".capitalize()
    assert toc.chapter_title("misc") == "Misc"


def test_toc_yaml_is_a_jupyter_book_toc_in_source_order(tmp_path):
    write_book(tmp_path)
    notes = [("Lab notes", ["book_utils/bench/notes/gan.md"])]
    text = toc.toc_yaml(toc.discover(tmp_path), extra_parts=notes)
    lines = text.splitlines()
    assert lines[:3] == ["format: jb-book", "root: intro", "parts:"]
    assert '  - caption: "1 Background · 背景介绍"' in lines
    files = [line.split("file: ")[1] for line in lines if "file: " in line]
    assert files == ["chapters/01_background/01_01_evolution", "chapters/01_background/01_02_rise",
                     "chapters/02_concepts/02_01_generative_models", "chapters/07_tools/07_01_tensorflow",
                     "book_utils/bench/notes/gan"]


def test_the_real_book_has_every_notebook_in_the_toc_with_its_title():
    chapters = toc.discover(ROOT)
    sections = [s for c in chapters for s in c.sections]
    assert len(sections) == len(list((ROOT / "chapters").glob("*/*.ipynb")))
    for section in sections:            # the title is the notebook's heading, not its file name
        assert section.title and section.title != Path(section.path).stem, section


def test_landing_page_keeps_the_readme_intro_and_links_every_section(tmp_path):
    write_book(tmp_path)
    readme = "# The book\n\nIntro text.\n\n## Set up\n\nmake book\n"
    page = toc.landing_page(readme, toc.discover(tmp_path))
    assert page.startswith("# The book\n\nIntro text.")
    assert "Set up" not in page
    link = "- [1.1 The evolution of AI · 人工智能的演进](chapters/01_background/01_01_evolution.ipynb)"
    assert link in page


# ---------------------------------------------------------------- staging

def test_strip_widgets_replaces_widget_outputs_and_drops_widget_state():
    widget = {"output_type": "display_data", "metadata": {},
              "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                       "text/plain": "VBox()"}}
    nb = notebook("6.1 Art", outputs=[widget, {"output_type": "stream", "name": "stdout", "text": "hi"}])
    nb["metadata"]["widgets"] = {"state": {}}
    out = build.strip_widgets(nb)
    assert "widgets" not in out["metadata"]
    assert "widgets" in nb["metadata"]                              # the input is left untouched
    first, second = out["cells"][1]["outputs"]
    assert first["data"] == {"text/markdown": build.WIDGET_NOTE}
    assert second["text"] == "hi"


def test_links_in_outputs_point_to_pages_not_notebooks():
    table = {"output_type": "display_data", "metadata": {},
             "data": {"text/markdown": ["| [5.2](../05_practice/05_02_vae_pytorch.ipynb) | "
                                        "[3.3](../03_algorithms/03_03_autoregressive.ipynb#the-gru) |\n",
                                        "[web](https://example.org/x.ipynb) (see 5.2)"],
                      "text/html": '<a href="07_01_tensorflow.ipynb">7.1</a>'}}
    nb = notebook("7.5 Tools", outputs=[table])
    out = build.output_links_to_pages(nb)["cells"][1]["outputs"][0]["data"]
    assert out["text/markdown"] == ("| [5.2](../05_practice/05_02_vae_pytorch.html) | "
                                    "[3.3](../03_algorithms/03_03_autoregressive.html#the-gru) |\n"
                                    "[web](https://example.org/x.ipynb) (see 5.2)")
    assert out["text/html"] == '<a href="07_01_tensorflow.html">7.1</a>'
    assert nb["cells"][1]["outputs"][0]["data"]["text/html"].endswith('.ipynb">7.1</a>')   # input untouched


def test_font_css_names_the_file_and_its_format():
    css = build.font_css('src: url("fonts/@FONT_FILE@") format("@FONT_FORMAT@");', "wqy.ttf")
    assert css == 'src: url("fonts/wqy.ttf") format("truetype");'
    with pytest.raises(KeyError):
        build.font_css("", "fonts.ttc")                  # a collection is converted first (copy_font)


def test_site_config_builds_without_executing_and_loads_nothing_from_another_host():
    config = (ROOT / "site" / "_config.yml").read_text(encoding="utf-8")
    assert 'execute_notebooks: "off"' in config
    assert "mathjax_path: mathjax/tex-mml-chtml.js" in config
    assert "nb_ipywidgets_js: {}" in config
    for name in ("_config.yml", "book-fonts.css", "book_site_ext.py"):
        text = (ROOT / "site" / name).read_text(encoding="utf-8")
        assert "https://" not in text and "http://" not in text, name


def test_site_extra_pins_jupyter_book_1_and_playwright():
    extra = pins.extra("site")
    assert "jupyter-book==1.0.4.post1" in extra
    assert any(p.startswith("playwright==") for p in extra)
    assert all("==" in p for p in extra)
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert pins.dependencies() == dependencies
    out = subprocess.run([sys.executable, "-m", "book_utils.site.pins", "--extra", "site"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == extra


def test_mathjax_is_pinned_in_the_npm_lock_without_a_download_address():
    lock = json.loads((ROOT / "site" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/mathjax"]["version"].startswith("3.")
    assert "resolved" not in lock["packages"]["node_modules/mathjax"]


# ---------------------------------------------------------------- the checker's pure parts

ORIGIN = "http://127.0.0.1:8123"


def test_is_local_accepts_only_the_local_server_and_hostless_urls():
    assert check.is_local(f"{ORIGIN}/_static/mathjax/tex-mml-chtml.js", ORIGIN)
    assert check.is_local("data:image/png;base64,AAAA", ORIGIN)
    assert check.is_local("blob:http://127.0.0.1:8123/uuid", ORIGIN)
    assert not check.is_local("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js", ORIGIN)
    assert not check.is_local("http://127.0.0.1:9999/x.html", ORIGIN)      # another port: another server
    assert not check.is_local("http://localhost:8123/x.html", ORIGIN)


@pytest.fixture
def site(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "a.html").write_text(
        '<h1 id="top">A</h1><section id="sec-1"></section><a name="old-anchor"></a>')
    (tmp_path / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=intro.html" />')
    (tmp_path / "intro.html").write_text("<p>intro</p>")
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "x.html").write_text("asset")
    return tmp_path


def test_link_problem_resolves_files_and_fragments(site):
    assert check.link_problem(f"{ORIGIN}/chapters/a.html#sec-1", ORIGIN, site) is None
    assert check.link_problem(f"{ORIGIN}/chapters/a.html#old-anchor", ORIGIN, site) is None
    assert check.link_problem(f"{ORIGIN}/chapters/a.html", ORIGIN, site) is None
    assert check.link_problem(f"{ORIGIN}/", ORIGIN, site) is None                  # index.html
    assert "no file" in check.link_problem(f"{ORIGIN}/chapters/b.html", ORIGIN, site)
    assert "no id 'gone'" in check.link_problem(f"{ORIGIN}/chapters/a.html#gone", ORIGIN, site)
    assert check.link_problem("https://arxiv.org/abs/1406.2661", ORIGIN, site) is None   # not followed
    assert check.link_problem("mailto:someone@example.org", ORIGIN, site) is None


def test_site_pages_leaves_out_asset_folders_and_redirects_are_found(site):
    assert check.site_pages(site) == ["chapters/a.html", "index.html", "intro.html"]
    assert check.redirect_target((site / "index.html").read_text()) == "intro.html"
    assert check.redirect_target("<p>no redirect</p>") is None


GLYPH = {"h": 11, "ink": 300, "w": 1.0, "rw": 1.0}
MISSING = [{"h": 99, "ink": 40, "w": 0.35}, {"h": 99, "ink": 40, "w": 0.35}]


def element(*chars):
    return {"text": "生成对抗网络", "chars": list(chars), "missing": MISSING}


def test_glyph_verdict_passes_real_glyphs():
    assert check.glyph_verdict(element({**GLYPH, "c": "生"}, {**GLYPH, "c": "成", "h": 12})) is None


def test_glyph_verdict_finds_boxes_blanks_look_alikes_and_narrow_layout():
    assert "missing-glyph box" in check.glyph_verdict(element({**GLYPH, "c": "生", "h": 99}))
    assert "drawn as nothing" in check.glyph_verdict(element({**GLYPH, "c": "生", "ink": 0}))
    alike = check.glyph_verdict(element({**GLYPH, "c": "生"}, {**GLYPH, "c": "成"}))
    assert "drawn alike" in alike
    narrow = check.glyph_verdict(element({**GLYPH, "c": "生", "rw": 0.35}, {**GLYPH, "c": "成", "h": 12}))
    assert "laid out 0.35 em" in narrow and "生" in narrow


def test_expected_figures_counts_image_outputs_per_page(tmp_path):
    png = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "x", "text/plain": "fig"}}
    gif = {"output_type": "display_data", "metadata": {}, "data": {"image/gif": "x"}}
    text = {"output_type": "stream", "name": "stdout", "text": "no image"}
    (tmp_path / "chapters" / "03").mkdir(parents=True)
    (tmp_path / "chapters" / "03" / "gan.ipynb").write_text(json.dumps(notebook("3.1", [png, gif, text])))
    (tmp_path / "_ext").mkdir()
    (tmp_path / "_ext" / "skip.ipynb").write_text(json.dumps(notebook("x", [png])))
    assert check.expected_figures(tmp_path) == {"chapters/03/gan.html": 2}


def test_pick_screenshots_takes_the_landing_page_then_most_math_then_most_images():
    stats = {"intro.html": {"math": 0, "images": 0}, "a.html": {"math": 140, "images": 4},
             "b.html": {"math": 3, "images": 10}, "c.html": {"math": 0, "images": 0}}
    assert check.pick_screenshots(stats, "intro.html") == ["intro.html", "a.html", "b.html"]


def test_latin_only_fontconfig_names_no_cjk_font(tmp_path):
    conf = check.latin_only_fontconfig(tmp_path).read_text()
    assert "<fontconfig>" in conf and "wqy" not in conf and "noto" not in conf.lower()


def test_find_chromium_says_what_to_install(monkeypatch):
    monkeypatch.setattr(check, "CHROMIUM_CANDIDATES", ["/no/such/chromium"])
    monkeypatch.delenv("CHROMIUM", raising=False)
    with pytest.raises(SystemExit, match="apt-get install chromium"):
        check.find_chromium()


def test_the_checker_serves_the_folder_on_loopback(site):
    import urllib.request

    with check.serve(site) as origin:
        assert origin.startswith("http://127.0.0.1:")
        assert urllib.request.urlopen(f"{origin}/intro.html", timeout=5).read() == b"<p>intro</p>"


# ---------------------------------------------------------------- the self-test's pages

def test_png_bytes_is_a_valid_png():
    data = selftest.png_bytes(4, 3)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (4, 3)
    idat_len = struct.unpack(">I", data[33:37])[0]
    assert len(zlib.decompress(data[41:41 + idat_len])) == 3 * (1 + 4)


def test_selftest_writes_one_page_per_defect(tmp_path):
    built = tmp_path / "built"
    (built / "_static" / "mathjax").mkdir(parents=True)
    (built / "_static" / "mathjax" / "tex-mml-chtml.js").write_text("// MathJax")
    (built / "_static" / "fonts").mkdir()
    (built / "_static" / "fonts" / "cjk.ttf").write_bytes(b"font")
    folder = tmp_path / "site"
    folder.mkdir()
    sources = selftest.write_site(folder, built)
    assert sorted(p.name for p in folder.glob("*.html")) == sorted(selftest.EXPECTED)
    assert "cdn.jsdelivr.net" in (folder / "cdn_mathjax.html").read_text()
    assert "no-such-figure.png" in (folder / "missing_image.html").read_text()
    assert "@font-face" not in (folder / "tofu.html").read_text()
    assert check.expected_figures(sources) == {"missing_figure.html": 2}
    for name, (required, allowed) in selftest.EXPECTED.items():
        assert required <= set(check.KINDS) and allowed <= set(check.KINDS), name
