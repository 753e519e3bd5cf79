"""Tasks linked to indicators of an assessment, and their evidence offered on the indicator's page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kepu.core.errors import Conflict
from kepu.core.evidence import evidence_offers, offered_file
from kepu.core.models import AuditEntry
from kepu.indicators.models import Submission, SubmissionStatus
from kepu.indicators.tests.factories import (
    PDF,
    indicator,
    make_assessment,
    make_standard,
    pdf,
    yongchuan_standard,
)

from ..models import Assignment, IndicatorLink
from ..periods import period_no
from ..services.links import link_create, link_delete
from ..services.plans import deliverable_create
from ..services.progress import deliverable_complete, report_review, report_submit
from .factories import make_plan, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    today = timezone.localdate()
    return make_plan(code="yc-links", year=today.year, tasks=1, units=("区教委", "区科协"))


@pytest.fixture
def assessment(db):
    return make_assessment(yongchuan_standard(), year=2024)


def report_with_file(task, unit_name: str, *, accept: bool | None = True, name: str = "进校园活动总结.pdf"):
    assignment = Assignment.objects.get(task=task, unit__name=unit_name)
    today = timezone.localdate()
    report = report_submit(actor=None, assignment=assignment, period=period_no(task.plan.rhythm, today),
                           text="已在 12 所学校开展科普进校园活动。", percent=60, reported_on=today,
                           uploads=[pdf(name)])
    if accept is not None:
        report_review(actor=None, report=report, accept=accept, comment="" if accept else "请补充照片。")
    return report


def links_url(task):
    return f"/workplans/tasks/{task.pk}/indicators/"


def detail(assessment, code):
    return f"/indicators/assessments/{assessment.pk}/indicators/{code}/"


# --- linking ------------------------------------------------------------------------------------------


def test_owner_links_a_task_to_an_indicator(client_for, task, assessment):
    client = client_for("yc_admin")
    response = client.post(links_url(task), {"assessment": assessment.pk, "indicator": "B1.4"})
    assert response.status_code == 302
    assert response["Location"] == f"/workplans/tasks/{task.pk}/#indicator-links"
    link = IndicatorLink.objects.get()
    assert (link.task, link.assessment, link.indicator.code) == (task, assessment, "B1.4")
    assert AuditEntry.objects.filter(action="workplans.task.indicator_linked", object_id=str(task.pk)).exists()
    html = client.get(links_url(task)).content.decode()
    assert f'href="/indicators/assessments/{assessment.pk}/indicators/B1.4/"' in html
    assert f"/workplans/links/{link.pk}/remove/" in html


def test_a_duplicate_link_is_a_conflict_with_a_message(client_for, task, assessment):
    client = client_for("yc_admin")
    client.post(links_url(task), {"assessment": assessment.pk, "indicator": "B1.4"})
    response = client.post(links_url(task), {"assessment": assessment.pk, "indicator": "B1.4"})
    assert response.status_code == 409
    assert "任务 1 已关联该评估的指标 B1.4" in response.content.decode()
    assert IndicatorLink.objects.count() == 1
    with pytest.raises(Conflict):
        link_create(actor=None, task=task, assessment=assessment, indicator=indicator(assessment, "B1.4"))


@pytest.mark.parametrize(("code", "message"), [
    ("Z9.9", "没有编号为“Z9.9”的指标"),
    ("B1", "是指标分组"),
    ("", "该字段是必填项"),
])
def test_a_bad_indicator_code_is_named(client_for, task, assessment, code, message):
    response = client_for("yc_admin").post(links_url(task), {"assessment": assessment.pk, "indicator": code})
    assert response.status_code == 400 and message in response.content.decode()
    assert not IndicatorLink.objects.exists()


def test_only_the_plans_owners_link_and_unlink(client_for, task, assessment):
    assert client_for("yc_liaison").post(links_url(task), {"assessment": assessment.pk,
                                                           "indicator": "B1.4"}).status_code == 403
    assert client_for("spb_admin").post(links_url(task), {"assessment": assessment.pk,
                                                          "indicator": "B1.4"}).status_code == 404
    link = link_create(actor=None, task=task, assessment=assessment, indicator=indicator(assessment, "B1.4"))
    assert client_for("yc_liaison").post(f"/workplans/links/{link.pk}/remove/").status_code == 403
    assert client_for("spb_admin").post(f"/workplans/links/{link.pk}/remove/").status_code == 404
    response = client_for("yc_admin").post(f"/workplans/links/{link.pk}/remove/")
    assert response.status_code == 302 and not IndicatorLink.objects.exists()
    assert AuditEntry.objects.filter(action="workplans.task.indicator_unlinked").exists()


def test_a_liaison_sees_the_links_without_the_form(client_for, task, assessment):
    link_create(actor=None, task=task, assessment=assessment, indicator=indicator(assessment, "B1.4"))
    html = client_for("yc_liaison").get(links_url(task)).content.decode()
    assert "B1.4" in html and 'id="link-form"' not in html and "/remove/" not in html


def test_links_stay_on_the_plans_line_of_regions(task, assessment, personas):
    sibling = make_assessment(make_standard(), region="500106", year=2024)  # 沙坪坝区
    with pytest.raises(ValidationError) as exc:
        link_create(actor=None, task=task, assessment=sibling, indicator=indicator(sibling, "A1.1"))
    assert "assessment" in exc.value.message_dict
    city = make_assessment(make_standard(region_code="500000"), region="500000", year=2024)
    link_create(actor=None, task=task, assessment=city, indicator=indicator(city, "A1.1"))  # the region above
    with pytest.raises(ValidationError) as exc:  # a group is no indicator to send evidence for
        link_create(actor=None, task=task, assessment=assessment, indicator=indicator(assessment, "B1"))
    assert "indicator" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        link_create(actor=personas.yc_liaison, task=task, assessment=assessment,
                    indicator=indicator(assessment, "B1.4"))
    with pytest.raises(ValidationError):  # the 永川 admin does not see the city's assessment
        link_create(actor=personas.yc_admin, task=task, assessment=city, indicator=indicator(city, "A1.2"))
    link = IndicatorLink.objects.get()
    link_delete(actor=None, link=link)
    assert not IndicatorLink.objects.exists()


# --- evidence offered on the indicator page -------------------------------------------------------------


def test_an_accepted_reports_file_is_offered_and_becomes_a_submission(client_for, task, assessment, yc_education):
    link_create(actor=None, task=task, assessment=assessment, indicator=indicator(assessment, "B1.4"))
    report = report_with_file(task, "区教委")
    stored = report.files.get()
    client = client_for("yc_liaison")
    response = client.get(detail(assessment, "B1.4"))
    html = response.content.decode()
    assert "工作任务中的佐证材料" in html and "进校园活动总结.pdf" in html
    assert f'value="workplans.report-file:{stored.pk}"' in html and "工作任务 1" in html

    response = client.post(detail(assessment, "B1.4"), {"form": "offered", "unit": yc_education.pk,
                                                       "description": "", "period_start": "2024-01-01",
                                                       "period_end": "2024-12-31"})
    assert response.status_code == 400 and "请至少选择一份材料" in response.content.decode()
    response = client.post(detail(assessment, "B1.4"), {
        "form": "offered", "offered": [f"workplans.report-file:{stored.pk}"], "unit": yc_education.pk,
        "description": "", "period_start": "2024-01-01", "period_end": "2024-12-31"})
    submission = Submission.objects.get(assessment=assessment)
    assert response.status_code == 302
    assert response["Location"] == detail(assessment, "B1.4") + f"#submission-{submission.pk}"
    assert submission.description == "引用工作任务 1 的佐证材料"
    assert (submission.unit, submission.status) == (yc_education, SubmissionStatus.SUBMITTED)
    copy = submission.files.get()
    assert copy.original_name == "进校园活动总结.pdf" and copy.file.read() == PDF
    assert copy.file.name != stored.file.name  # a copy, not a shared file
    assert AuditEntry.objects.filter(action="indicator_submission.evidence_referenced").exists()


def test_a_user_who_cannot_see_the_report_is_not_offered_it(client_for, task, assessment, personas, yc_education):
    link_create(actor=None, task=task, assessment=assessment, indicator=indicator(assessment, "B1.4"))
    report = report_with_file(task, "区科协")  # the 区教委 liaison does not see 区科协's reports
    key = f"workplans.report-file:{report.files.get().pk}"
    target = {"assessment": assessment, "indicator": indicator(assessment, "B1.4")}
    assert evidence_offers(**target, user=personas.yc_liaison) == []
    assert offered_file(key, **target, user=personas.yc_admin) is not None
    client = client_for("yc_liaison")
    html = client.get(detail(assessment, "B1.4")).content.decode()
    assert "工作任务中的佐证材料" not in html and "进校园活动总结.pdf" not in html
    response = client.post(detail(assessment, "B1.4"), {"form": "offered", "offered": [key],
                                                       "unit": yc_education.pk, "description": "x"})
    assert response.status_code == 302 and not Submission.objects.exists()  # nothing to send in: a message


def test_only_accepted_reports_and_done_deliverables_are_offered(task, assessment, personas):
    link_create(actor=None, task=task, assessment=assessment, indicator=indicator(assessment, "B1.4"))
    report_with_file(task, "区教委", accept=None, name="待审核.pdf")
    report_with_file(task, "区科协", accept=False, name="已退回.pdf")
    deliverable = deliverable_create(actor=None, task=task, name="科普进校园活动方案")
    target = {"assessment": assessment, "indicator": indicator(assessment, "B1.4")}
    assert evidence_offers(**target, user=personas.yc_admin) == []
    deliverable_complete(actor=None, deliverable=deliverable, unit=unit("区教委"), done_on=timezone.localdate(),
                         uploads=[pdf("活动方案.pdf")])
    offers = evidence_offers(**target, user=personas.yc_liaison)
    assert [o.name for o in offers] == ["活动方案.pdf"]
    assert offers[0].key.startswith("workplans.deliverable-file:") and "科普进校园活动方案" in offers[0].description
    assert offers[0].open() == PDF
    assert evidence_offers(assessment=assessment, indicator=indicator(assessment, "A1.1"), user=None) == []
