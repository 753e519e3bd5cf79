"""The assessment pages: the list, a new assessment, the scorecard, submit / reopen / refresh, the report
text and the changes since the snapshot."""

import datetime

import pytest
from django.utils.html import escape

from kepu.indicators import services
from kepu.indicators.models import Assessment, AssessmentStatus, Kind, Snapshot, Status
from kepu.indicators.selectors import scorecard

from .factories import make_assessment, make_standard, submit_evidence, yongchuan_standard

pytestmark = pytest.mark.django_db


def url(name, a=None):
    return f"/indicators/assessments/{a.pk}/{name}/" if name else f"/indicators/assessments/{a.pk}/"


@pytest.fixture
def assessment(db):
    return make_assessment(yongchuan_standard(), year=2024)


def first_leaf(a, kind):
    return a.standard.indicators.filter(kind=kind).order_by("order").first()


# --- creating -----------------------------------------------------------------------------------------


def test_admin_creates_the_2024_assessment_and_lands_on_the_scorecard(client_for, yongchuan):
    standard = yongchuan_standard()
    response = client_for("yc_admin").post("/indicators/assessments/new/", {
        "standard": standard.pk, "region": yongchuan.pk, "year": 2024})
    a = Assessment.objects.get(standard=standard, region=yongchuan, year=2024)
    assert response.status_code == 302 and response["Location"] == url("", a)


def test_a_year_outside_the_period_is_an_error_on_the_year(client_for, yongchuan):
    response = client_for("yc_admin").post("/indicators/assessments/new/", {
        "standard": yongchuan_standard().pk, "region": yongchuan.pk, "year": 2026})
    assert response.status_code == 400
    assert "2021—2025" in str(response.context["form"].errors["year"])
    assert not Assessment.objects.filter(region=yongchuan, year=2026).exists()


def test_a_year_or_the_whole_period_is_needed(client_for, yongchuan):
    client = client_for("yc_admin")
    data = {"standard": yongchuan_standard().pk, "region": yongchuan.pk}
    response = client.post("/indicators/assessments/new/", data)
    assert response.status_code == 400 and "整个创建期" in str(response.context["form"].errors["year"])
    response = client.post("/indicators/assessments/new/", {**data, "whole_period": "on", "year": 2030})
    assert response.status_code == 302
    assert Assessment.objects.get(region=yongchuan, standard__code="yongchuan-2021-2025").year is None


def test_a_duplicate_is_shown_on_the_form(client_for, assessment, yongchuan):
    response = client_for("yc_admin").post("/indicators/assessments/new/", {
        "standard": assessment.standard.pk, "region": yongchuan.pk, "year": 2024})
    assert response.status_code == 400
    assert "已有该标准" in " ".join(response.context["form"].non_field_errors())
    assert Assessment.objects.filter(region=yongchuan, year=2024).count() == 1


def test_only_the_regions_one_administers_are_offered(client_for, shapingba, yongchuan):
    response = client_for("yc_admin").post("/indicators/assessments/new/", {
        "standard": yongchuan_standard().pk, "region": shapingba.pk, "year": 2024})
    assert response.status_code == 400 and "region" in response.context["form"].errors
    regions = set(response.context["form"].fields["region"].queryset.values_list("code", flat=True))
    assert regions == {"500118"}


@pytest.mark.parametrize("persona", ["yc_liaison", "yc_reviewer"])
def test_others_may_not_create(client_for, persona):
    assert client_for(persona).get("/indicators/assessments/new/").status_code == 403


# --- the scorecard --------------------------------------------------------------------------------------


def test_the_scorecard_shows_the_33_leaves_with_their_statuses(client_for, assessment):
    submit_evidence(assessment, first_leaf(assessment, Kind.EVIDENCE).code, approve=True)
    response = client_for("yc_admin").get(url("", assessment))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-leaf=") == 33
    leaf = first_leaf(assessment, Kind.EVIDENCE).code
    assert f'data-leaf="{leaf}" data-status="met"' in html
    assert 'data-status="awaiting_input"' in html
    assert "达标" in html and "待填报" in html
    # the summary per level-1 indicator and the chart's data
    card = response.context["card"]
    assert card.total == 33 and card.met >= 1
    assert len(response.context["chart"]["labels"]) == len(card.groups)
    assert 'id="scorecard-chart-data"' in html


def test_every_computed_value_links_to_its_records(client_for, assessment):
    html = client_for("yc_admin").get(url("", assessment)).content.decode()
    card = scorecard(assessment)
    computed = [t for r in card.leaves for t in r.targets if t.source == "computed" and t.records_url]
    assert computed
    for t in computed:
        assert f'href="{escape(t.records_url)}">{t.value_text}</a>' in html


def test_a_manual_value_links_to_its_submission(client_for, assessment):
    card = scorecard(assessment)
    manual = next((r, t) for r in card.leaves for t in r.targets if t.status == Status.AWAITING_INPUT)
    result, target = manual
    s = submit_evidence(assessment, result.code, measure=target.measure, value=0, approve=True)
    html = client_for("yc_admin").get(url("", assessment)).content.decode()
    assert f"/indicators/assessments/{assessment.pk}/indicators/{result.code}/#submission-{s.pk}" in html


def test_the_status_filter_keeps_the_leaves_in_that_status(client_for, assessment):
    client = client_for("yc_admin")
    submit_evidence(assessment, first_leaf(assessment, Kind.EVIDENCE).code, approve=True)
    response = client.get(url("", assessment) + "?status=met")
    rows = [r for r in response.context["rows"] if not r.is_group]
    assert rows and all(r.result.status == Status.MET for r in rows)
    assert response.content.decode().count("data-leaf=") == len(rows) < 33
    response = client.get(url("", assessment) + "?status=bogus")
    assert response.status_code == 200 and len([r for r in response.context["rows"] if not r.is_group]) == 33
    assert "不是有效的状态" in response.content.decode()


def test_unmatched_unit_names_are_shown_in_grey(client_for, shapingba):
    a = make_assessment(yongchuan_standard(), region=shapingba)
    html = client_for("spb_admin").get(url("", a)).content.decode()
    assert "未匹配到单位" in html and "区财政局" in html


def test_viewing_the_scorecard_stores_the_summary_for_the_list(client_for, assessment):
    client = client_for("yc_admin")
    submit_evidence(assessment, first_leaf(assessment, Kind.EVIDENCE).code, approve=True)
    html = client.get("/indicators/").content.decode()
    assert "尚未计算" in html
    client.get(url("", assessment))
    assessment.refresh_from_db()
    met = assessment.summary["met"]
    assert assessment.summary["total"] == 33 and assessment.computed_at is not None
    html = client.get("/indicators/").content.decode()
    assert f"{met} / 33" in html


def test_the_list_filters_and_never_leaks(client_for, assessment, shapingba):
    other = make_assessment(yongchuan_standard(), region=shapingba)
    client = client_for("city_admin")
    listed = {a.pk for a in client.get("/indicators/").context["page"]}
    assert {assessment.pk, other.pk} <= listed
    listed = {a.pk for a in client.get("/indicators/?region=500106").context["page"]}
    assert other.pk in listed and assessment.pk not in listed
    assert not list(client.get("/indicators/?year=2023").context["page"])
    assert not list(client.get("/indicators/?status=submitted").context["page"])
    response = client.get("/indicators/?year=abc")
    assert response.status_code == 200 and "年度" in " ".join(response.context["errors"])
    listed = {a.pk for a in client_for("spb_admin").get("/indicators/").context["page"]}
    assert other.pk in listed and assessment.pk not in listed
    listed = {a.pk for a in client_for("yc_liaison").get("/indicators/").context["page"]}
    assert assessment.pk in listed and other.pk not in listed


# --- scope and permissions --------------------------------------------------------------------------------


def test_another_districts_admin_gets_404(client_for, assessment):
    client = client_for("spb_admin")
    for name in ("", "changes", "reopen", "report-text"):
        assert client.get(url(name, assessment)).status_code == 404
    for name in ("submit", "refresh"):
        assert client.post(url(name, assessment)).status_code == 404


def test_the_liaison_of_a_responsible_unit_sees_but_may_not_act(client_for, assessment):
    client = client_for("yc_liaison")
    response = client.get(url("", assessment))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="submit-modal"' not in html and url("refresh", assessment) not in html
    assert client.get(url("changes", assessment)).status_code == 200
    for name in ("submit", "refresh"):
        assert client.post(url(name, assessment)).status_code == 403
    for name in ("reopen", "report-text"):
        assert client.get(url(name, assessment)).status_code == 403
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT and not Snapshot.objects.exists()


def test_writes_are_post_only(client_for, assessment):
    client = client_for("yc_admin")
    assert client.get(url("submit", assessment)).status_code == 405
    assert client.get(url("refresh", assessment)).status_code == 405


# --- submit, changes, reopen ------------------------------------------------------------------------------


def test_submit_takes_a_snapshot_and_later_evidence_shows_as_a_change(client_for, assessment):
    client = client_for("yc_admin")
    html = client.get(url("", assessment)).content.decode()
    assert 'id="submit-modal"' in html and "尚未达标" in html
    response = client.post(url("submit", assessment))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED and assessment.snapshots.count() == 1
    assert "自提交以来没有变化" in client.get(url("changes", assessment)).content.decode()

    code = first_leaf(assessment, Kind.EVIDENCE).code
    submit_evidence(assessment, code, description="补充的工作方案", approve=True)
    response = client.get(url("changes", assessment))
    html = response.content.decode()
    assert f'data-code="{code}"' in html
    assert "新增佐证：补充的工作方案" in html
    assert "状态：待填报 → 达标" in html
    # submitting again is refused with a message, not an error page
    response = client.post(url("submit", assessment), follow=True)
    assert response.status_code == 200 and "已提交自评" in response.content.decode()
    assert assessment.snapshots.count() == 1


def test_reopen_needs_a_reason(client_for, assessment):
    services.assessment_submit(actor=None, assessment=assessment)
    client = client_for("yc_admin")
    response = client.post(url("reopen", assessment), {"reason": "  "})
    assert response.status_code == 400 and "请说明退回修改的原因" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    response = client.post(url("reopen", assessment), {"reason": "补充 B 类佐证"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT


def test_reopening_a_draft_is_refused_on_the_page(client_for, assessment):
    response = client_for("yc_admin").post(url("reopen", assessment), {"reason": "重新核对"})
    assert response.status_code == 400 and "尚未提交自评" in response.content.decode()


def test_refresh_stores_the_summary(client_for, assessment):
    response = client_for("yc_admin").post(url("refresh", assessment), follow=True)
    assert response.status_code == 200 and "已刷新" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.summary["total"] == 33


# --- the report text ------------------------------------------------------------------------------------


def test_the_report_text_is_saved_per_section(client_for, assessment):
    client = client_for("yc_admin")
    form = client.get(url("report-text", assessment)).context["form"]
    assert {"n_basic", "n_problems", "n_next_steps", "n_A"} <= set(form.fields)
    data = {"loaded_at": form.initial["loaded_at"], "n_basic": "永川区常住人口 114 万。", "n_A": "组织有力。"}
    assert client.post(url("report-text", assessment), data).status_code == 302
    assessment.refresh_from_db()
    assert assessment.narratives["basic"] == "永川区常住人口 114 万。" and assessment.narratives["A"] == "组织有力。"


def test_a_stale_report_text_is_refused(client_for, assessment):
    client = client_for("yc_admin")
    stale = (assessment.updated_at - datetime.timedelta(minutes=5)).isoformat()
    response = client.post(url("report-text", assessment), {"loaded_at": stale, "n_basic": "旧稿"})
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    assessment.refresh_from_db()
    assert "basic" not in assessment.narratives


def test_last_years_value_and_the_trend_are_shown(client_for):
    standard = make_standard()
    last = make_assessment(standard, year=2023)
    now = make_assessment(standard, year=2024)
    submit_evidence(last, "B1.1", measure="pseudoscience_incidents", value=2, approve=True)
    submit_evidence(now, "B1.1", measure="pseudoscience_incidents", value=0, approve=True)
    response = client_for("yc_admin").get(url("", now))
    row = next(r for r in response.context["rows"] if r.node.code == "B1.1")
    assert row.result.status == Status.MET
    assert row.targets[0].result.last_text == "2" and row.targets[0].result.trend == "down"
    html = response.content.decode()
    assert "bi-arrow-down" in html
    # last year the veto was triggered: the summary warns of it there
    html = client_for("yc_admin").get(url("", last)).content.decode()
    assert 'id="summary-vetoed"' in html and 'data-leaf="B1.1" data-status="vetoed"' in html
