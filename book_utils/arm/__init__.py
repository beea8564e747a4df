"""The autoregressive family: Section 2.3's n-grams, Section 3.3's models, Section 4.3's mathematics.

Importing this package imports no framework (and never TensorFlow). The PyTorch modules load on
first use, so ``from book_utils.arm import train_run`` imports torch then, while the NumPy-only
modules (``math``, ``text``, ``grammar``, ``textstats``, ``control``, ``tokens``) never do.

PyTorch (Section 3.3):

- :mod:`book_utils.arm.made`: MADE, an exact-likelihood model of binary images;
- :mod:`book_utils.arm.charmodel`: a character-level GRU language model;
- :mod:`book_utils.arm.transformer`: a minimal decoder-only Transformer language model (causal
  self-attention, pre-norm blocks), reused by later chapters;
- :mod:`book_utils.arm.sampling`: temperature, top-k and nucleus (top-p) sampling, a repetition penalty;
- :mod:`book_utils.arm.decoding`: greedy decoding and sampling strategies over a batch of prompts
  (Section 6.2);
- :mod:`book_utils.arm.run`: the pixel and character models in the run lifecycle (``train_run``;
  load a run with :func:`book_utils.runs.load`).

Framework-free:

- :mod:`book_utils.arm.config`: ``PixelConfig``, ``CharConfig`` and the pixel model's ``recipe``.

NumPy only:

- :mod:`book_utils.arm.grammar`: a tiny probabilistic grammar with an exact entropy rate;
- :mod:`book_utils.arm.text`: tokenizers, the n-gram model, cross-entropy and perplexity (Section 2.3);
- :mod:`book_utils.arm.textstats`: distinct-n, repeated n-grams, copying, n-gram bits of a text (Section 6.2);
- :mod:`book_utils.arm.control`: control tokens on the grammar, judged by its parser (Section 6.2);
- :mod:`book_utils.arm.tokens`: bytes and tokens per character under byte-level BPE (Section 6.2);
- :mod:`book_utils.arm.math`: the chain rule, cross-entropy = MLE, perplexity, entropy rate (Section 4.3).
"""

from typing import TYPE_CHECKING

from book_utils.lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and editors only: at run time the names load lazily
    from book_utils.arm.config import CharConfig, PixelConfig
    from book_utils.arm.run import train_run

_EXPORTS = {"CharConfig": "config", "PixelConfig": "config", "train_run": "run"}
_SUBMODULES = ("charmodel", "config", "control", "decoding", "grammar", "made", "math", "run", "sampling",
               "text", "textstats", "tokens", "transformer")

__all__ = ["CharConfig", "PixelConfig", "train_run"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, _SUBMODULES)
