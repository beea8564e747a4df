"""The student edition: copies of the chapter notebooks with the exercise solutions taken out.

    python -m book_utils.student --out student/ chapters/*/*.ipynb       # make student
    python -m book_utils.student --verify chapters/03_*/*.ipynb          # checks fail without solutions

The exercises of a section follow one convention (README, "The student edition"). After the last
``Exercises`` heading:

* a question is an untagged markdown cell;
* its worked answer, if any, is a markdown cell tagged ``solution`` (a ``<details>`` block);
* the code that computes the answer is in code cell(s) tagged ``solution`` that bind named results
  (``answer_kl = ...``);
* then ONE code cell tagged ``check`` asserts on those names.

:func:`student_copy` drops the ``solution`` markdown cells, replaces each ``solution`` code cell by a
stub that sets every name the cell binds to ``...`` (Ellipsis), and keeps the checks, so a student
runs a check to test an answer. A check must therefore fail (AssertionError, TypeError, NameError,
...) on the stubs and pass on the solution: :func:`verify` runs a notebook once, in one kernel, and
tries both at every check. The names a cell binds are read from its code with :mod:`ast`:
assignment targets at the cell's top level, also inside ``if``/``with``/``try``/loop bodies,
and the names of functions and classes it defines; loop variables, imports and ``_`` are not stubbed.

Framework-free: nbformat and ast (nbclient only inside :func:`verify`).
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat

SOLUTION, CHECK = "solution", "check"
STUB_TAG = "stub"
EXERCISES_HEADING = re.compile(r"^#+ .*Exercises", re.M)
EXERCISE_LABEL = re.compile(r"#\s*(Exercises? \d+(?:(?:\s*(?:,|and|to|-|–)\s*)\d+)*)")


class ExerciseError(ValueError):
    """A notebook whose exercises do not follow the convention; ``problems`` lists what is wrong."""

    def __init__(self, problems: list[str], where: str = "notebook"):
        self.problems = problems
        super().__init__(f"{where}: the exercises do not follow the convention "
                         "(README, 'The student edition'):\n  " + "\n  ".join(problems))


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def exercises_start(nb) -> int | None:
    """Index of the cell that holds the last ``Exercises`` heading, or None."""
    found = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "markdown" and EXERCISES_HEADING.search(c.source)]
    return found[-1] if found else None


def _parse(source: str) -> ast.Module:
    # IPython magics and shell escapes are not Python: blank them out before parsing
    lines = ["pass" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def _target_names(target) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []                      # attributes and subscripts change an object, they bind no name


def _bound(statements) -> list[str]:
    names: list[str] = []
    for node in statements:
        if isinstance(node, ast.Assign):
            names += [n for t in node.targets for n in _target_names(t)]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            names += _target_names(node.target)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            names += [n for item in node.items if item.optional_vars is not None
                      for n in _target_names(item.optional_vars)]
            names += _bound(node.body)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.If)):
            names += _bound(node.body) + _bound(node.orelse)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            names += _bound(node.body) + _bound(node.orelse) + _bound(node.finalbody)
            for handler in node.handlers:
                names += _bound(handler.body)
    return names


def bound_names(source: str) -> list[str]:
    """The names a code cell binds for the cells after it, in order of first binding (no ``_``)."""
    names = _bound(_parse(source).body)
    return [n for i, n in enumerate(names) if n != "_" and n not in names[:i]]


def read_names(source: str) -> set[str]:
    """Every name the code reads (loads)."""
    return {n.id for n in ast.walk(_parse(source)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def stub_source(source: str) -> str:
    """The student's version of a solution cell: each name it binds set to ``...``."""
    label = EXERCISE_LABEL.search(source)
    head = f"# {label.group(1)}: your code here" if label else "# your code here"
    return "\n".join([head] + [f"{name} = ..." for name in bound_names(source)])


def exercise_groups(nb) -> tuple[list[tuple[list[int], int]], list[str]]:
    """``([(solution code cell indices, check cell index), ...], problems)`` for the exercise section.

    A check closes the group of the ``solution`` code cells since the previous check. Problems: an
    untagged code cell, a ``<details>`` answer in an untagged markdown cell, a check with no solution
    before it, solution code with no check after it (before the next question), a solution that binds
    no name, a cell tagged both ways.
    """
    start = exercises_start(nb)
    if start is None:
        return [], []
    groups, problems, pending = [], [], []
    for index in range(start + 1, len(nb.cells)):
        cell, kinds = nb.cells[index], set(tags(nb.cells[index])) & {SOLUTION, CHECK}
        if kinds == {SOLUTION, CHECK}:
            problems.append(f"cell {index}: tagged both 'solution' and 'check'")
            continue
        if cell.cell_type == "markdown":
            if SOLUTION in kinds:
                continue
            if "<details" in cell.source:
                problems.append(f"cell {index}: a <details> answer in an untagged markdown cell "
                                "(move it into its own markdown cell tagged 'solution')")
            if pending:
                problems.append(f"cells {pending}: solution code with no 'check' cell after it")
                pending = []
            continue
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        if not kinds:
            problems.append(f"cell {index}: exercise code cell tagged neither 'solution' nor 'check'")
        elif SOLUTION in kinds:
            try:
                names = bound_names(cell.source)
            except SyntaxError as err:
                problems.append(f"cell {index}: solution cell does not parse: {err}")
                names = ["?"]
            if not names:
                problems.append(f"cell {index}: solution cell binds no name for its check to test")
            pending.append(index)
        else:
            if not pending:
                problems.append(f"cell {index}: 'check' cell with no 'solution' code cell before it")
            groups.append((pending, index))
            pending = []
    if pending:
        problems.append(f"cells {pending}: solution code with no 'check' cell after it")
    problems += _stubs_that_clobber(nb, start, groups)
    return groups, problems


def _stubs_that_clobber(nb, start: int, groups) -> list[str]:
    """A stub that overwrites a name the lesson bound and a later exercise reads breaks the student copy."""
    before = set()
    for cell in nb.cells[:start]:
        if cell.cell_type == "code":
            try:
                before.update(bound_names(cell.source))
            except SyntaxError:
                pass
    problems = []
    for number, (solutions, _) in enumerate(groups):
        stubbed = {n for i in solutions for n in bound_names(nb.cells[i].source)} & before
        for later_solutions, later_check in groups[number + 1:]:
            cells = later_solutions + [later_check]
            own = {n for i in later_solutions for n in bound_names(nb.cells[i].source)}
            read = set().union(*(read_names(nb.cells[i].source) for i in cells)) - own
            for name in sorted(stubbed & read):
                problems.append(f"cell {solutions[0]}: its stub overwrites {name!r}, which the lesson set "
                                f"and the exercise checked in cell {later_check} reads (use a new name)")
    return problems


def exercise_problems(nb) -> list[str]:
    """What is wrong with the notebook's exercises (empty when they follow the convention)."""
    return exercise_groups(nb)[1]


def student_copy(nb, strict: bool = True):
    """A copy of ``nb`` for students: ``solution`` markdown dropped, ``solution`` code stubbed, checks kept.

    Outputs of the stubs and checks are cleared; every other cell keeps its outputs. With ``strict``,
    raises :class:`ExerciseError` when the exercises do not follow the convention.
    """
    problems = exercise_problems(nb)
    if strict and problems:
        raise ExerciseError(problems)
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        kinds = tags(cell)
        if SOLUTION in kinds and cell.cell_type == "markdown":
            continue
        if cell.cell_type == "code" and (SOLUTION in kinds or CHECK in kinds):
            if SOLUTION in kinds:
                cell.source = stub_source(cell.source)
                cell.metadata["tags"] = [t for t in kinds if t != SOLUTION] + [STUB_TAG]
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    out.cells = cells
    return out


def write_atomic(nb, path: Path) -> None:
    """Write ``nb`` to ``path`` through a temporary file in the same folder (never a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            nbformat.write(nb, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def student_path(path: Path, out: Path) -> Path:
    """``chapters/03_x/03_01_y.ipynb`` -> ``out/03_x/03_01_y.ipynb`` (links between sections keep working)."""
    return Path(out) / Path(path).parent.name / Path(path).name


# ---------------------------------------------------------------------------------------------------------
# Checking the checks: one kernel per notebook


def verify(path, timeout: int = 1800, kernel_name: str = "python3") -> dict:
    """Run the notebook top to bottom in one kernel and test every exercise's check both ways.

    At each ``check`` cell: the stubs of its ``solution`` cells run, then the check, which must raise;
    then the real solutions run, then the check, which must pass. Other cells run in order, as in the
    book (a lesson cell that fails stops the run). Returns ``{"notebook", "exercises", "seconds",
    "problems", "failures"}``: ``exercises`` holds one ``(check cell, error name on the stubs)`` per
    check; ``problems`` the convention's; ``failures`` every check that passed on the stubs or failed
    on the solution, or the cell that stopped the run.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from book_utils.nbrun import KERNEL_NEVER_STARTED, _strip_ansi

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    groups, problems = exercise_groups(nb)
    solution_cells = {i for solutions, _ in groups for i in solutions}
    check_of = {check: solutions for solutions, check in groups}
    report = {"notebook": str(path), "exercises": [], "problems": problems, "failures": []}
    start = time.perf_counter()

    for attempt in range(2):        # a kernel that died before running a cell is started once more
        # the client gets its own copy: nbclient stores each cell it executes into its notebook at the index
        # given, and a stub must not take its solution's place in ours
        client = NotebookClient(copy.deepcopy(nb), timeout=timeout, kernel_name=kernel_name,
                                resources={"metadata": {"path": str(path.parent.resolve())}})
        ran = False
        try:
            with client.setup_kernel():
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code" or index in solution_cells:
                        continue               # solutions run at their check, after the stubs
                    ran = True
                    if index not in check_of:
                        client.execute_cell(cell, index)
                        continue
                    solutions = check_of[index]
                    for i in solutions:
                        client.execute_cell(nbformat.v4.new_code_cell(stub_source(nb.cells[i].source)), i)
                    # the error is expected: "raises-exception" keeps the kernel from aborting the next cells
                    on_stubs = copy.deepcopy(cell)
                    on_stubs.metadata["tags"] = tags(cell) + ["raises-exception"]
                    client.execute_cell(on_stubs, index)
                    errors = [o for o in on_stubs.outputs if o.output_type == "error"]
                    report["exercises"].append((index, errors[0].ename if errors else None))
                    if not errors:
                        report["failures"].append(f"cell {index}: the check passes with the solution cells "
                                                  f"{solutions} replaced by stubs")
                    for i in solutions:
                        client.execute_cell(nb.cells[i], i)
                    client.execute_cell(cell, index)
        except CellExecutionError as err:
            report["failures"].append(f"cell {index} failed: {_strip_ansi(str(err))[-2000:]}")
        except RuntimeError as err:
            if not ran and KERNEL_NEVER_STARTED in str(err) and attempt == 0:
                continue
            raise
        break
    report["seconds"] = round(time.perf_counter() - start, 1)
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("student"),
                        help="folder for the student copies (default: student/)")
    parser.add_argument("--verify", action="store_true",
                        help="write nothing: run each notebook and show that every check fails on the stubs "
                             "and passes on the solution")
    args = parser.parse_args(argv)
    failed = 0
    for path in args.notebooks:
        if args.verify:
            report = verify(path)
            bad = report["problems"] + report["failures"]
            print(f"{path}: {len(report['exercises'])} check(s) in {report['seconds']:.0f} s"
                  + ("" if not bad else ":\n  " + "\n  ".join(bad)), flush=True)
            failed += bool(bad)
            continue
        nb = nbformat.read(path, as_version=4)
        try:
            copy_ = student_copy(nb)
        except ExerciseError as err:
            print(f"{path}: not written: " + "; ".join(err.problems), file=sys.stderr)
            failed += 1
            continue
        target = student_path(path, args.out)
        write_atomic(copy_, target)
        stubs = sum(STUB_TAG in tags(c) for c in copy_.cells)
        print(f"{target}: {stubs} solution cell(s) stubbed, "
              f"{sum(CHECK in tags(c) for c in copy_.cells)} check(s) kept")
    if failed:
        print(f"{failed} notebook(s) failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
