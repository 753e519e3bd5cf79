"""Test data for indicators: a small standard, assessments, evidence uploads.

Other test modules import these; keep the API stable. Writes go through the services (actor None =
the system). The Yongchuan standard itself is reference data, loaded into every test database.
"""

from __future__ import annotations

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from kepu.regions.models import Region

from .. import services
from ..models import Indicator, Standard
from ..standards import parse_standard

YONGCHUAN_CODE = "yongchuan-2021-2025"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

_serial = itertools.count(1)

# Two level-1 groups; evidence (towns answer), a computed measure, a veto entered by hand, and a
# yearly evidence indicator for the district's education commission.
SMALL = """
standard:
  code: {code}
  title: 测试标准
  region_code: '{region_code}'
  period: {{start: 2023, end: 2025}}
phases:
  - {{name: 组织实施阶段, start: '2023-01-01', end: '2023-12-31'}}
measures:
  pseudoscience_incidents: {{text: 伪科学活动次数, unit: count}}
indicators:
  - code: A
    name: 组织
    children:
      - code: A1
        name: 机构
        children:
          - {{code: A1.1, text: 健全科普组织, lead_units: [区科协], responsible_units: [各镇（街）], kind: evidence}}
          - code: A1.2
            text: 注册科技志愿者不少于 2 人
            lead_units: [区科协]
            kind: measure
            measure: registered_volunteers
            target: {{op: '>=', value: 2}}
  - code: B
    name: 成效
    children:
      - code: B1
        name: 活动
        children:
          - code: B1.1
            text: 不得发生伪科学活动
            lead_units: [区科协]
            kind: veto
            measure: pseudoscience_incidents
            target: {{op: '==', value: 0}}
            recurrence: yearly
          - {{code: B1.2, text: 学校开展科普, lead_units: [区教委], kind: evidence, recurrence: yearly}}
"""


def yongchuan_standard() -> Standard:
    return Standard.objects.get(code=YONGCHUAN_CODE)


def make_standard(code: str | None = None, region_code: str = "500118") -> Standard:
    code = code or f"test-standard-{next(_serial)}"
    standard, _ = services.standard_load(actor=None, spec=parse_standard(SMALL.format(code=code,
                                                                                      region_code=region_code)))
    return standard


def make_assessment(standard: Standard | None = None, region: Region | str = "500118", year: int | None = 2024,
                    actor=None):
    if isinstance(region, str):
        region = Region.objects.get(code=region)
    return services.assessment_create(actor=actor, standard=standard or make_standard(), region=region, year=year)


def indicator(assessment_or_standard, code: str) -> Indicator:
    standard = getattr(assessment_or_standard, "standard", assessment_or_standard)
    return standard.indicators.get(code=code)


def pdf(name: str = "证明材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def submit_evidence(assessment, code: str, *, actor=None, unit=None, description: str = "会议纪要",
                    approve: bool | None = None, **extra):
    """A submission with one PDF; approve=True/False reviews it (as the system)."""
    extra.setdefault("uploads", [pdf()])
    submission = services.submission_create(actor=actor, assessment=assessment,
                                            indicator=indicator(assessment, code), unit=unit,
                                            description=description, **extra)
    if approve is not None:
        submission = services.submission_review(actor=None, submission=submission, approve=approve,
                                                comment="" if approve else "请补充材料")
    return submission
