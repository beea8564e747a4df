"""The book as a website: build it with Jupyter Book 1.x and test it in a real browser.

``toc`` turns ``chapters/*/*.ipynb`` into the book's table of contents and landing page (standard
library only), ``build`` stages the sources and runs Jupyter Book without executing a notebook,
``check`` serves the built folder on 127.0.0.1 and drives headless Chromium through every page
(Playwright is imported only when a browser check runs), ``selftest`` shows that each check fails
on a page built with the defect. Nothing here imports TensorFlow or PyTorch.
"""
