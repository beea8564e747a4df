"""The autoregressive models' configurations and recipes (framework-free: ``--help`` reads them
without torch).

Two models share the family ``arm``: the pixel model (:class:`PixelConfig`, a MADE on binarized
images, ``--dataset``) and the character model (:class:`CharConfig`, a GRU or a Transformer, ``--text``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from book_utils.runs.config import require, require_positive


def _check_common(config) -> None:
    require_positive(config, "epochs", "batch_size", "checkpoint_every")
    require(0.0 < config.valid_fraction < 1.0,
            f"valid_fraction must be between 0 and 1, got {config.valid_fraction!r}")
    require(config.lr > 0, f"lr must be positive, got {config.lr!r}")
    require(isinstance(config.seed, int) and not isinstance(config.seed, bool) and config.seed >= 0,
            f"seed must be an integer >= 0, got {config.seed!r}")


@dataclass(frozen=True)
class PixelConfig:
    """A pixel-model run (MADE on binarized images; saved in run.json, a resumed run must match it).

    The defaults are the recipe for 8 x 8 digits; :func:`recipe` gives the one for 28 x 28 images.
    """

    epochs: int = 500
    batch_size: int = 32
    hidden: tuple[int, ...] = (1024,)  # hidden layer sizes of the masked network
    n_masks: int = 16                  # orderings trained with one weight set (connectivity-agnostic)
    dropout: float = 0.3
    lr: float = 1e-3
    weight_decay: float = 0.0          # AdamW's decoupled weight decay
    valid_fraction: float = 0.1        # carved from the TRAINING split, for early stopping
    checkpoint_every: int = 25         # epochs between checkpoints (and at the last epoch)
    seed: int = 0

    def __post_init__(self):
        _check_common(self)
        require_positive(self, "n_masks")
        require(isinstance(self.hidden, tuple) and len(self.hidden) > 0
                and all(isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in self.hidden),
                f"hidden must be a list of positive layer sizes, e.g. --option hidden=[1024]; "
                f"got {self.hidden!r}")
        require(0.0 <= self.dropout < 1.0, f"dropout must be in [0, 1), got {self.dropout!r}")
        require(self.weight_decay >= 0, f"weight_decay must be at least 0, got {self.weight_decay!r}")


ARCHS = ("gru", "transformer")


@dataclass(frozen=True)
class CharConfig:
    """A character-model run on a text (``--text FILE`` or ``python-docs``).

    ``arch="gru"`` (the default): a GRU language model, sized by ``embed``, ``hidden`` and ``layers``.
    ``arch="transformer"``: a decoder-only Transformer (:mod:`book_utils.arm.transformer`), sized by
    ``d_model``, ``heads``, ``blocks`` and ``dropout``, reading ``seq_len`` characters at most.
    Each architecture refuses the other's size options (left at their defaults).
    """

    epochs: int = 5
    batch_size: int = 32               # windows per Adam step
    embed: int = 32                    # GRU: character embedding size
    hidden: int = 256                  # GRU: state size
    layers: int = 1                    # GRU: stacked recurrent layers
    seq_len: int = 128                 # characters per training window (the Transformer's context)
    lr: float = 3e-3
    valid_fraction: float = 0.1        # the last part of the text, held out
    checkpoint_every: int = 1          # epochs between checkpoints (and at the last epoch)
    seed: int = 0
    arch: str = "gru"                  # "gru" | "transformer"
    d_model: int = 128                 # Transformer: width of the residual stream
    heads: int = 4                     # Transformer: attention heads (d_model / heads channels each)
    blocks: int = 4                    # Transformer: pre-norm blocks
    dropout: float = 0.0               # Transformer: dropout on embeddings, attention and residual branches

    def __post_init__(self):
        _check_common(self)
        require_positive(self, "embed", "hidden", "layers", "seq_len", "d_model", "heads", "blocks")
        require(self.arch in ARCHS, f"arch must be one of {', '.join(ARCHS)}, got {self.arch!r}")
        other = [name for name in (TRANSFORMER_ONLY if self.arch == "gru" else GRU_ONLY)
                 if getattr(self, name) != _DEFAULTS[name]]
        if other:
            owner, arch = ("the Transformer", "transformer") if self.arch == "gru" else ("the GRU", "gru")
            require(False, f"{', '.join(other)}: {owner}'s option(s), but this run has arch={self.arch}; "
                           f"add --option arch={arch} to train {owner}, or drop them")
        require(0.0 <= self.dropout < 1.0, f"dropout must be in [0, 1), got {self.dropout!r}")
        require(self.d_model % self.heads == 0,
                f"d_model ({self.d_model}) must be a multiple of heads ({self.heads})")


GRU_ONLY = ("embed", "hidden", "layers")
TRANSFORMER_ONLY = ("d_model", "heads", "blocks", "dropout")
_DEFAULTS = {f.name: f.default for f in fields(CharConfig)}


#: 8 x 8 digits: the book's recipe (Section 3.3): the dataclass defaults.
SMALL_IMAGES = {}
#: 28 x 28 images (MNIST, Fashion-MNIST): one wider hidden layer, fewer orderings, light weight decay.
LARGE_IMAGES = dict(hidden=(2000,), n_masks=8, dropout=0.1, weight_decay=1e-4, epochs=100, batch_size=100,
                    checkpoint_every=1)


def recipe(image_shape: tuple[int, int]) -> dict:
    """The pixel model's default options for images of ``image_shape`` (a copy: change it freely).

    Images of at most 256 pixels (16 x 16) get the small-image recipe, larger ones the 28 x 28 one.
    """
    return dict(LARGE_IMAGES if image_shape[0] * image_shape[1] > 256 else SMALL_IMAGES)
