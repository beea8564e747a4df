"""Autoregressive models in PyTorch (section 3.3): a pixel MADE and a character GRU.

- :mod:`book_utils.arm.made`: MADE, an exact-likelihood model of binary images;
- :mod:`book_utils.arm.charmodel`: a character-level GRU language model;
- :mod:`book_utils.arm.sampling`: temperature, top-k and nucleus (top-p) sampling;
- :mod:`book_utils.arm.grammar`: a tiny probabilistic grammar with an exact entropy rate (NumPy);
- :mod:`book_utils.arm.run`: ``train_run`` / ``evaluate_run`` / ``load`` for run directories.

Importing this package imports PyTorch (never TensorFlow).
"""

from book_utils.arm.run import evaluate_run, load, train_run

__all__ = ["evaluate_run", "load", "train_run"]
