"""Demo data of the orgs app, found by autodiscovery: the base data of units (kepu/orgs/base_demo.py)."""

from . import base_demo  # noqa: F401  (registers its demo loader)
