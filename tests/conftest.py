"""Shared test fixtures. Nothing here touches the network."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
