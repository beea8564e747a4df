"""book_utils: the tested code of the generative-AI book.

Importing the package is cheap: it imports neither TensorFlow nor PyTorch, and
neither do the family packages ``book_utils.gan``, ``book_utils.vae`` and
``book_utils.arm``, whose framework modules (TensorFlow in ``gan``; PyTorch in
``vae`` and ``arm``) load only when a notebook or the command line uses them.
Shared services: ``book_utils.data``, ``runs``, ``metrics``; chapters 1-2's
foundations: ``book_utils.basics``.
"""

__version__ = "0.1.0"
