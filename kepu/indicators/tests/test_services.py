"""Assessments, responsibilities, submissions and their review, snapshots: the rules of the services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kepu.core.errors import Conflict
from kepu.core.models import AuditEntry
from kepu.indicators import services
from kepu.indicators.models import (
    AssessmentStatus,
    EvidenceFile,
    Responsibility,
    Status,
    SubmissionStatus,
)
from kepu.indicators.policies import assessment_policy, submission_policy
from kepu.indicators.selectors import differences, scorecard, unit_indicators
from kepu.orgs.models import Unit

from .factories import (
    indicator,
    make_assessment,
    make_standard,
    pdf,
    png,
    submit_evidence,
    yongchuan_standard,
)


def units_of(assessment, code):
    return {(r.unit.name, r.lead) for r in Responsibility.objects.filter(
        assessment=assessment, indicator__code=code).select_related("unit")}


def test_responsible_units_are_matched_by_name_alias_and_group(db):
    a = make_assessment(yongchuan_standard())
    # 各镇（街） → the 23 town governments; the lead unit by its name
    a12 = units_of(a, "A1.2")
    assert ("区科协", True) in a12 and len(a12) == 24
    # 民政局 is an alias of 区民政局
    assert {("区科协", True), ("区民政局", False)} <= units_of(a, "B1.5")
    # a unit that is lead and responsible is there once, as lead
    assert units_of(a, "B1.4") == {("区教委", True)}
    # 全区公民科学素质成员单位: the district's departments, 科协, mass organizations and media
    b22 = {name for name, _ in units_of(a, "B2.2")}
    assert {"区财政局", "区融媒体中心", "中山路街道办事处"} <= b22 and "区科协" in b22
    assert a.unmatched_units == {}


def test_names_no_unit_answers_to_are_kept_for_the_admin(db, shapingba):
    a = make_assessment(yongchuan_standard(), region=shapingba)
    assert units_of(a, "B1.4") == {("区教委", True)}
    assert "区财政局" in a.unmatched_units["B2.1"]
    assert "B1.4" not in a.unmatched_units


def test_refresh_picks_up_a_unit_added_later(db):
    a = make_assessment(yongchuan_standard(), region="500106")
    Unit.objects.create(name="区财政局", type="party_government", region=a.region)
    services.assessment_refresh(actor=None, assessment=a)
    a.refresh_from_db()
    assert ("区财政局", True) in units_of(a, "B2.1") and a.unmatched_units["B2.1"] == ["区科技局"]
    assert a.summary["total"] == 33 and a.computed_at is not None


def test_an_assessment_is_unique_per_standard_region_and_year(db):
    standard = make_standard()
    make_assessment(standard, year=2024)
    with pytest.raises(Conflict):
        make_assessment(standard, year=2024)
    make_assessment(standard, year=None)  # the whole period is another assessment
    with pytest.raises(Conflict):
        make_assessment(standard, year=None)
    with pytest.raises(ValidationError) as exc:
        make_assessment(standard, year=2022)
    assert "2023—2025" in str(exc.value.message_dict["year"])


def test_only_admins_over_the_region_create_assessments(personas, yongchuan):
    standard = make_standard()
    for who in ("spb_admin", "yc_liaison", "yc_reviewer"):
        with pytest.raises(PermissionDenied):
            make_assessment(standard, actor=getattr(personas, who))
    assert make_assessment(standard, actor=personas.yc_admin).region == yongchuan


def test_evidence_needs_a_file_of_an_allowed_type(db):
    a = make_assessment()
    with pytest.raises(ValidationError) as exc:
        submit_evidence(a, "A1.1", uploads=[])
    assert "files" in exc.value.message_dict
    fake = SimpleUploadedFile("纪要.pdf", b"just text, not a pdf")
    with pytest.raises(ValidationError) as exc:
        submit_evidence(a, "A1.1", uploads=[fake])
    assert "纪要.pdf" in exc.value.message_dict["files"][0]
    assert not a.submissions.exists() and not EvidenceFile.objects.exists()


def test_files_are_stored_under_the_assessment_and_indicator_code(db):
    a = make_assessment()
    s = submit_evidence(a, "A1.1", uploads=[pdf("../../etc/纪要.pdf"), png()])
    names = sorted(f.file.name for f in s.files.all())
    assert all(n.startswith(f"indicators/{a.pk}/A1.1/") for n in names)
    assert sorted(f.original_name for f in s.files.all()) == ["照片.png", "纪要.pdf"]


def test_a_liaison_sends_in_only_for_indicators_of_its_unit(personas, yc_education):
    a = make_assessment(yongchuan_standard())
    liaison = personas.yc_liaison
    s = submit_evidence(a, "B1.4", actor=liaison, unit=yc_education, measure="", description="学校名单")
    assert s.status == SubmissionStatus.SUBMITTED and s.submitted_by == liaison
    with pytest.raises(PermissionDenied):  # 区教委 does not answer for A1.1
        submit_evidence(a, "A1.1", actor=liaison, unit=yc_education)
    with pytest.raises(PermissionDenied):  # nor for another unit
        submit_evidence(a, "B1.4", actor=liaison, unit=Unit.objects.get(region=a.region, name="区科协"))
    # the liaison sees the assessment (its unit answers there) but cannot review or submit it
    assert assessment_policy.visible_to(liaison).filter(pk=a.pk).exists()
    assert not submission_policy.can(liaison, "review", s)
    with pytest.raises(PermissionDenied):
        services.assessment_submit(actor=liaison, assessment=a)
    mine = {r.indicator.code: latest for r, latest in unit_indicators(liaison)}
    assert mine["B1.4"] == s and mine["A3.2"] is None and "A1.1" not in mine


def test_review_locks_and_unlocking_is_an_audited_admin_action(personas):
    a = make_assessment()
    s = submit_evidence(a, "A1.1")
    with pytest.raises(ValidationError):
        services.submission_review(actor=personas.yc_reviewer, submission=s, approve=False, comment=" ")
    s = services.submission_review(actor=personas.yc_reviewer, submission=s, approve=True)
    assert s.locked and s.reviewed_by == personas.yc_reviewer
    with pytest.raises(Conflict):  # reviewed already
        services.submission_review(actor=personas.yc_admin, submission=s, approve=False, comment="再看看")
    for change in (lambda: services.submission_update(actor=personas.yc_admin, submission=s, description="改"),
                   lambda: services.submission_withdraw(actor=personas.yc_admin, submission=s),
                   lambda: services.submission_remove_file(actor=personas.yc_admin, file=s.files.get())):
        with pytest.raises(Conflict) as exc:
            change()
        assert exc.value.code == "locked"
    with pytest.raises(PermissionDenied):
        services.submission_unlock(actor=personas.yc_reviewer, submission=s, reason="补充")
    with pytest.raises(PermissionDenied):
        services.submission_unlock(actor=personas.spb_admin, submission=s, reason="补充")
    s = services.submission_unlock(actor=personas.yc_admin, submission=s, reason="补充材料")
    assert s.status == SubmissionStatus.SUBMITTED
    entry = AuditEntry.objects.get(action="indicator_submission.unlocked")
    assert entry.changes["reason"] == "补充材料" and entry.actor == personas.yc_admin


def test_a_returned_submission_goes_back_for_review_when_corrected(personas):
    a = make_assessment()
    s = submit_evidence(a, "A1.1", approve=False)
    card = scorecard(a)
    assert card.results["A1.1"].status == Status.AWAITING_INPUT and card.results["A1.1"].returned
    s = services.submission_update(actor=personas.yc_admin, submission=s, uploads=[png()])
    assert s.status == SubmissionStatus.SUBMITTED and s.files.count() == 2
    assert scorecard(a).results["A1.1"].status == Status.AWAITING_REVIEW


def test_a_computed_measure_takes_no_manual_value(db):
    from kepu.volunteers.tests.factories import make_volunteer

    a = make_assessment()
    make_volunteer()  # registered_volunteers now computes a value for 永川区
    with pytest.raises(ValidationError) as exc:
        submit_evidence(a, "A1.2", measure="registered_volunteers", value=5)
    assert "由平台根据记录计算" in exc.value.message_dict["measure"][0]
    with pytest.raises(ValidationError):
        submit_evidence(a, "A1.2", measure="no_such_measure", value=5)
    with pytest.raises(ValidationError):  # a manual measure needs its value
        submit_evidence(a, "B1.1", measure="pseudoscience_incidents", value=None)


def test_statuses_of_each_kind(db):
    a = make_assessment()
    card = scorecard(a)
    assert {r.code: r.status for r in card.leaves} == {
        "A1.1": Status.AWAITING_INPUT, "A1.2": Status.UNMET, "B1.1": Status.AWAITING_INPUT,
        "B1.2": Status.AWAITING_INPUT}
    a12 = card.results["A1.2"].targets[0]
    assert (a12.value, a12.source, a12.records_url.startswith("/volunteers/")) == (0, "computed", True)
    submit_evidence(a, "B1.1", measure="pseudoscience_incidents", value=0)
    assert scorecard(a).results["B1.1"].status == Status.AWAITING_REVIEW
    submit_evidence(a, "B1.1", measure="pseudoscience_incidents", value=1, approve=True)
    card = scorecard(a)
    assert card.results["B1.1"].status == Status.VETOED and card.vetoed
    assert card.results["B1.1"].targets[0].source == "manual"


def test_no_data_carries_the_measures_reason(db):
    standard = yongchuan_standard()
    a = make_assessment(standard, region="500106", year=2023)  # no population, no schools in the test tree
    b21 = scorecard(a).results["B2.1"]
    assert b21.status == Status.NO_DATA and b21.targets[0].reason and b21.targets[0].reason_text


def test_once_only_evidence_approved_in_an_earlier_year_still_counts(db):
    standard = make_standard()
    earlier = make_assessment(standard, year=2023)
    submit_evidence(earlier, "A1.1", approve=True)
    submit_evidence(earlier, "B1.2", approve=True)  # yearly: must be sent in again
    later = make_assessment(standard, year=2024)
    card = scorecard(later)
    assert card.results["A1.1"].status == Status.MET and len(card.results["A1.1"].carried) == 1
    assert card.results["B1.2"].status == Status.AWAITING_INPUT


def test_last_years_value_and_the_trend(db):
    standard = make_standard()
    make_assessment(standard, year=2023)
    later = make_assessment(standard, year=2024)
    submit_evidence(later.standard.assessments.get(year=2023), "B1.1", measure="pseudoscience_incidents", value=2,
                    approve=True)
    submit_evidence(later, "B1.1", measure="pseudoscience_incidents", value=0, approve=True)
    target = scorecard(later).results["B1.1"].targets[0]
    assert (target.last_value, target.value, target.trend, target.better) == (2, 0, "down", None)


def test_submitting_freezes_a_snapshot_and_later_changes_show_as_differences(personas):
    a = make_assessment()
    submit_evidence(a, "A1.1", approve=True)
    snapshot = services.assessment_submit(actor=personas.yc_admin, assessment=a)
    a.refresh_from_db()
    assert a.status == AssessmentStatus.SUBMITTED and a.submitted_by == personas.yc_admin
    assert snapshot.data["results"]["A1.1"]["status"] == Status.MET
    assert snapshot.data["summary"]["met"] == 1
    with pytest.raises(Conflict):
        services.assessment_submit(actor=personas.yc_admin, assessment=a)
    assert differences(snapshot.data, scorecard(a)) == []
    submit_evidence(a, "B1.2", approve=True)
    changes = {(c.code, c.what) for c in differences(snapshot.data, scorecard(a))}
    assert changes == {("B1.2", "status"), ("B1.2", "evidence_added")}
    with pytest.raises(ValidationError):
        services.assessment_reopen(actor=personas.yc_admin, assessment=a, reason="")
    services.assessment_reopen(actor=personas.yc_admin, assessment=a, reason="补充 B1.2")
    second = services.assessment_submit(actor=personas.yc_admin, assessment=a)
    assert a.snapshots.count() == 2 and a.snapshots.latest() == second


def test_narratives_take_known_sections_only(personas):
    a = make_assessment()
    a.refresh_from_db()
    services.narratives_update(actor=personas.yc_admin, assessment=a, narratives={"basic": " 概况 ", "A": "组织"},
                               unchanged_since=a.updated_at)
    a.refresh_from_db()
    assert a.narratives == {"basic": "概况", "A": "组织"}
    with pytest.raises(ValidationError):
        services.narratives_update(actor=personas.yc_admin, assessment=a, narratives={"Z": "?"})
    with pytest.raises(Conflict):  # edited by someone else since this editor loaded it
        services.narratives_update(actor=personas.yc_admin, assessment=a, narratives={"basic": "x"},
                                   unchanged_since=a.created_at)


def test_copy_and_adapt_a_standard_for_another_district(personas, shapingba):
    standard = yongchuan_standard()
    with pytest.raises(PermissionDenied):  # Yongchuan's standard is kept by Yongchuan
        services.indicator_update(actor=personas.spb_admin, indicator=indicator(standard, "B4.1"), text="改")
    copy = services.standard_copy(actor=personas.spb_admin, standard=standard, code="shapingba-2021-2025",
                                  title="沙坪坝区任务分解表", region=shapingba)
    assert copy.based_on == standard and copy.indicators.count() == 48 and copy.phases.count() == 4
    target = indicator(copy, "B4.1").targets.get()
    services.target_update(actor=personas.spb_admin, target=target, op=">=", value=4000)
    assert indicator(standard, "B4.1").targets.get().value == 1000
    with pytest.raises(ValidationError):
        services.standard_copy(actor=personas.spb_admin, standard=standard, code="shapingba-2021-2025",
                               title="again", region=shapingba)
    with pytest.raises(PermissionDenied):  # not into a region one does not administer
        services.standard_copy(actor=personas.spb_admin, standard=standard, code="yc-2", title="x",
                               region=standard.region)
    services.indicator_delete(actor=personas.spb_admin, indicator=indicator(copy, "C5"))
    assert not copy.indicators.filter(code__startswith="C5").exists()
