"""The student edition (book_utils.student): copies with the solutions taken out, checks that test answers.

The unit tests build small notebooks by hand.
``test_every_check_fails_on_the_stubs_and_passes_on_the_solution`` runs every chapter notebook that has
exercises once, in one kernel, and at each exercise runs the student's stubs and
then the check (it must fail), then the solution and the check (it must pass).
"""

from pathlib import Path

import nbformat
import pytest

from book_utils import student
from book_utils.nbrun import reads_other_runs

ROOT = Path(__file__).resolve().parent.parent
new_md, new_code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def tagged(cell, *names):
    cell.metadata["tags"] = list(names)
    return cell


def notebook(*exercise_cells, lesson="x = 1\nprint(x)"):
    nb = nbformat.v4.new_notebook()
    code = new_code(lesson)
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    code.execution_count = 1
    nb.cells = [new_md("# 1.1 Title 标题"), code, new_md("## Summary\n\n- one\n\n## Exercises"),
                *exercise_cells]
    return nb


def with_output(cell, text="shown\n"):
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    cell.execution_count = 7
    return cell


def good_notebook():
    return notebook(
        new_md("1. **KL by hand.** What is the KL of N(1, 1) to N(0, 1)?"),
        tagged(new_md("<details><summary>Answer</summary>0.5 nats.</details>"), "solution"),
        tagged(with_output(new_code("# Exercise 1: the KL in closed form\nmu, var = 1.0, 1.0\n"
                                    "answer_kl = 0.5 * (var + mu ** 2 - 1)\nprint(answer_kl)")), "solution"),
        tagged(with_output(new_code("assert abs(answer_kl - 0.5) < 1e-9"), ""), "check"),
        new_md("2. **Discussion.** Why is the KL never negative?"),
        tagged(new_md("<details><summary>Answer</summary>Gibbs' inequality.</details>"), "solution"),
    )


def test_bound_names_are_the_assignment_targets_functions_and_classes():
    source = ("import numpy as np\n%time x = 1\na, (b, *c) = 1, (2, 3, 4)\nd: int = 4\ne += 1\nobj.attr = 5\n"
              "table[0] = 6\nfor i in range(3):\n    inside = i\nwith open('f') as handle:\n    read = 1\n"
              "def f():\n    local = 1\nclass K:\n    pass\ntry:\n    t = 1\nexcept ValueError as err:\n"
              "    t = None\n_ = 7\na = 8\nif True:\n    g = 9\n")
    assert student.bound_names(source) == ["a", "b", "c", "d", "e", "inside", "handle", "read", "f", "K", "t",
                                           "g"]


def test_a_stub_sets_every_bound_name_to_ellipsis_and_keeps_the_exercise_label():
    stub = student.stub_source("# Exercise 3, checked: 2 steps\nx_exp = -np.log1p(-u) / 2\n"
                               "mean = x_exp.mean()")
    assert stub == "# Exercise 3: your code here\nx_exp = ...\nmean = ..."
    assert student.stub_source("y = 1").startswith("# your code here\n")
    namespace = {}
    exec(stub, namespace)                                    # a stub is valid Python that binds the names
    assert namespace["x_exp"] is Ellipsis and namespace["mean"] is Ellipsis


def test_student_copy_stubs_solutions_drops_answers_keeps_checks_and_other_outputs():
    nb = good_notebook()
    copy = student.student_copy(nb)
    sources = [c.source for c in copy.cells]
    assert not any("Gibbs" in s or "<details" in s for s in sources), "a markdown answer survived"
    assert any("answer_kl = ..." in s for s in sources) and not any("0.5 * (var" in s for s in sources)
    stub = next(c for c in copy.cells if "answer_kl = ..." in c.source)
    assert stub.source.splitlines()[0] == "# Exercise 1: your code here"
    assert "solution" not in stub.metadata["tags"] and not stub.outputs and stub.execution_count is None
    check = next(c for c in copy.cells if "check" in c.metadata.get("tags", []))
    assert check.source == "assert abs(answer_kl - 0.5) < 1e-9" and not check.outputs
    assert copy.cells[1].outputs, "a lesson cell lost its output"
    assert [c.source for c in copy.cells if c.cell_type == "markdown"][-1].startswith("2. **Discussion")
    assert len(nb.cells) == 9 and "0.5 * (var" in nb.cells[5].source, "student_copy changed its input"


def test_the_check_fails_on_the_stub_and_passes_on_the_solution_in_plain_python():
    nb = good_notebook()
    solution, check = nb.cells[5].source, nb.cells[6].source
    namespace = {}
    exec(student.stub_source(solution), namespace)
    with pytest.raises(TypeError):
        exec(check, namespace)
    exec(solution.replace("print(answer_kl)", ""), namespace)
    exec(check, namespace)


@pytest.mark.parametrize("bad, words", [
    (new_code("y = 2\nassert y == 2"), "tagged neither"),
    (new_md("<details><summary>Answer</summary>2</details>"), "<details> answer in an untagged"),
    (tagged(new_code("y = 2"), "solution"), "no 'check' cell after it"),
    (tagged(new_code("assert x == 1"), "check"), "no 'solution' code cell before it"),
    (tagged(new_code("print(3)"), "solution"), "binds no name"),
])
def test_an_exercise_that_breaks_the_convention_is_reported(bad, words):
    nb = notebook(new_md("3. **Another.** Question."), bad)
    problems = student.exercise_problems(nb)
    assert any(words in p for p in problems), problems
    with pytest.raises(student.ExerciseError, match="do not follow the convention"):
        student.student_copy(nb)
    assert student.student_copy(nb, strict=False).cells       # a draft can still be copied on request


def test_a_solution_must_be_checked_before_the_next_question():
    nb = notebook(new_md("1. Q"), tagged(new_code("a = 1"), "solution"), new_md("2. Q"),
                  tagged(new_code("b = 1"), "solution"), tagged(new_code("assert a == b == 1"), "check"))
    assert any("no 'check' cell after it" in p for p in student.exercise_problems(nb))


def test_a_stub_that_overwrites_a_lesson_name_a_later_exercise_reads_is_reported():
    nb = notebook(new_md("1. Q"), tagged(new_code("x = 2\nanswer = x"), "solution"),
                  tagged(new_code("assert answer == 2"), "check"),
                  new_md("2. Q"), tagged(new_code("twice = 2 * x"), "solution"),
                  tagged(new_code("assert twice == 2"), "check"))
    assert any("overwrites 'x'" in p for p in student.exercise_problems(nb))
    assert not student.exercise_problems(good_notebook())


def test_the_command_line_writes_copies_atomically_beside_their_chapter_and_reports_bad_notebooks(tmp_path,
                                                                                                   capsys):
    chapter = tmp_path / "chapters" / "01_background"
    chapter.mkdir(parents=True)
    nbformat.write(good_notebook(), chapter / "01_01_good.ipynb")
    nbformat.write(notebook(new_md("1. Q"), new_code("y = 2")), chapter / "01_02_bad.ipynb")
    out = tmp_path / "student"
    code = student.main(["--out", str(out), str(chapter / "01_01_good.ipynb"),
                         str(chapter / "01_02_bad.ipynb")])
    assert code == 1
    assert "01_02_bad.ipynb: not written" in capsys.readouterr().err
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["01_background/01_01_good.ipynb"], "a stray temporary file or a bad copy was written"
    copy = nbformat.read(out / "01_background" / "01_01_good.ipynb", as_version=4)
    assert any("answer_kl = ..." in c.source for c in copy.cells)
    assert student.main(["--out", str(out), str(chapter / "01_01_good.ipynb")]) == 0


def test_write_atomic_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    def half_then_fail(nb, handle):
        handle.write('{"cells": [')
        raise OSError("disk full")

    target = tmp_path / "a.ipynb"
    target.write_text("old")
    monkeypatch.setattr(student.nbformat, "write", half_then_fail)
    with pytest.raises(OSError):
        student.write_atomic(good_notebook(), target)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.ipynb"]


# ---------------------------------------------------------------------------------------------------------
# The chapters: every check fails without its solution and passes with it (one kernel per notebook)

def with_exercises(read_runs: bool) -> list[Path]:
    """Chapter notebooks with exercises that read (or do not read) a run another notebook trains."""
    paths = sorted((ROOT / "chapters").glob("*/*.ipynb"))
    return [p for p in paths if student.exercise_groups(nbformat.read(p, as_version=4))[0]
            and reads_other_runs(p) == read_runs]


def chapter_ids(paths):
    return [p.relative_to(ROOT / "chapters").as_posix() for p in paths]


# `make student-check` runs these after nbval, two notebooks at a time: first the notebooks that train,
# then those that read the runs they wrote (5.3, 6.1, ...), as make nbval does. `make unit` leaves them out
# (marker `notebooks`): they cost one more execution of every notebook.
TRAINERS, READERS = with_exercises(read_runs=False), with_exercises(read_runs=True)


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("path", TRAINERS, ids=chapter_ids(TRAINERS))
def test_every_check_fails_on_the_stubs_and_passes_on_the_solution(path):
    check_exercises(path)


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("path", READERS, ids=chapter_ids(READERS))
def test_every_check_fails_on_the_stubs_and_passes_on_the_solution_in_notebooks_that_read_runs(path):
    check_exercises(path)


def check_exercises(path):
    report = student.verify(path)
    assert not report["problems"], "\n".join(report["problems"])
    assert not report["failures"], "\n".join(report["failures"])
    assert report["exercises"] and all(ename for _, ename in report["exercises"])


@pytest.mark.slow
def test_verify_runs_stubs_then_solutions_in_one_kernel_and_reports_a_check_that_passes_on_stubs(tmp_path):
    nb = good_notebook()
    nb.cells += [new_md("3. **Weak.** Any number."), tagged(new_code("weak = 3"), "solution"),
                 tagged(new_code("assert weak"), "check")]           # Ellipsis is truthy: a useless check
    path = tmp_path / "01_01_x.ipynb"
    nbformat.write(nb, path)
    report = student.verify(path)
    assert report["exercises"] == [(6, "TypeError"), (11, None)]
    assert len(report["failures"]) == 1 and "cell 11: the check passes" in report["failures"][0]
    nb.cells[-1].source = "assert weak == 3"
    nbformat.write(nb, path)
    report = student.verify(path)
    assert report["exercises"] == [(6, "TypeError"), (11, "AssertionError")] and not report["failures"]
