"""What the roster and the service-record importers share: words for genders and degrees, finding names.

Parsing cells, chunked lookups and the batched insert are in kepu.core.import_helpers."""

from __future__ import annotations

import re

from kepu.core.import_helpers import compact
from kepu.orgs.models import Unit
from kepu.regions.models import Region

from ..models import Education, Gender

LIST_SPLIT = re.compile(r"[、,，;；\n]+")
GENDER_WORDS = {"男": Gender.MALE, "男性": Gender.MALE, "male": Gender.MALE, "m": Gender.MALE,
                "女": Gender.FEMALE, "女性": Gender.FEMALE, "female": Gender.FEMALE, "f": Gender.FEMALE}
# The Education labels and keys, and the words rosters commonly use for them. 研究生 and 大学 are
# refused: they do not say which degree.
EDUCATION_WORDS = {
    **{e.value: e.value for e in Education}, **{str(e.label): e.value for e in Education},
    "小学": Education.PRIMARY, "小学以下": Education.PRIMARY,
    "初级中学": Education.JUNIOR,
    "高中": Education.SENIOR, "中专": Education.SENIOR, "普通高中": Education.SENIOR, "中等专科": Education.SENIOR,
    "职高": Education.SENIOR, "职业高中": Education.SENIOR, "技校": Education.SENIOR, "中技": Education.SENIOR,
    "高中及中专": Education.SENIOR, "中专/高中": Education.SENIOR, "高中、中专": Education.SENIOR,
    "专科": Education.COLLEGE, "大学专科": Education.COLLEGE, "高职": Education.COLLEGE, "高职高专": Education.COLLEGE,
    "大学本科": Education.BACHELOR, "学士": Education.BACHELOR,
    "硕士": Education.MASTER, "研究生(硕士)": Education.MASTER,
    "博士": Education.DOCTOR, "研究生(博士)": Education.DOCTOR, "博士后": Education.DOCTOR,
}


def units_by_name(paths) -> dict[str, dict[str, list[Unit]]]:
    """The units of the regions at `paths`, by region path and then by every name they go by."""
    by_path: dict[str, dict[str, list[Unit]]] = {}
    for unit in Unit.objects.filter(region__path__in=paths).select_related("region"):
        names = by_path.setdefault(unit.region.path, {})
        for name in {unit.name, unit.full_name, *(unit.aliases or [])}:
            bucket = names.setdefault(compact(name), [])
            if unit not in bucket:
                bucket.append(unit)
    return by_path


def nearest(region: Region, table: dict[str, dict[str, list]], name: str) -> list:
    """What `name` means in `region` or, failing that, the nearest region above it."""
    for path in reversed(region.ancestor_paths()):
        found = table.get(path, {}).get(name)
        if found:
            return found
    return []

