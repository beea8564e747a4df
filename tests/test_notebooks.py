"""Every chapter notebook follows the book's conventions (see README, 'Writing a section')."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "chapters").glob("*/*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def ids(paths):
    return [p.relative_to(ROOT / "chapters").as_posix() for p in paths]


def markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks under chapters/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_conventions(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+", path.parent.name), f"folder {path.parent.name} is not NN_name"
    assert re.fullmatch(rf"{path.parent.name[:2]}_\d\d_[a-z0-9_]+\.ipynb", path.name), \
        f"{path.name} is not NN_MM_short_title.ipynb inside chapter {path.parent.name}"
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "first cell must be the title"
    title = first.source.splitlines()[0]
    assert CJK.search(title) and re.search(r"[A-Za-z]{3}", title), \
        f"title must carry the English and the Chinese title: {title!r}"
    text = markdown(nb)
    for heading in ("Learning objectives", "Summary", "Exercises"):
        assert re.search(rf"^#+ .*{heading}", text, re.M), f"missing a '{heading}' section"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code", "exactly one code cell tagged 'parameters'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_committed_outputs_come_from_one_clean_run(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"cells were not run once, top to bottom: {counts}"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"error output committed: {errors[0].ename}: {errors[0].evalue}"
    assert path.stat().st_size < 3_000_000, "notebook larger than 3 MB: shrink its figures"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_links_to_other_sections_resolve(path):
    nb = nbformat.read(path, as_version=4)
    for target in re.findall(r"\]\(([^)#\s]+\.ipynb)", markdown(nb)):
        if "://" not in target:
            assert (path.parent / target).resolve().exists(), f"broken link to {target}"
