"""Run directories: one format and one lifecycle for every model the book trains.

- :mod:`book_utils.runs.files`: atomic writes; reads that name a damaged file;
- :mod:`book_utils.runs.config`: one config style (frozen dataclasses built from a recipe and options);
- :mod:`book_utils.runs.rundir`: ``run.json``, the data reference, where the book keeps its runs;
- :mod:`book_utils.runs.lifecycle`: check, start or resume, train, checkpoint, evaluate;
- :mod:`book_utils.runs.figures`: ``losses.png`` and ``samples.png``.

The format is described in the README ("The run directory"). Importing this package imports
neither TensorFlow nor PyTorch: a model family's framework is imported when its run starts.
"""

from book_utils.errors import CheckpointError, CorruptFileError, DivergedError, RunDirError
from book_utils.runs.files import atomic_write_bytes, load_json, load_npy, save_json, save_npy
from book_utils.runs.lifecycle import (
    CHECKPOINTS,
    N_SAMPLES,
    Evaluation,
    Plan,
    check_finite,
    checkpoint_folders,
    evaluate,
    family,
    load,
    open_run,
    read_history,
    train,
)
from book_utils.runs.rundir import (
    RUN_FILE,
    book_run_dir,
    data_reference,
    data_source,
    prepare_run_dir,
    read_run,
)

__all__ = ["CHECKPOINTS", "N_SAMPLES", "RUN_FILE", "CheckpointError", "CorruptFileError", "DivergedError",
           "Evaluation", "Plan", "RunDirError", "atomic_write_bytes", "book_run_dir", "check_finite",
           "checkpoint_folders", "data_reference", "data_source", "evaluate", "family", "load", "load_json",
           "load_npy", "open_run", "prepare_run_dir", "read_history", "read_run", "save_json", "save_npy",
           "train"]
