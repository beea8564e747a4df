"""book_utils.glossary: every term is taught where it links, every link resolves, the table renders."""

import re
from pathlib import Path

import nbformat
import pytest

from book_utils import glossary

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
CJK = re.compile(r"[\u4e00-\u9fff]")


def markdown_of(notebook: str) -> str:
    nb = nbformat.read(CHAPTERS / notebook, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown").lower()


def test_the_glossary_has_60_to_100_distinct_bilingual_terms():
    terms = glossary.TERMS
    assert 60 <= len(terms) <= 100
    assert len({t.english.lower() for t in terms}) == len(terms), "a term is listed twice"
    for t in terms:
        assert CJK.search(t.chinese), f"{t.english}: no Chinese term"
        assert t.definition and "\n" not in t.definition and t.definition.endswith("."), t.english


@pytest.mark.parametrize("term", glossary.TERMS, ids=[t.english for t in glossary.TERMS])
def test_every_term_links_to_an_existing_notebook_whose_markdown_uses_it(term):
    path = CHAPTERS / term.notebook
    assert path.suffix == ".ipynb" and path.exists(), f"{term.english}: no notebook {term.notebook}"
    assert term.english.lower() in markdown_of(term.notebook), \
        f"{term.english!r} does not occur in the markdown of {term.notebook}"


def test_the_table_has_one_row_per_term_and_its_links_resolve_from_the_appendix():
    table = glossary.markdown_table()
    rows = table.splitlines()[2:]
    assert len(rows) == len(glossary.TERMS)
    links = re.findall(r"\]\(([^)]+\.ipynb)\)", table)
    assert len(links) == len(glossary.TERMS)
    for link in links:
        assert (CHAPTERS / "09_appendix" / link).resolve().exists(), link
    english = [re.match(r"\| \*\*(.+?)\*\*", r).group(1).lower() for r in rows]
    assert english == sorted(english), "the table is not alphabetical"


def test_section_link_is_relative_to_the_chapter_folder():
    term = glossary.Term("x", "甲", "A thing.", "04_math/04_02_vae_math.ipynb")
    assert glossary.section_link(term) == "../04_math/04_02_vae_math.ipynb"
    assert glossary.section_link(term, from_dir="04_math") == "04_02_vae_math.ipynb"


def test_section_title_is_the_english_part_of_the_notebooks_title():
    assert glossary.section_title(CHAPTERS / "04_math/04_02_vae_math.ipynb") == \
        "4.2 The VAE's mathematical model"
    assert glossary.section_title(CHAPTERS / "09_appendix/09_01_faq.ipynb") == \
        "Appendix A: frequently asked questions"
    term = glossary.TERMS[0]
    table = glossary.markdown_table([term], titles={term.notebook: "Some title"})
    assert f"[Some title]({glossary.section_link(term)})" in table
