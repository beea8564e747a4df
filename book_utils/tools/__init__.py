"""Chapter 7's tools: the book's models written the way each framework's own tools expect.

Importing this package imports no framework. Each module loads its framework on first use,
so ``from book_utils.tools import KerasVAE`` imports Keras (and its backend) then.

Keras 3 (Section 7.1; runs on the TensorFlow backend and, with ``KERAS_BACKEND=torch``, on PyTorch):

    keras_vae.py   Section 5.2's VAE as a ``keras.Model``: ``compute_loss`` (backend-agnostic),
                   a TensorFlow ``train_step``, a ``tf.data`` pipeline, ``fit`` with callbacks,
                   saving, exporting and the command line ``python -m book_utils.tools.keras_vae``
"""

from typing import TYPE_CHECKING

from book_utils.lazy import lazy_exports

if TYPE_CHECKING:  # for type checkers and editors only: at run time the names load lazily
    from book_utils.tools.keras_vae import KerasVAE, TFStepVAE

_EXPORTS = {
    "KerasVAE": "keras_vae", "TFStepVAE": "keras_vae",
}
_SUBMODULES = ("keras_vae",)

__all__ = ["KerasVAE", "TFStepVAE"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, _SUBMODULES)
