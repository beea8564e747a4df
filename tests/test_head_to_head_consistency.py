"""Section 5.3 compares the very runs whose training its sibling sections show.

Each sibling section prints ``fingerprint of runs/book/<model>: ...`` (book_utils.metrics.compare.
print_fingerprint) as the last line of its training; 5.3 prints the fingerprint of every run it reads.
The committed outputs are consistent when the two lines agree: same epochs and training CPU seconds,
same headline numbers, same samples (a hash of samples.npy).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from book_utils.metrics.compare import read_fingerprints

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
HEAD_TO_HEAD = "05_practice/05_03_head_to_head.ipynb"
SIBLINGS = {                       # run directory -> the section that trains it
    "runs/book/gan": "05_practice/05_01_gan_tensorflow.ipynb",
    "runs/book/vae": "05_practice/05_02_vae_pytorch.ipynb",
    "runs/book/arm": "03_algorithms/03_03_autoregressive.ipynb",
}


def printed_fingerprints(nb) -> dict[str, str]:
    """{run label: fingerprint} of every fingerprint line in the notebook's committed outputs."""
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            stream = out.get("output_type") == "stream"
            text = out.get("text") if stream else out.get("data", {}).get("text/plain")
            texts.append(text if isinstance(text, str) else "".join(text or []))
    return read_fingerprints("\n".join(texts))


def mismatch(run: str, reader: dict, trainer: dict, trainer_name: str) -> str | None:
    """Why the reader's fingerprint of ``run`` differs from the trainer's, or None when they agree."""
    if run not in reader:
        return f"{HEAD_TO_HEAD} prints no fingerprint of {run}"
    if reader[run] != trainer[run]:
        return (f"{HEAD_TO_HEAD} read another {run} than {trainer_name} shows:\n  5.3:     {reader[run]}\n"
                f"  sibling: {trainer[run]}\nre-run {trainer_name}, then 5.3, top to bottom")
    return None


@pytest.mark.parametrize("run", sorted(SIBLINGS))
def test_head_to_head_reads_the_run_its_sibling_section_trained(run):
    reader = printed_fingerprints(nbformat.read(CHAPTERS / HEAD_TO_HEAD, as_version=4))
    trainer = printed_fingerprints(nbformat.read(CHAPTERS / SIBLINGS[run], as_version=4))
    if run not in trainer:
        pytest.skip(f"{SIBLINGS[run]} does not print a fingerprint of {run} yet: its training section must "
                    f"end with print_fingerprint(...) (book_utils.metrics.compare)")
    problem = mismatch(run, reader, trainer, SIBLINGS[run])
    assert problem is None, problem


def test_the_check_catches_a_different_run_and_a_missing_fingerprint():
    def notebook(*lines):
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("print_fingerprint(RUN)")
        text = "".join(f"{line}\n" for line in lines)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        nb.cells = [cell]
        return printed_fingerprints(nb)

    line = "fingerprint of runs/book/gan: 650 epochs, {} CPU s of training; FD 0.219; samples {}"
    sibling = notebook("trained.", line.format(89, "5d717e4a"))
    same = notebook(line.format(89, "5d717e4a"))
    other = notebook(line.format(69, "0c1d2e3f"))
    assert mismatch("runs/book/gan", same, sibling, "5.1") is None
    assert "69 CPU s" in mismatch("runs/book/gan", other, sibling, "5.1")
    assert "prints no fingerprint" in mismatch("runs/book/gan", notebook("nothing"), sibling, "5.1")
