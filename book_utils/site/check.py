"""Test the built website as a reader sees it: headless Chromium through every page.

``python -m book_utils.site.check _build/site`` (what ``make site-test`` runs) serves the folder on
127.0.0.1 (a free port, ``http.server`` in a thread) and opens every HTML page in Debian's Chromium,
driven by Playwright (launched on ``/usr/bin/chromium``: no browser is downloaded). On each page:

- ``console``: no console error and no uncaught exception;
- ``http``: no request for a file of the site answered with an error status;
- ``request``: no request to any host but the local server (every URL is recorded; others are aborted);
- ``image``: every ``<img>`` has loaded (``naturalWidth > 0``);
- ``figures``: a notebook's page shows as many images in its cell outputs as the notebook has image
  outputs (every figure and GIF), and every staged notebook has a page;
- ``code``: every code cell is highlighted (its ``<pre>`` holds Pygments' token spans);
- ``math``: every ``.math`` element holds MathJax's output (``mjx-container``) and no raw ``$$``,
  ``\\(`` or ``\\[`` is left in the text;
- ``glyphs``: each Chinese character of every heading, caption, link and paragraph is a real glyph:
  drawn on a canvas in its element's font it must differ from a known-missing glyph (U+0378,
  unassigned) and from the other characters and have ink (a page of boxes, tofu, draws them all
  alike), and as laid out in the page it must be about 1 em wide, as Chinese glyphs are (boxes
  are narrower);
- ``font``: the page's ``@font-face`` "Book CJK" font has loaded from the site;
- ``link``: every link to the site (``a[href]`` of the rendered page) names a file that exists and,
  with a ``#fragment``, an ``id`` (or ``name``) that the target page has;
- ``search``: the search page finds a word of the book (``--search``).

By default Chromium sees only a Latin font of the system (DejaVu where present, through a private
fontconfig file), so a Chinese glyph can only come from the font that the site ships. Screenshots
of the landing page, the page with the most equations and the one with the most images are saved.
``--self-test`` builds tiny pages with one defect each and shows that each check reports it
(``book_utils.site.selftest``). The pure parts (link resolution, the glyph verdict, which URLs are
local) need no browser and are unit-tested; Playwright is imported only by ``check_site``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import html.parser
import http.server
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/snap/bin/chromium",
                       "/opt/homebrew/bin/chromium", "/usr/local/bin/chromium",
                       "/Applications/Chromium.app/Contents/MacOS/Chromium"]
# Without the background-networking flags Chromium asks Google's hosts for updates and field trials.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LATIN_FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu-sans-fonts",
                   "/usr/share/fonts/dejavu"]
FONT_FAMILY = "Book CJK"
KINDS = ("console", "http", "request", "image", "figures", "code", "math", "glyphs", "font", "link", "search")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}


@dataclass(frozen=True)
class Problem:
    kind: str          # one of KINDS
    page: str          # the page's path in the site, e.g. "chapters/04_math/04_01_gan_math.html"
    detail: str

    def __str__(self):
        return f"[{self.kind}] {self.page}: {self.detail}"


@dataclass
class Report:
    pages: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    screenshots: list[str] = field(default_factory=list)

    def kinds(self, page: str | None = None) -> set[str]:
        return {p.kind for p in self.problems if page is None or p.page == page}

    def count(self, key: str, n: int = 1):
        self.counts[key] = self.counts.get(key, 0) + n


# ---------------------------------------------------------------- pure parts (no browser)

def site_pages(site: Path) -> list[str]:
    """Every HTML page of a built site, as paths relative to it (assets' folders left out)."""
    site = Path(site)
    pages = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if not SKIP_DIRS.intersection(rel.parts[:-1]):
            pages.append(rel.as_posix())
    return pages


def is_local(url: str, origin: str) -> bool:
    """True for a URL served by ``origin`` (``http://127.0.0.1:PORT``) or one that needs no host."""
    scheme = urlsplit(url).scheme
    if scheme in ("data", "blob", "about", "javascript"):
        return True
    parts, base = urlsplit(url), urlsplit(origin)
    return parts.scheme == base.scheme and parts.netloc == base.netloc


class _Anchors(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" or (name == "name" and tag == "a"):
                if value:
                    self.ids.add(value)


@functools.lru_cache(maxsize=4096)
def _anchors_of(path: str, mtime: float) -> frozenset:
    parser = _Anchors()
    parser.feed(Path(path).read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def anchors(path: Path) -> frozenset:
    """The ``id`` attributes (and ``<a name>``) of an HTML file: the fragments a link may name."""
    return _anchors_of(str(path), Path(path).stat().st_mtime)


def link_problem(href: str, origin: str, site: Path) -> str | None:
    """Why a link (an absolute URL) into the site does not resolve, or None when it does (or is external).

    ``http://127.0.0.1:8000/chapters/x.html#sec`` resolves when ``site/chapters/x.html`` exists and
    has an element with ``id="sec"``; a path ending in ``/`` means its ``index.html``."""
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or not is_local(href, origin):
        return None
    path = unquote(parts.path).lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    target = (Path(site) / path).resolve()
    if not target.is_relative_to(Path(site).resolve()):
        return f"{href}: leaves the site"
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return f"{href}: no file {path}"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in anchors(target):
        return f"{href}: {path} has no id {fragment!r}"
    return None


def glyph_verdict(element: dict, min_width_em: float = 0.8) -> str | None:
    """Why an element's Chinese characters look like tofu, or None when they are real glyphs.

    ``element`` as the browser measures it: ``{"text", "chars": [{"c", "h", "ink", "w", "rw"}],
    "missing": [{"h", "ink", "w"}]}``. For each character, ``h`` hashes its pixels drawn on a canvas
    in the element's font, ``ink`` counts the painted pixels and ``w`` is the canvas advance in em;
    ``rw`` is the width the character takes in the page as laid out, in em. ``missing`` holds the
    same for characters that no font has (U+0378, U+0379): the shape a missing glyph takes. A
    Chinese glyph is about 1 em wide; a box drawn for a missing glyph is usually much narrower."""
    chars = element["chars"]
    missing_hashes = {m["h"] for m in element["missing"]}
    text = element["text"]
    boxes = [c["c"] for c in chars if c["h"] in missing_hashes]
    if boxes:
        return f"{text!r}: {''.join(boxes)} drawn as the missing-glyph box"
    blank = [c["c"] for c in chars if c["ink"] == 0]
    if blank:
        return f"{text!r}: {''.join(blank)} drawn as nothing"
    if len(chars) >= 2 and len({c["h"] for c in chars}) == 1:
        return f"{text!r}: {len(chars)} different characters drawn alike (boxes)"
    narrow = [c for c in chars if c.get("rw") is not None and 0 < c["rw"] < min_width_em]
    if narrow:
        width, box = narrow[0]["rw"], element["missing"][0]["w"]
        return (f"{text!r}: {''.join(c['c'] for c in narrow)} laid out {width:.2f} em wide in the "
                f"page (a Chinese glyph takes about 1 em; a missing glyph {box:.2f} em)")
    return None


_REFRESH = re.compile(r"""<meta\s+http-equiv=["']?refresh["']?\s+content=["']?\s*\d+\s*;\s*url=([^"'>\s]+)""",
                      re.IGNORECASE)


def redirect_target(html_text: str) -> str | None:
    """The URL that a redirect page (``<meta http-equiv="refresh" content="0; url=intro.html">``) sends to."""
    match = _REFRESH.search(html_text)
    return match.group(1) if match else None


def expected_figures(sources: Path) -> dict[str, int]:
    """Image outputs (PNG, GIF, JPEG, SVG) of each staged notebook, by the page the site builds from it.

    ``{"chapters/01_background/01_01_evolution_of_ai.html": 6, ...}``: each must appear in that page."""
    import json

    counts = {}
    for nb in sorted(Path(sources).rglob("*.ipynb")):
        rel = nb.relative_to(sources)
        if SKIP_DIRS.intersection(rel.parts) or any(part.startswith((".", "_")) for part in rel.parts):
            continue
        cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
        counts[rel.with_suffix(".html").as_posix()] = sum(
            1 for cell in cells for out in cell.get("outputs", [])
            if any(mime.startswith("image/") for mime in out.get("data", {})))
    return counts


def pick_screenshots(stats: dict[str, dict], landing: str) -> list[str]:
    """The landing page, the page with the most equations and the one with the most images."""
    chosen = [landing] if landing in stats else []
    for key in ("math", "images"):
        ranked = sorted((p for p in stats if p not in chosen), key=lambda p: (-stats[p].get(key, 0), p))
        if ranked and stats[ranked[0]].get(key, 0) > 0:
            chosen.append(ranked[0])
    return chosen


def find_chromium(explicit: str | None = None) -> str:
    for candidate in [explicit, os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES]:
        if candidate and Path(candidate).is_file():
            return candidate
    raise SystemExit("Chromium not found. Install it from your system's packages (Debian/Ubuntu: "
                     "`apt-get install chromium fonts-wqy-microhei`; Fedora: `dnf install chromium`; macOS: "
                     "`brew install --cask chromium`) or name it with --chromium PATH or $CHROMIUM. "
                     "Do not let Playwright download a browser.")


def latin_only_fontconfig(workdir: Path) -> Path:
    """A fontconfig file that shows Chromium one Latin font family (DejaVu) and no CJK font."""
    dirs = [d for d in LATIN_FONT_DIRS if Path(d).is_dir()]
    (workdir / "fc-cache").mkdir(parents=True, exist_ok=True)
    body = "".join(f"  <dir>{d}</dir>\n" for d in dirs)
    conf = workdir / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    f"{body}  <cachedir>{workdir / 'fc-cache'}</cachedir>\n</fontconfig>\n")
    return conf


# ---------------------------------------------------------------- the server and the browser

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 at a free port; yields the origin ``http://127.0.0.1:PORT``."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


_PAGE_JS = r"""
async () => {
  for (const img of document.images) img.loading = 'eager';
  await Promise.all(Array.from(document.images).map(img => img.complete ? null :
      new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done);
                            setTimeout(done, 10000); })));
  await document.fonts.ready;
  const images = Array.from(document.images).map(img => ({src: img.currentSrc || img.src,
                                                          w: img.naturalWidth}));
  const math = Array.from(document.querySelectorAll('.math'));
  const unrendered = math.filter(el => !el.querySelector('mjx-container')).map(
      el => el.textContent.trim().slice(0, 60));
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .math').forEach(
      el => el.remove());
  const text = clone.textContent;
  const raw = ['$$', '\\(', '\\['].filter(s => text.includes(s));
  const faces = Array.from(document.fonts).filter(f => f.family.replace(/["']/g, '') === 'Book CJK')
      .map(f => f.status);
  const canvas = document.createElement('canvas');
  canvas.width = 96; canvas.height = 96;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const drawn = new Map();
  const draw = (ch, font) => {
    const key = font + '|' + ch;
    if (drawn.has(key)) return drawn.get(key);
    ctx.clearRect(0, 0, 96, 96); ctx.font = font; ctx.textBaseline = 'top'; ctx.fillStyle = '#000';
    ctx.fillText(ch, 8, 8);
    const d = ctx.getImageData(0, 0, 96, 96).data;
    let h = 2166136261 >>> 0, ink = 0;
    for (let i = 3; i < d.length; i += 4) { if (d[i]) ink++; h = Math.imul(h ^ d[i], 16777619) >>> 0; }
    const out = {h, ink, w: ctx.measureText(ch).width / 48};
    drawn.set(key, out);
    return out;
  };
  const han = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  const byElement = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !han.test(node.textContent) || el.closest('script, style, mjx-container')) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility !== 'visible') continue;
    const cs = getComputedStyle(el);
    const em = parseFloat(cs.fontSize);
    const font = `${cs.fontStyle} ${cs.fontWeight} 48px ${cs.fontFamily}`;
    if (!byElement.has(el)) byElement.set(el, {
        text: el.textContent.replace(/\s+/g, ' ').trim().slice(0, 80), font: cs.fontFamily,
        heading: /^H[1-6]$/.test(el.tagName) || !!el.closest('h1, h2, h3, h4, h5, h6, .caption'),
        em, chars: [], missing: ['\u0378', '\u0379'].map(c => draw(c, font)), seen: new Set()});
    const entry = byElement.get(el);
    const text = node.textContent;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (!han.test(c) || entry.seen.has(c)) continue;
      entry.seen.add(c);
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rects = range.getClientRects();
      const rw = rects.length ? rects[0].width / em : 0;
      entry.chars.push(Object.assign({c, rw}, draw(c, font)));
    }
  }
  const headings = Array.from(byElement.values()).map(e => { delete e.seen; return e; });
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
  const figures = document.querySelectorAll('.cell_output img').length;
  const inputs = Array.from(document.querySelectorAll('.cell_input'));
  const plain = inputs.filter(el => el.textContent.trim() && !el.querySelector('pre span')).length;
  return {images, figures, codeCells: inputs.length, plain, mathCount: math.length, unrendered, raw,
          faces, headings, links};
}
"""

_MATHJAX_READY_JS = """() => !!(window.MathJax && MathJax.startup && MathJax.startup.promise
                                 && MathJax.startup.document)"""


def check_site(site: Path, screenshots: Path | None = None, chromium: str | None = None,
               system_fonts: bool = False, pages: list[str] | None = None, landing: str = "intro.html",
               expect_font: bool = True, sources: Path | None = None, search_term: str | None = None,
               timeout_s: float = 30.0, log=print) -> Report:
    """Drive headless Chromium through every page of ``site``; returns what each check found."""
    from playwright.sync_api import sync_playwright  # only here: the rest of the module needs no browser

    site = Path(site).resolve()
    report = Report(pages=list(pages or site_pages(site)))
    stats: dict[str, dict] = {}
    figures = expected_figures(sources) if sources is not None and Path(sources).is_dir() else {}
    with tempfile.TemporaryDirectory(prefix="site-check-") as tmp, serve(site) as origin, \
            sync_playwright() as pw:
        env = dict(os.environ)
        if not system_fonts:
            env["FONTCONFIG_FILE"] = str(latin_only_fontconfig(Path(tmp)))
        browser = pw.chromium.launch(executable_path=find_chromium(chromium), args=CHROMIUM_FLAGS, env=env)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        current = {"page": ""}

        def route(r):
            url = r.request.url
            report.count("requests")
            if is_local(url, origin):
                r.continue_()
            else:
                report.problems.append(Problem("request", current["page"], f"asked another host: {url}"))
                r.abort()

        context.route("**/*", route)
        for rel in report.pages:
            current["page"] = rel
            target = redirect_target((site / rel).read_text(encoding="utf-8", errors="replace"))
            if target is not None:          # Jupyter Book's index.html: a redirect, its target is a page
                href = urljoin(f"{origin}/{rel}", target)
                why = link_problem(href, origin, site)
                if why:
                    report.problems.append(Problem("link", rel, "redirect: " + why.replace(origin, "")))
                report.count("redirects")
                log(f"  {rel}: redirects to {target}")
                continue
            page = context.new_page()
            found: list[Problem] = []
            page.on("console", lambda m, rel=rel, found=found: m.type == "error" and found.append(
                Problem("console", rel, m.text[:300])))
            page.on("pageerror", lambda e, rel=rel, found=found: found.append(
                Problem("console", rel, f"uncaught: {str(e)[:300]}")))
            page.on("response", lambda r, rel=rel, found=found: r.status >= 400 and found.append(
                Problem("http", rel, f"{r.status} for {r.url}")))
            started = time.perf_counter()
            try:
                page.goto(f"{origin}/{rel}", wait_until="load", timeout=timeout_s * 1000)
                if page.evaluate("() => document.querySelectorAll('.math').length") > 0:
                    with contextlib.suppress(Exception):
                        page.wait_for_function(_MATHJAX_READY_JS, timeout=10_000)
                        page.evaluate("() => MathJax.startup.promise.then(() => true)")
                data = page.evaluate(_PAGE_JS)
            except Exception as error:          # a page that cannot be loaded is a problem, not a crash
                report.problems.extend(found)
                why = f"the page could not be checked: {error}"[:400]
                report.problems.append(Problem("console", rel, why))
                log(f"  {rel}: could not be checked")
                page.close()
                continue
            page.wait_for_timeout(100)          # let late console messages arrive
            stats[rel] = {"math": data["mathCount"], "images": len(data["images"])}
            report.count("images", len(data["images"]))
            report.count("math elements", data["mathCount"])
            report.count("headings with Chinese", sum(1 for h in data["headings"] if h["heading"]))
            report.count("other elements with Chinese", sum(1 for h in data["headings"] if not h["heading"]))
            report.count("links", len(data["links"]))
            if rel in figures and data["figures"] != figures[rel]:
                found.append(Problem("figures", rel, f"{data['figures']} figures in the page, "
                                     f"{figures[rel]} image outputs in the notebook"))
            report.count("figures", data["figures"])
            report.count("code cells", data["codeCells"])
            if data["plain"]:
                found.append(Problem("code", rel, f"{data['plain']} of {data['codeCells']} code cells "
                                     "are not highlighted"))
            for img in data["images"]:
                if img["w"] <= 0:
                    found.append(Problem("image", rel, f"did not load: {img['src']}"))
            if data["unrendered"]:
                found.append(Problem("math", rel, f"{len(data['unrendered'])} of {data['mathCount']} "
                                     f"equations not rendered, e.g. {data['unrendered'][0]!r}"))
            if data["raw"]:
                found.append(Problem("math", rel, f"raw TeX delimiters left in the text: {data['raw']}"))
            for heading in data["headings"]:
                verdict = glyph_verdict(heading)
                if verdict:
                    found.append(Problem("glyphs", rel, verdict))
            if data["headings"] and expect_font and "loaded" not in data["faces"]:
                found.append(Problem("font", rel, f'the "{FONT_FAMILY}" font did not load ({data["faces"]})'))
            internal = 0
            for href in sorted(set(data["links"])):
                if is_local(href, origin) and urlsplit(href).scheme.startswith("http"):
                    internal += 1
                    why = link_problem(href, origin, site)
                    if why:
                        found.append(Problem("link", rel, why.replace(origin, "")))
            report.count("internal links", internal)
            report.problems.extend(found)
            log(f"  {rel}: {len(data['images'])} images, {data['mathCount']} equations, "
                f"{len(data['headings'])} elements with Chinese, {internal} internal links, "
                f"{len(found)} problems ({time.perf_counter() - started:.1f} s)")
            page.close()
        missing = sorted(set(figures) - set(report.pages))
        for rel in missing:
            report.problems.append(Problem("figures", rel, "the notebook has no page in the site"))
        if search_term and "search.html" in report.pages:
            current["page"] = "search.html"
            page = context.new_page()
            page.goto(f"{origin}/search.html?q={search_term}", wait_until="load")
            try:
                page.wait_for_selector("#search-results ul.search li", timeout=15_000)
                hits = page.evaluate("() => document.querySelectorAll('#search-results ul.search li').length")
            except Exception:
                hits = 0
            report.counts[f"search hits for {search_term!r}"] = hits
            if hits == 0:
                report.problems.append(Problem("search", "search.html", f"no result for {search_term!r}"))
            page.close()
        if screenshots is not None:
            screenshots.mkdir(parents=True, exist_ok=True)
            chosen = pick_screenshots(stats, landing)
            for rel in chosen:
                page = context.new_page()
                page.goto(f"{origin}/{rel}", wait_until="load")
                if rel == chosen[-1] and len(chosen) == 3:      # the page with the most images: its first one
                    with contextlib.suppress(Exception):
                        page.locator(".cell_output img").first.scroll_into_view_if_needed(timeout=5_000)
                if stats[rel]["math"]:
                    with contextlib.suppress(Exception):
                        page.wait_for_function(_MATHJAX_READY_JS, timeout=10_000)
                        page.evaluate("() => MathJax.startup.promise.then(() => true)")
                page.evaluate("() => document.fonts.ready.then(() => true)")
                out = screenshots / (rel.replace("/", "__").removesuffix(".html") + ".png")
                page.screenshot(path=str(out))
                report.screenshots.append(str(out))
                page.close()
        browser.close()
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=Path("_build/site"))
    parser.add_argument("--screenshots", type=Path, default=Path("_build/site-screenshots"))
    parser.add_argument("--sources", type=Path, default=Path("_build/site-src"),
                        help="the staged notebooks the site was built from (for the figure count)")
    parser.add_argument("--search", default="discriminator", help="a word the search box must find")
    parser.add_argument("--chromium", default=None,
                        help="the browser's executable (default: /usr/bin/chromium)")
    parser.add_argument("--system-fonts", action="store_true",
                        help="let Chromium use every font of the system (default: one Latin font only)")
    parser.add_argument("--self-test", action="store_true",
                        help="show that each check fails on a page built with its defect, then exit")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.self_test:
        from book_utils.site import selftest
        return selftest.main(chromium=args.chromium, site=args.site)
    if not (args.site / "index.html").is_file():
        raise SystemExit(f"{args.site}/index.html not found: build the site first (make site)")
    if args.screenshots.exists():
        shutil.rmtree(args.screenshots)
    report = check_site(args.site, screenshots=args.screenshots, chromium=args.chromium,
                        system_fonts=args.system_fonts, sources=args.sources, search_term=args.search)
    for problem in report.problems:
        print(problem)
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    print(f"site check: {len(report.pages)} pages ({counts}); screenshots: {', '.join(report.screenshots)}")
    print(f"site check: {len(report.problems)} problems in {time.perf_counter() - start:.0f} s")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
