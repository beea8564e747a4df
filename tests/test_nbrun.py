"""The notebook runner (book_utils.nbrun) and the full profile's smoke test (book_utils.smoke)."""

import json
import os

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from book_utils import nbrun, smoke


def error(source: str, line: int, ename="AssertionError", tags=(), frames=""):
    """An error output as nbrun reports it, with IPython's traceback layout."""
    shown = source.splitlines()[line - 1]
    traceback = (f"{'-' * 75}\n{ename}    Traceback (most recent call last)\nCell In[7], line {line}\n"
                 f"----> {line} {shown}\n{frames}\n{ename}: ")
    return {"cell": 3, "ename": ename, "evalue": "", "traceback": traceback, "source": source,
            "tags": list(tags)}


def test_failing_assert_is_read_from_the_traceback_and_completed_from_the_cell():
    src = "x = 1\nassert (fid <\n        0.1), 'too far'\nprint(x)"
    assert smoke.failing_assert(error(src, 2)) == "assert (fid <\n        0.1), 'too far'"
    assert smoke.failing_assert({"traceback": "no arrow here"}) is None
    frames = "File ~/book_utils/x.py:12, in check(x)\n---> 12     assert x.shape == (2,)"
    inner = error("check(x)", 1, frames=frames)       # raised inside a package function
    assert smoke.failing_assert(inner) == "assert x.shape == (2,)"


@pytest.mark.parametrize("source, quality", [
    ('assert metrics["fid"] < baseline["fid"] - 0.1, f"FID {metrics[\'fid\']:.2f}"', True),
    ("assert acc >= 0.95", True),
    ("assert abs(nll - 25.3) < 0.3, nll", True),
    ("assert samples.shape == (1000, 28, 28)", False),             # structural: must hold at any scale
    ("assert len(history) > 0", False),
    ("assert np.isfinite(loss) and loss < 10", False),
    ("assert changed_g and changed_d", False),                       # no comparison with a bar
    ("assert x.dtype == np.float32", False),
])
def test_quality_checks_are_told_from_structural_assertions(source, quality):
    assert smoke.is_quality_check(error(source, 1)) is quality


def test_only_assertion_errors_can_be_quality_checks_and_the_tag_overrides():
    assert not smoke.is_quality_check(error("assert fid < 1", 1, ename="NameError"))
    assert smoke.is_quality_check(error("assert model_ok(run)", 1, tags=["quality"]))
    errors = [error("assert fid < 1", 1), error("undefined + 1", 1, ename="NameError")]
    failures, skipped = smoke.classify(errors)
    assert [e["ename"] for e in failures] == ["NameError"] and len(skipped) == 1


def write_run(folder, samples, metrics='{"model": "vae"}', kind="images"):
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"format": 2, "data": {"kind": kind}}))
    if metrics is not None:
        (folder / "metrics.json").write_text(metrics)
    if samples is not None:
        np.save(folder / "samples.npy", samples)
    return folder


def test_run_directory_checks(tmp_path):
    good = np.random.default_rng(0).random((10, 28, 28), dtype=np.float32)
    assert smoke.check_run_dir(write_run(tmp_path / "ok", good)) == []
    assert smoke.check_run_dir(write_run(tmp_path / "text", np.zeros((5, 100), np.int32), kind="text")) == []
    nan = good.copy()
    nan[0, 0, 0] = np.nan
    problems = {
        "nan": smoke.check_run_dir(write_run(tmp_path / "nan", nan)),
        "range": smoke.check_run_dir(write_run(tmp_path / "range", good * 2)),
        "dtype": smoke.check_run_dir(write_run(tmp_path / "dtype", good.astype(np.float64))),
        "flat": smoke.check_run_dir(write_run(tmp_path / "flat", good.reshape(10, -1))),
        "metrics": smoke.check_run_dir(write_run(tmp_path / "metrics", good, metrics="{not json")),
        "list": smoke.check_run_dir(write_run(tmp_path / "list", good, metrics="[1, 2]")),
        "missing": smoke.check_run_dir(write_run(tmp_path / "missing", None, metrics=None)),
    }
    assert "NaN" in problems["nan"][0]
    assert "outside [0, 1]" in problems["range"][0]
    assert "float32 N x H x W" in problems["dtype"][0] and "float32 N x H x W" in problems["flat"][0]
    assert "metrics.json unreadable" in problems["metrics"][0]
    assert "not a JSON object" in problems["list"][0]
    assert len(problems["missing"]) == 2
    assert smoke.run_dirs(tmp_path) == sorted(tmp_path / name for name in (
        "dtype", "flat", "list", "metrics", "missing", "nan", "ok", "range", "text"))


def notebook(path, *sources):
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)
    return path


def test_notebooks_that_read_other_runs_are_found(tmp_path):
    reader = notebook(tmp_path / "r.ipynb", "out = book_run_dir(name)")
    writer = notebook(tmp_path / "w.ipynb", 'RUN = book_run_dir("gan", fresh=True)')
    plain = notebook(tmp_path / "p.ipynb", "x = 1")
    assert [nbrun.reads_other_runs(p) for p in (reader, writer, plain)] == [True, False, False]
    assert [smoke.trains_runs(p) for p in (reader, writer, plain)] == [False, True, False]


def test_readers_option_names_the_notebooks_the_makefile_runs_last(tmp_path, capsys):
    reader = notebook(tmp_path / "r.ipynb", 'ARM_RUN = book_run_dir("arm")')
    writer = notebook(tmp_path / "w.ipynb", 'RUN = book_run_dir("arm", fresh=True)')
    assert nbrun.main(["--readers", str(writer), str(reader)]) == 0
    assert capsys.readouterr().out.split() == [str(reader)]


def test_default_jobs_is_capped_at_two():
    assert 1 <= nbrun.default_jobs() <= nbrun.MAX_JOBS == 2


@pytest.mark.slow
def test_runs_notebooks_in_fresh_kernels_two_at_a_time_and_reports_every_error(tmp_path):
    first = notebook(tmp_path / "a.ipynb", "import os\nx = 1", "assert x < 0, 'quality bar'", "undefined + 1",
                     "print(os.environ['BOOK_SMOKE'], os.environ['OMP_WAIT_POLICY'])")
    second = notebook(tmp_path / "b.ipynb", "print(x)")          # a fresh kernel: x is not defined here
    reader = notebook(tmp_path / "c.ipynb", "# book_run_dir(name) is read here\nprint(1)")
    order = []
    env = {**os.environ, "BOOK_SMOKE": "1"}
    env.pop("OMP_WAIT_POLICY", None)
    results, failures = nbrun.run_all([first, second, reader], jobs=2, allow_errors=True, env=env,
                                      on_done=lambda r, p, m: order.append(p.name))
    assert failures == [] and order[-1] == "c.ipynb"           # the reader ran after the others
    errors = {r["notebook"].rsplit("/", 1)[-1]: [(e["cell"], e["ename"]) for e in r["errors"]]
              for r in results}
    assert errors == {"a.ipynb": [(1, "AssertionError"), (2, "NameError")], "b.ipynb": [(0, "NameError")],
                      "c.ipynb": []}
    written = nbformat.read(first, as_version=4)
    assert all(not c.outputs for c in written.cells)          # outputs were not written back
    failed_smoke, skipped = smoke.classify(results[0]["errors"])
    assert [e["ename"] for e in failed_smoke] == ["NameError"] and len(skipped) == 1
    assert "RuntimeError" not in str(failures)
    _, failures = nbrun.run_all([second], jobs=1)              # without allow_errors the first error stops it
    assert len(failures) == 1 and "NameError" in failures[0]


def test_a_kernel_that_died_before_its_first_cell_is_started_once_more(tmp_path, monkeypatch):
    import subprocess
    from types import SimpleNamespace

    path = notebook(tmp_path / "n.ipynb", "x = 1")
    report = json.dumps({"cpu_seconds": 0.1, "peak_kib": 1024, "errors": []})
    died = SimpleNamespace(returncode=1, stdout="", stderr=f"RuntimeError: {nbrun.KERNEL_NEVER_STARTED}")
    answers = [died, SimpleNamespace(returncode=0, stdout=report, stderr="")]
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: answers.pop(0))
    assert nbrun.run_notebook(path)["errors"] == [] and not answers
    answers[:] = [died, died]                              # it dies twice: the notebook fails
    with pytest.raises(RuntimeError, match="Kernel died"):
        nbrun.run_notebook(path)
    answers[:] = [SimpleNamespace(returncode=1, stdout="", stderr="NameError: x"), died]
    with pytest.raises(RuntimeError, match="NameError"):   # any other failure is not retried
        nbrun.run_notebook(path)
    assert len(answers) == 1
