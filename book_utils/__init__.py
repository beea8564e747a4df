"""book_utils: the tested code of the generative-AI book.

Importing the package is cheap: it imports neither TensorFlow nor PyTorch.
The framework code lives in its own modules (``book_utils.gan`` uses
TensorFlow; ``book_utils.vae`` and ``book_utils.arm`` use PyTorch) and is
imported only when a notebook or the command line asks for it.
"""

import os

# The book's models are small: OpenMP threads that spin while they wait for work
# cost many times the CPU of the work itself (measured on a busy 2-core machine: a 300-step toy VAE run took
# 16.6 s of CPU with spinning threads, 1.75 s without). PASSIVE makes idle threads
# sleep. It only takes effect if set before PyTorch is first imported, which is why
# it lives here; set OMP_WAIT_POLICY yourself to override it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
