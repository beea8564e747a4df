"""Chapter 6's applications that belong to no single model family (texture synthesis, simulation
surrogates, anomaly scores), and Section 8.1.2's image-text model (``multimodal``: a small CLIP with
captions in English and Chinese, and a caption-conditioned generator), and Section 8.2.1's safety
measurements (``canary``: exposure of secrets in a language model's training text; ``detect``: a
detector of generated images and near copies; ``watermark``: a green-list text watermark), and
Section 8.2.2's data-bias measurements (``bias``: an imbalanced training set, the class shares of a
generator's samples, re-weighting). Import
each module by its path, for example ``from book_utils.apps import texture``; importing this package
imports no framework.
"""
