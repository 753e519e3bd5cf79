"""The demo assessments: nine districts × two years under their (adapted) standards, a realistic mix
of statuses, a submitted 2023 with changes after its snapshot, one veto, evidence files that open."""

import random

import pytest
import yaml

from kepu.core import demo as core_demo
from kepu.core.demo import SEED, load_demo
from kepu.core.reference import REFERENCE_DIR
from kepu.venues.demo import load_demo_venues

from .. import demo
from ..models import (
    Assessment,
    AssessmentStatus,
    EvidenceFile,
    Kind,
    Standard,
    Status,
    Submission,
    SubmissionStatus,
)
from ..selectors import differences, scorecard
from .factories import YONGCHUAN_CODE

pytestmark = pytest.mark.django_db


def assessment(code: str, year: int) -> Assessment:
    return Assessment.objects.select_related("region", "standard").get(region__code=code, year=year, is_demo=True)


def outline():
    """What the loader decided: per submission its place, status, value, unit and description."""
    return sorted(Submission.objects.filter(is_demo=True).values_list(
        "assessment__region__code", "assessment__year", "indicator__code", "status", "value", "unit__name",
        "description", "review_comment", "created_at"))


def test_the_loader_runs_after_the_loaders_of_the_records_it_counts():
    loaders = core_demo._demo_loaders
    assert loaders.index(demo.load_demo_assessments) > loaders.index(load_demo_venues)


def test_demo_assessments(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    load_demo()  # once: the checks below share it
    check_districts_and_standards()
    check_yongchuan_2023_submitted_with_changes_after_the_snapshot()
    check_yongchuan_2024_mix()
    check_veto()
    check_evidence_files_open()
    check_second_run_adds_nothing_and_the_loader_is_deterministic()


def check_districts_and_standards():
    published = yaml.safe_load((REFERENCE_DIR / "published-figures-districts.yaml").read_text(encoding="utf-8"))
    assert set(demo.ADAPTATIONS) == {str(code) for code in published} - {"500118"}
    rows = Assessment.objects.filter(is_demo=True)
    assert rows.count() == 18
    assert set(rows.values_list("region__code", "year")) == {(str(c), y) for c in published for y in (2023, 2024)}
    yongchuan = Standard.objects.get(code=YONGCHUAN_CODE)
    assert not yongchuan.is_demo  # reference data, used as it is
    assert set(rows.filter(region__code="500118").values_list("standard", flat=True)) == {yongchuan.pk}
    for code in demo.ADAPTATIONS:
        standards = set(rows.filter(region__code=code).values_list("standard", flat=True))
        assert len(standards) == 1
        copy = Standard.objects.get(pk=standards.pop())
        assert copy.is_demo and copy.based_on == yongchuan and copy.region.code == code
        assert copy.title.startswith(copy.region.name) and copy.title.endswith("（改编自永川区）")
        assert copy.indicators.count() == yongchuan.indicators.count()
        assert not copy.indicators.filter(text__contains="永川").exists()
    # 沙坪坝区 (about 4,700 published volunteers) asks for 4,000; the text says so.
    b41 = Standard.objects.get(code="shapingba-2021-2025").indicators.get(code="B4.1")
    assert b41.targets.get().value == 4000 and "不少于 4000 人" in b41.text
    assert yongchuan.indicators.get(code="B4.1").targets.get().value == 1000
    # The copies name every town where Yongchuan named its own subdistricts.
    b33 = Standard.objects.get(code="yuzhong-2021-2025").indicators.get(code="B3.3")
    assert "中山路街道" not in b33.responsible_units and "各镇（街）" in b33.responsible_units


def check_yongchuan_2023_submitted_with_changes_after_the_snapshot():
    a = assessment("500118", 2023)
    assert a.status == AssessmentStatus.SUBMITTED and a.submitted_at.year == 2024
    assert a.snapshots.count() == 1
    snapshot = a.snapshots.get()
    card = scorecard(a)
    evidence = [r for r in card.leaves if r.indicator.kind == Kind.EVIDENCE]
    met = [r for r in evidence if r.status == Status.MET]
    assert len(met) >= len(evidence) - 4  # nearly done
    assert snapshot.data["results"]["B2.2"]["status"] == Status.AWAITING_INPUT
    changes = {(c.code, c.what) for c in differences(snapshot.data, card)}
    assert {("B2.2", "status"), ("B2.2", "evidence_added"), ("C4.1", "evidence_added")} <= changes
    returned = Submission.objects.get(assessment=a, indicator__code="C4.1")
    assert returned.status == SubmissionStatus.RETURNED and returned.review_comment
    assert returned.submitted_by.username == "yc_liaison" and returned.unit.name == "区教委"
    assert returned.reviewed_by.username == "yc_reviewer" and returned.reviewed_at > snapshot.taken_at
    assert a.narratives["basic"] and a.narratives["problems"]


def check_yongchuan_2024_mix():
    a = assessment("500118", 2024)
    assert a.status == AssessmentStatus.DRAFT and a.standard.code == YONGCHUAN_CODE
    card = scorecard(a)
    statuses = {r.status for r in card.leaves}
    assert {Status.MET, Status.UNMET, Status.AWAITING_REVIEW, Status.AWAITING_INPUT} <= statuses
    assert card.results["A1.3"].status == Status.AWAITING_REVIEW
    assert card.results["C5.1"].returned and card.results["C5.1"].status == Status.AWAITING_INPUT
    assert card.results["B3.1"].status == Status.AWAITING_INPUT and not card.results["B3.1"].submissions
    assert card.results["A1.1"].status == Status.MET and card.results["A1.1"].carried  # approved in 2023
    c23 = card.results["C2.3"].targets[0]
    assert (c23.value, c23.source, card.results["C2.3"].status) == (0, "manual", Status.MET)
    assert a.summary["met"] == card.met  # the list shows fresh counts
    # Every submission is dated within the assessed year or just after, never "now".
    for row in Submission.objects.filter(is_demo=True).select_related("assessment"):
        assert row.assessment.year <= row.created_at.year <= row.assessment.year + 1, row.pk
        assert (row.reviewed_at is None) == (row.status == SubmissionStatus.SUBMITTED)


def check_veto():
    vetoed = assessment(*demo.VETO)
    card = scorecard(vetoed)
    assert card.vetoed and card.results["C2.3"].status == Status.VETOED and vetoed.summary["vetoed"]
    assert not scorecard(assessment("500118", 2024)).vetoed
    values = Submission.objects.filter(indicator__code="C2.3", status=SubmissionStatus.APPROVED)
    assert values.count() == 17  # every assessment but the one still awaiting review
    assert list(values.exclude(value=0).values_list("assessment", flat=True)) == [vetoed.pk]
    pending = Submission.objects.get(indicator__code="C2.3", status=SubmissionStatus.SUBMITTED)
    assert (pending.assessment.region.code, pending.assessment.year) == demo.PENDING_VETO


def check_evidence_files_open():
    files = EvidenceFile.objects.select_related("submission")
    assert files.count() >= Submission.objects.filter(is_demo=True).count() > 150
    kinds = set()
    for f in files:
        with f.file.open("rb") as handle:
            data = handle.read()
        assert len(data) == f.size, f.pk
        assert data.startswith(b"%PDF-" if f.content_type == "application/pdf" else b"\x89PNG\r\n\x1a\n"), f.pk
        code = f.submission.indicator.code
        assert f.file.name.startswith(f"indicators/{f.submission.assessment_id}/{code}/")
        kinds.add(f.content_type)
    assert kinds == {"application/pdf", "image/png"}


def check_second_run_adds_nothing_and_the_loader_is_deterministic():
    counts = [m.objects.count() for m in (Standard, Assessment, Submission, EvidenceFile)]
    load_demo()
    demo.load_demo_assessments(random.Random(f"{SEED}/{demo.__name__}"))
    assert [m.objects.count() for m in (Standard, Assessment, Submission, EvidenceFile)] == counts
    first = outline()
    Assessment.objects.filter(is_demo=True).delete()
    Standard.objects.filter(is_demo=True).delete()
    demo.load_demo_assessments(random.Random(f"{SEED}/{demo.__name__}"))
    assert outline() == first
