"""Synthetic data of the orgs app, found by autodiscovery: the base data of units (kepu/orgs/base_gendata.py)."""

from . import base_gendata  # noqa: F401  (registers its gendata extension)
