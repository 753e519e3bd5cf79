"""The progress pages: a liaison reports (with files), corrects and withdraws; owners and reviewers
accept or return (on the task and on the plan's reviews page, htmx); files behind the scope check."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from kepu.indicators.tests.factories import pdf

from ..models import Assignment, ProgressReport, ReportFile, ReportStatus, Rhythm
from ..periods import period_label, period_no
from ..services.progress import report_review
from .factories import current, page, submit, today, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def education(task):
    return Assignment.objects.get(task=task, unit=unit("区教委"))


@pytest.fixture
def science(task):
    return Assignment.objects.get(task=task, unit=unit("区科协"))


def create_url(task, unit_id=None) -> str:
    url = f"/workplans/tasks/{task.pk}/report/"
    return f"{url}?unit={unit_id}" if unit_id else url


def report_data(period: int, **extra) -> dict:
    data = {"period": period, "text": "开展科学教师培训 3 场，覆盖 120 人。", "percent": 40,
            "reported_on": today().isoformat(), "files": [pdf("培训通知.pdf")]}
    return {**data, **extra}


# --- reporting ----------------------------------------------------------------------------------------


def test_liaison_reports_progress_with_a_pdf(client_for, task, education):
    client = client_for("yc_liaison")
    form = client.get(create_url(task))
    assert form.status_code == 200
    assert period_label(Rhythm.QUARTERLY, current()) in page(form)
    response = client.post(create_url(task), report_data(current()))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/workplans/tasks/{task.pk}/")
    report = ProgressReport.objects.get(assignment=education)
    assert (report.period, report.percent, report.status) == (current(), 40, ReportStatus.SUBMITTED)
    assert report.submitted_by.username == "yc_liaison"
    assert [f.original_name for f in report.files.all()] == ["培训通知.pdf"]
    detail = page(client.get(f"/workplans/tasks/{task.pk}/"))
    assert "开展科学教师培训 3 场" in detail and "培训通知.pdf" in detail


def test_a_late_report_is_marked_late(client_for, task, education):
    last_year_q1 = period_no(Rhythm.QUARTERLY, datetime.date(today().year - 1, 1, 1))
    response = client_for("yc_liaison").post(create_url(task), report_data(last_year_q1))
    assert response.status_code == 302
    assert ProgressReport.objects.get(assignment=education).late


def test_a_fake_pdf_is_refused_in_chinese(client_for, task, education):
    fake = SimpleUploadedFile("x.pdf", b"this is only text, not a PDF", content_type="application/pdf")
    response = client_for("yc_liaison").post(create_url(task), report_data(current(), files=[fake]))
    assert response.status_code == 400
    assert escape("文件“x.pdf”的内容不是允许的类型") in page(response)
    assert not ProgressReport.objects.filter(assignment=education).exists()


def test_a_second_report_for_the_same_period_gets_the_duplicate_message(client_for, task, education):
    client = client_for("yc_liaison")
    assert client.post(create_url(task), report_data(current())).status_code == 302
    again = client.post(create_url(task), report_data(current(), text="再报一次"))
    assert again.status_code == 409
    assert "本期进展已经报送，请勿重复报送" in page(again)
    assert ProgressReport.objects.filter(assignment=education).count() == 1
    # the period stays in the list, but greyed out
    assert f'value="{current()}" disabled' in page(client.get(create_url(task)))


def test_bad_values_are_named_in_chinese(client_for, task, education):
    client = client_for("yc_liaison")
    response = client.post(create_url(task), report_data(current(), percent=150, text=" "))
    assert response.status_code == 400
    body = page(response)
    assert "完成进度应为 0 到 100 之间的整数" in body and "请填写进展情况" in body
    future = client.post(create_url(task), report_data(current() + 1))
    assert future.status_code == 400 and "所选期次不需要报送" in page(future)
    tomorrow = client.post(create_url(task), report_data(
        current(), reported_on=(today() + datetime.timedelta(days=1)).isoformat()))
    assert tomorrow.status_code == 400 and "进展日期不能晚于今天" in page(tomorrow)
    assert not ProgressReport.objects.exists()


def test_the_owner_picks_the_unit_first(client_for, task, science):
    client = client_for("yc_admin")
    picker = client.get(create_url(task))
    assert picker.status_code == 200 and 'id="unit-picker"' in page(picker)
    wrong = client.get(create_url(task, "x"))
    assert "所选单位不承担这项任务" in page(wrong)
    response = client.post(create_url(task, science.unit_id), report_data(current()))
    assert response.status_code == 302
    assert ProgressReport.objects.get().assignment == science


def test_liaison_cannot_report_for_another_unit(client_for, task, science):
    response = client_for("yc_liaison").post(create_url(task, science.unit_id), report_data(current()))
    assert response.status_code == 400 and "所选单位不承担这项任务" in page(response)
    assert not ProgressReport.objects.exists()


def test_reviewer_may_not_report(client_for, task):
    client = client_for("yc_reviewer")
    assert client.get(create_url(task)).status_code == 403
    assert client.post(create_url(task), report_data(current())).status_code == 403


# --- review -------------------------------------------------------------------------------------------


def review(client, report, decision: str, comment: str = "", **extra):
    return client.post(f"/workplans/reports/{report.pk}/review/", {"decision": decision, "comment": comment},
                       **extra)


def test_returned_report_shows_its_comment_and_the_liaison_reports_again(client_for, personas, task, education):
    report = submit(education, period=current(), actor=personas.yc_liaison)
    response = review(client_for("yc_admin"), report, "return", "请补充培训签到表")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.review_comment == "请补充培训签到表"
    liaison = client_for("yc_liaison")
    mine = page(liaison.get("/workplans/mine/"))
    assert "请补充培训签到表" in mine and "报送进展" in mine
    again = liaison.post(create_url(task), report_data(current(), text="已补充签到表。"))
    assert again.status_code == 302
    assert ProgressReport.objects.filter(assignment=education, status=ReportStatus.SUBMITTED).count() == 1


def test_returning_needs_a_comment(client_for, personas, education):
    report = submit(education, period=current(), actor=personas.yc_liaison)
    response = review(client_for("yc_admin"), report, "return", "  ")
    assert response.status_code == 400
    assert "退回时请写明退回原因" in page(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_accepting_100_percent_marks_the_unit_done(client_for, personas, education):
    report = submit(education, period=current(), percent=100, actor=personas.yc_liaison)
    assert review(client_for("yc_admin"), report, "accept").status_code == 302
    education.refresh_from_db()
    assert education.percent == 100 and education.done_on == report.reported_on
    mine = page(client_for("yc_liaison").get("/workplans/mine/"))
    assert 'data-done="1"' in mine and f"/workplans/tasks/{education.task_id}/report/" not in mine


def test_reviewer_may_review(client_for, personas, education):
    report = submit(education, period=current(), actor=personas.yc_liaison)
    client = client_for("yc_reviewer")
    assert client.get(f"/workplans/reports/{report.pk}/review/").status_code == 200
    assert review(client, report, "accept").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.reviewed_by == personas.yc_reviewer


def test_a_decided_report_gets_a_conflict_message(client_for, personas, education):
    report = submit(education, period=current(), actor=personas.yc_liaison, accept=True)
    client = client_for("yc_admin")
    response = review(client, report, "return", "再看看", follow=True)
    assert "已由他人审核" in page(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    edit = client_for("yc_liaison").post(f"/workplans/reports/{report.pk}/edit/",
                                         {"text": "改", "percent": 10, "reported_on": today().isoformat()})
    assert edit.status_code == 409 and "不能再修改" in page(edit)


def test_liaison_may_not_review(client_for, personas, education):
    report = submit(education, period=current(), actor=personas.yc_liaison)
    assert review(client_for("yc_liaison"), report, "accept").status_code == 403
    assert review(client_for("spb_admin"), report, "accept").status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


# --- correcting and withdrawing -----------------------------------------------------------------------


def test_liaison_corrects_a_pending_report(client_for, personas, education):
    report = submit(education, period=current(), actor=personas.yc_liaison)
    client = client_for("yc_liaison")
    form = client.get(f"/workplans/reports/{report.pk}/edit/")
    assert form.status_code == 200
    data = {"text": "更正后的进展。", "percent": 60, "reported_on": today().isoformat(),
            "loaded_at": report.updated_at.isoformat(), "files": [pdf("补充.pdf")]}
    assert client.post(f"/workplans/reports/{report.pk}/edit/", data).status_code == 302
    report.refresh_from_db()
    assert (report.text, report.percent, report.files.count()) == ("更正后的进展。", 60, 1)
    stale = client.post(f"/workplans/reports/{report.pk}/edit/", {**data, "files": [], "text": "又改"})
    assert stale.status_code == 409 and "已被他人修改" in page(stale)


def test_reviewer_may_not_edit_reports(client_for, personas, education):
    report = submit(education, period=current(), actor=personas.yc_liaison)
    assert client_for("yc_reviewer").get(f"/workplans/reports/{report.pk}/edit/").status_code == 403
    assert client_for("yc_reviewer").post(f"/workplans/reports/{report.pk}/withdraw/").status_code == 403


def test_liaison_withdraws_a_pending_report(client_for, personas, education):
    report = submit(education, period=current(), actor=personas.yc_liaison)
    client = client_for("yc_liaison")
    confirm = client.get(f"/workplans/reports/{report.pk}/withdraw/")
    assert confirm.status_code == 200 and 'id="withdraw-form"' in page(confirm)
    assert client.post(f"/workplans/reports/{report.pk}/withdraw/").status_code == 302
    assert not ProgressReport.objects.filter(pk=report.pk).exists()


def test_a_decided_report_cannot_be_withdrawn(client_for, personas, education):
    report = submit(education, period=current(), actor=personas.yc_liaison, accept=True)
    client = client_for("yc_liaison")
    assert 'id="blocked"' in page(client.get(f"/workplans/reports/{report.pk}/withdraw/"))
    response = client.post(f"/workplans/reports/{report.pk}/withdraw/", follow=True)
    assert "不能撤回" in page(response)
    assert ProgressReport.objects.filter(pk=report.pk).exists()


# --- files --------------------------------------------------------------------------------------------


def test_files_are_served_only_to_those_who_see_the_report(client_for, task, education, science):
    client_for("yc_liaison").post(create_url(task), report_data(current()))
    own = ReportFile.objects.get(report__assignment=education)
    client_for("yc_admin").post(create_url(task, science.unit_id), report_data(current(), files=[pdf("科协.pdf")]))
    other = ReportFile.objects.get(report__assignment=science)
    for name, expected in [("yc_liaison", 200), ("yc_admin", 200), ("yc_reviewer", 200), ("spb_admin", 404),
                           ("citizen", 403)]:
        response = client_for(name).get(f"/workplans/reports/files/{own.pk}/")
        assert response.status_code == expected, name
        if expected == 200:
            assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for("yc_liaison").get(f"/workplans/reports/files/{other.pk}/").status_code == 404
    assert client_for("anonymous").get(f"/workplans/reports/files/{own.pk}/").status_code == 302


def test_liaison_removes_a_file_while_the_report_is_pending(client_for, task, education):
    client = client_for("yc_liaison")
    client.post(create_url(task), report_data(current()))
    item = ReportFile.objects.get()
    assert client.get(f"/workplans/reports/files/{item.pk}/remove/").status_code == 405
    assert client_for("yc_reviewer").post(f"/workplans/reports/files/{item.pk}/remove/").status_code == 403
    response = client.post(f"/workplans/reports/files/{item.pk}/remove/")
    assert response.status_code == 302 and response["Location"].endswith(f"/reports/{item.report_id}/edit/")
    assert not ReportFile.objects.exists()


# --- the reviews page ---------------------------------------------------------------------------------


def test_reviews_page_lists_pending_reports_oldest_first_late_marked(client_for, personas, plan, education,
                                                                      science):
    last_year_q1 = period_no(Rhythm.QUARTERLY, datetime.date(today().year - 1, 1, 1))
    first = submit(science, period=last_year_q1, text="科协去年一季度的进展", actor=personas.yc_admin)
    second = submit(education, period=current(), text="教委本季度的进展", actor=personas.yc_liaison)
    submit(education, period=current() - 1, accept=True)  # decided: not listed
    response = client_for("yc_admin").get(f"/workplans/plans/{plan.pk}/reviews/")
    assert response.status_code == 200
    body = page(response)
    assert body.index(f'id="report-{first.pk}"') < body.index(f'id="report-{second.pk}"')
    assert body.count('data-status="submitted"') == 2 and body.count('data-late="1"') == 1
    assert f'hx-post="/workplans/reports/{first.pk}/review/"' in body


def test_reviewing_inline_swaps_the_row(client_for, personas, plan, education):
    report = submit(education, period=current(), actor=personas.yc_liaison)
    client = client_for("yc_reviewer")
    refused = review(client, report, "return", "", HTTP_HX_REQUEST="true")
    assert refused.status_code == 200
    assert "退回时请写明退回原因" in page(refused) and 'data-status="submitted"' in page(refused)
    done = review(client, report, "return", "数据口径不清", HTTP_HX_REQUEST="true")
    body = page(done)
    assert "<html" not in body and 'data-status="returned"' in body and "数据口径不清" in body
    assert "review-form" not in body
    again = review(client, report, "accept", HTTP_HX_REQUEST="true")
    assert "已由他人审核" in page(again) and 'data-status="returned"' in page(again)


@pytest.mark.parametrize("name,expected", [("yc_admin", 200), ("yc_reviewer", 200), ("yc_liaison", 403),
                                           ("spb_admin", 404), ("citizen", 403)])
def test_reviews_page_permissions(client_for, plan, name, expected):
    assert client_for(name).get(f"/workplans/plans/{plan.pk}/reviews/").status_code == expected


def test_reviewing_as_the_system_leaves_the_page_consistent(client_for, personas, education):
    """A report decided elsewhere (here: by the system) shows as decided on the task page."""
    report = submit(education, period=current(), actor=personas.yc_liaison)
    report_review(actor=None, report=report, accept=False, comment="口径不一致")
    body = page(client_for("yc_admin").get(f"/workplans/tasks/{education.task_id}/"))
    assert f'id="report-{report.pk}"' in body and "口径不一致" in body
    assert f'action="/workplans/reports/{report.pk}/review/"' not in body
