"""Chapter 7's tools: the book's models written the way each framework's own tools expect.

Importing this package imports no framework. Each module loads its framework on first use,
so ``from book_utils.tools import KerasVAE`` imports Keras (and its backend) then.

Keras 3 (Section 7.1; runs on the TensorFlow backend and, with ``KERAS_BACKEND=torch``, on PyTorch):

    keras_vae.py   Section 5.2's VAE as a ``keras.Model``: ``compute_loss`` (backend-agnostic),
                   a TensorFlow ``train_step``, a ``tf.data`` pipeline, ``fit`` with callbacks,
                   saving, exporting and the command line ``python -m book_utils.tools.keras_vae``

Hugging Face (Section 7.3; PyTorch only, offline: ``HF_HUB_OFFLINE=1``, ``HF_DATASETS_OFFLINE=1``):

    hf_offline.py    the offline and quiet switches, and ``block_network()``, a guard that makes any
                     network connection raise (framework-free)
    hf_tokenizer.py  a byte-level BPE tokenizer trained locally with ``tokenizers`` (framework-free)
    hf_port.py       the book's ``TransformerLM`` ported weight for weight into ``GPT2LMHeadModel``
    hf_train.py      ``datasets`` -> ``Trainer`` -> held-out loss; ``--bench`` writes tools_hf.json
    hf_accel.py      one training loop with and without ``accelerate``
    hf_files.py      a ``.safetensors`` header read with the standard library (framework-free)

PyTorch (Section 7.2) and the side by side (Section 7.5):

    torch_tools.py   ``Dataset``/``DataLoader`` seeded per image, ``torch.compile`` against eager (a
                     failure reported, not raised), ``torch.profiler`` tables, ``state_dict`` and
                     safetensors files (PyTorch only)
    side_by_side.py  the chapter's benchmark files as one table, and the reading list with its check
                     (framework-free)
"""

from typing import TYPE_CHECKING

from book_utils.lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and editors only: at run time the names load lazily
    from book_utils.tools.keras_vae import KerasVAE, TFStepVAE

_EXPORTS = {
    "KerasVAE": "keras_vae", "TFStepVAE": "keras_vae",
}
_SUBMODULES = ("keras_vae", "hf_offline", "hf_tokenizer", "hf_port", "hf_train", "hf_accel", "hf_files",
               "torch_tools", "side_by_side")

__all__ = ["KerasVAE", "TFStepVAE"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, _SUBMODULES)
