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


def code_of(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_shows_package_source_and_checks_with_asserts(path):
    code = code_of(nbformat.read(path, as_version=4))
    assert "show_source(" in code, "the package's tested code is never shown (book_utils.source.show_source)"
    assert re.search(r"^\s*assert\b", code, re.M), "no assert: a section proves its results with a check"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_summary_and_exercises_with_checked_answers_end_the_section(path):
    cells = nbformat.read(path, as_version=4).cells
    headings = [(i, h) for i, c in enumerate(cells) if c.cell_type == "markdown"
                for h in re.findall(r"^#+ .*$", c.source, re.M)]
    summary = max(i for i, h in headings if "Summary" in h)
    exercises = max(i for i, h in headings if "Exercises" in h)
    assert summary <= exercises, "Summary must come before Exercises"
    after = [h for i, h in headings if i > exercises]
    assert not after, f"Exercises must be the last section, found {after[0]!r} after it"
    assert any(c.cell_type == "code" for c in cells[exercises + 1:]), \
        "the exercises need a code cell that checks their answers"


# The notebooks whose setup cell still copies the checks that book_utils.notebook.setup makes
SETUP_NOT_YET: dict[str, str] = {}


def strict_xfail(paths, reasons):
    return [pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=reasons[i]))
            if (i := p.relative_to(ROOT / "chapters").as_posix()) in reasons else p for p in paths]


@pytest.mark.parametrize("path", strict_xfail(NOTEBOOKS, SETUP_NOT_YET), ids=ids(NOTEBOOKS))
def test_setup_goes_through_book_utils_notebook(path):
    code = code_of(nbformat.read(path, as_version=4))
    assert re.search(r"^PROFILE = setup\(PROFILE\b", code, re.M), \
        "the setup cell should start with PROFILE = setup(PROFILE, seed=SEED, ...) (book_utils.notebook)"
    copies = ("check_profile(", "use_book_style(", "TF_CPP_MIN_LOG_LEVEL", "matplotlib.use(", "%matplotlib")
    for copy in copies:
        assert copy not in code, f"{copy!r} in the notebook: book_utils.notebook.setup does that"


# Library noise in committed outputs: tqdm's redrawn progress bars, TensorFlow's absl / oneDNN start-up lines
NOISE = re.compile(r"\r|it/s\]|oneDNN custom operations|absl::|WARNING: All log messages before absl")
NOISY_OUTPUTS: dict[str, str] = {}


def output_text(out) -> str:
    text = out.get("text", "") if out.output_type == "stream" else out.get("data", {}).get("text/plain", "")
    return text if isinstance(text, str) else "".join(text)


@pytest.mark.parametrize("path", strict_xfail(NOTEBOOKS, NOISY_OUTPUTS), ids=ids(NOTEBOOKS))
def test_no_progress_bar_or_library_log_noise_in_committed_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        for text in [output_text(o) for o in cell.get("outputs", [])] if cell.cell_type == "code" else []:
            match = NOISE.search(text)
            assert not match, f"cell {index}: {match.group(0)!r} in a committed output: {text[:120]!r}"


def test_no_package_function_switches_the_plotting_backend():
    """Choosing matplotlib's backend is the reader's (or Jupyter's) business, never the package's."""
    offenders = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
                 for path in sorted((ROOT / "book_utils").rglob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"matplotlib\.use\(|\.use\(\s*[\"']agg|switch_backend\(", line, re.I)
                 and not line.lstrip().startswith("#")]
    assert not offenders, "a package module switches the plotting backend:\n" + "\n".join(offenders)


DRAWS = re.compile(r"plt\.show\(\)|image_grid\(|show_nearest_training\(|show_gif\(|display\(fig\)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_cell_that_draws_shows_its_figure(path):
    """A reader on GitHub sees what the cell drew: a drawing cell has an image in its committed output."""
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    for number, cell in enumerate(cells, 1):
        if DRAWS.search(cell.source):
            images = [o for o in cell.outputs if any(k.startswith("image/") for k in o.get("data", {}))]
            drawn = DRAWS.search(cell.source).group(0)
            assert images, f"code cell {number} draws ({drawn}) but shows no figure"


# A measured number in the prose comes from an output of the same notebook. A decimal number in a markdown
# cell passes when an output (or the code that sets it, comments aside) shows it at the prose's precision,
# as a value or as a percentage, or when its paragraph names its source as "Author [et al.] YEAR".
# Section numbers ("Section 3.1", "[5.2 (PyTorch)](...ipynb)", "# 1.2 Title") are not measurements.
DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.]*\d)")
CITATION = re.compile(r"\b[A-Z][A-Za-z-]+(?: et al\.?| (?:and|&) [A-Z][A-Za-z-]+)?,? \(?"
                      r"(?:19|20)\d\d[a-z]?\b")
SECTION_BEFORE = re.compile(r"(?:Sections?|§|Chapter)\s*(?:\d\.\d\s*(?:,|and|or|–|-|to)\s*)*$|^\s*#+\s*$|\[$")
LINK_AFTER = re.compile(r"[^\]\n]*\]\([^)]*\.ipynb")


def shown_numbers(nb) -> list[float]:
    """Every number an output of `nb` shows, and every number its code sets (comments stripped)."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts.append("\n".join(line.split("#")[0] for line in cell.source.splitlines()))
        for out in cell.get("outputs", []):
            texts.append(output_text(out))
            texts += [v if isinstance(v, str) else "".join(v) for k, v in out.get("data", {}).items()
                      if k.startswith("text/") and k != "text/plain"]
    return [float(x) for x in re.findall(r"\d+\.\d+|\d+", "\n".join(texts))]


def unsourced_prose_numbers(nb) -> list[str]:
    """'cell N: 1.85 in "...context..."' for each decimal in the prose that nothing in the notebook shows."""
    shown = shown_numbers(nb)
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for paragraph in re.split(r"\n\s*\n", cell.source):
            if CITATION.search(paragraph):
                continue
            for match in DECIMAL.finditer(paragraph):
                text, before, after = match.group(1), paragraph[:match.start()], paragraph[match.end():]
                section = SECTION_BEFORE.search(before) or (LINK_AFTER.match(after) and "[" in before[-40:])
                if section or re.match(r"\s*\\times\s*10", after):
                    continue
                value, tolerance = float(text), 0.5 * 10 ** -len(text.split(".")[1]) + 1e-12
                if not any(abs(v - value) <= tolerance or abs(100 * v - value) <= tolerance for v in shown):
                    context = paragraph[max(0, match.start() - 50):match.end() + 20].replace("\n", " ")
                    found.append(f"cell {index}: {text} in {context!r}")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_number_in_the_prose_is_shown_by_an_output_or_cited(path):
    found = unsourced_prose_numbers(nbformat.read(path, as_version=4))
    assert not found, "numbers in the prose that no output shows and no citation sources:\n" \
        + "\n".join(found)


def test_the_prose_number_check_catches_a_typed_number_and_accepts_shown_or_cited_ones():
    def notebook(prose, printed):
        nb = nbformat.v4.new_notebook()
        code = nbformat.v4.new_code_cell("print(x)")
        code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
        nb.cells = [nbformat.v4.new_markdown_cell(prose), code]
        return nb
    assert unsourced_prose_numbers(notebook("FD fell to 0.31.", "FD 0.302\n"))
    assert not unsourced_prose_numbers(notebook("FD fell to 0.30.", "FD 0.302\n"))
    assert not unsourced_prose_numbers(notebook("9.6 % were rejected.", "rejected 0.0961\n"))
    assert not unsourced_prose_numbers(notebook("Krizhevsky et al. 2012 reached 15.3 % error.", ""))
    assert not unsourced_prose_numbers(notebook("[Section 3.1](a.ipynb) and [5.2 (PyTorch)](b.ipynb)", ""))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_exercise_code_is_tagged_solution_or_check_and_every_solution_has_a_check(path):
    """The student edition's convention (README, 'The student edition'; book_utils.student): after the
    Exercises heading every code cell is tagged 'solution' or 'check', answers sit in 'solution' markdown
    cells, and the solution cells of an exercise are followed by one 'check' cell that asserts on the names
    they bind."""
    from book_utils.student import exercise_problems

    problems = exercise_problems(nbformat.read(path, as_version=4))
    assert not problems, "\n".join(problems)
