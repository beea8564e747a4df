"""book_utils: the tested code of the generative-AI book.

Importing the package is cheap: it imports neither TensorFlow nor PyTorch.
The framework code lives in its own modules (``book_utils.gan`` uses
TensorFlow; ``book_utils.vae`` and ``book_utils.arm`` use PyTorch) and is
imported only when a notebook or the command line asks for it.
"""

__version__ = "0.1.0"
