"""``python -m book_utils ...``: see :mod:`book_utils.cli`."""

import sys

from book_utils.cli import main

sys.exit(main())
