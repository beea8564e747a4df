"""The site's table of contents and landing page, generated from ``chapters/*/*.ipynb``.

A new notebook or chapter folder appears on the site without editing a file: chapters come in
the order of their folder names (``01_background`` ... ``09_appendix``), sections in the order of
their file names, and every title is the first line of the notebook's first cell (the bilingual
``# 1.1 The evolution of AI · 人工智能的演进``). Standard library only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

# The source outline's chapter titles (DESIGN.md), by the number that starts a chapter folder's name.
CHAPTER_TITLES = {
    1: "1 Background · 背景介绍",
    2: "2 Core concepts · 核心概念与联系",
    3: "3 Core algorithms, step by step · 核心算法原理具体操作步骤",
    4: "4 Mathematical models · 数学模型和公式详细讲解举例说明",
    5: "5 Project practice · 项目实践",
    6: "6 Applications · 实际应用场景",
    7: "7 Tools and resources · 工具和资源推荐",
    8: "8 Trends and challenges · 总结：未来发展趋势与挑战",
    9: "Appendix: FAQ · 常见问题与解答",
}


@dataclass
class Section:
    path: str          # relative to the book root, with its suffix: "chapters/01_background/01_01_x.ipynb"
    title: str         # "1.1 The evolution of AI · 人工智能的演进"


@dataclass
class Chapter:
    folder: str        # "01_background"
    title: str
    sections: list[Section] = field(default_factory=list)


def chapter_title(folder: str) -> str:
    """The outline's bilingual title for a chapter folder such as ``07_tools``, else the folder's words."""
    match = re.match(r"(\d+)_(.*)", folder)
    if match and int(match.group(1)) in CHAPTER_TITLES:
        return CHAPTER_TITLES[int(match.group(1))]
    return folder.replace("_", " ").strip().capitalize()


def notebook_title(path: Path) -> str:
    """The first line of the first markdown cell, without its ``#`` marks (the file's stem if none)."""
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else source
            for line in text.splitlines():
                if line.strip():
                    return line.lstrip("#").strip()
            break
    return Path(path).stem


def discover(root: Path) -> list[Chapter]:
    """Every ``chapters/<folder>/*.ipynb`` under ``root``, chapters and sections sorted by name."""
    chapters = []
    for folder in sorted(p for p in (Path(root) / "chapters").iterdir() if p.is_dir()):
        notebooks = sorted(folder.glob("*.ipynb"))
        if not notebooks:
            continue
        chapter = Chapter(folder.name, chapter_title(folder.name))
        for nb in notebooks:
            chapter.sections.append(Section(nb.relative_to(root).as_posix(), notebook_title(nb)))
        chapters.append(chapter)
    return chapters


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)     # a YAML double-quoted scalar


def toc_yaml(chapters: list[Chapter], root_doc: str = "intro", extra_parts=()) -> str:
    """Jupyter Book's ``_toc.yml`` (format ``jb-book``): one part per chapter, one page per section.

    ``extra_parts`` is a sequence of ``(caption, [file, ...])`` appended after the chapters.
    Files are given without their suffix, as Jupyter Book wants them."""
    lines = ["format: jb-book", f"root: {root_doc}", "parts:"]
    parts = [(c.title, [s.path for s in c.sections]) for c in chapters] + list(extra_parts)
    for caption, files in parts:
        lines += [f"  - caption: {_quote(caption)}", "    chapters:"]
        lines += [f"      - file: {re.sub(r'[.](ipynb|md)$', '', f)}" for f in files]
    return "\n".join(lines) + "\n"


def readme_intro(readme: str) -> str:
    """The README's opening: its title and everything before the second-level heading that follows."""
    out = []
    for line in readme.splitlines():
        if line.startswith("## ") and out:
            break
        out.append(line)
    return "\n".join(out).rstrip() + "\n"


def landing_page(readme: str, chapters: list[Chapter]) -> str:
    """The site's first page: the README's introduction, then the contents with a link per section."""
    lines = [readme_intro(readme), "## Contents · 目录", ""]
    for chapter in chapters:
        lines.append(f"**{chapter.title}**")
        lines.append("")
        lines += [f"- [{s.title}]({s.path})" for s in chapter.sections]
        lines.append("")
    return "\n".join(lines)
