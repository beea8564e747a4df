"""Chapter 6's applications that belong to no single model family (texture synthesis, simulation
surrogates, anomaly scores). Import each module by its path, for example
``from book_utils.apps import texture``; importing this package imports no framework.
"""
