"""Shared test fixtures. Nothing here touches the network."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402


@pytest.fixture
def kill_after_checkpoint(monkeypatch):
    """``kill_after_checkpoint(n)``: the runs started next stop with KeyboardInterrupt right after their
    n-th checkpoint is written, as if the process had been killed there. Returns the list of the
    epochs checkpointed so far (it keeps growing when the run is resumed)."""
    from book_utils.runs import lifecycle

    real_save = lifecycle.save_checkpoint
    saved: list[int] = []

    def arm(n: int) -> list[int]:
        def save_then_maybe_die(out, trainer, state):
            path = real_save(out, trainer, state)
            saved.append(state["epoch"])
            if len(saved) == n:
                raise KeyboardInterrupt("simulated kill right after a checkpoint")
            return path

        monkeypatch.setattr(lifecycle, "save_checkpoint", save_then_maybe_die)
        return saved

    return arm
