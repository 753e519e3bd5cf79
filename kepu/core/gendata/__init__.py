"""Deterministic synthetic data for demos and benchmarks: `kepu gendata --scale small|district|city`.

Everything is drawn from `random.Random` instances seeded with fixed strings (one stream per
district, per town and so on), so a scale always produces the same regions, names, codes, units
and figures, and a district's towns do not change when another district's generation changes.

The reference level (重庆市, its 38 districts and counties, the 3 functional areas, 永川区's 23
towns) comes from kepu/fixtures/reference; regions that already exist are reused by code (or, for
a town or village, by name under the same parent), so the generator also runs after the reference
data was loaded. Everything below is bulk-inserted. Synthetic rows carry is_demo=True and
populations the source "synthetic"; no audit entries are written (this is bulk demo data, not a
service write).
"""

from .plan import SCALES
from .write import generate, register_gendata_extension

__all__ = ["SCALES", "generate", "register_gendata_extension"]
