"""The evidence pages: an indicator of an assessment, sending in evidence and values, review, lock and
unlock, correcting and withdrawing, the files behind the scope check, and a liaison's indicators."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from kepu.core.models import AuditEntry
from kepu.indicators import services
from kepu.indicators.models import EvidenceFile, Status, Submission, SubmissionStatus
from kepu.indicators.selectors import scorecard

from .factories import make_assessment, pdf, png, submit_evidence, yongchuan_standard

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def assessment(db):
    return make_assessment(yongchuan_standard(), year=2024)


def detail(a, code: str) -> str:
    return f"/indicators/assessments/{a.pk}/indicators/{code}/"


def page(response) -> str:
    return response.content.decode()


def evidence_data(unit=None, **extra) -> dict:
    data = {"form": "evidence", "description": "2024 年中小学科学教师配备情况统计表", "period_start": "2024-01-01",
            "period_end": "2024-12-31", "files": [pdf("科学教师名单.pdf")]}
    if unit is not None:
        data["unit"] = unit.pk
    return {**data, **extra}


@pytest.fixture
def pending(assessment, personas, yc_education):
    """B1.4 evidence sent in by the 区教委 liaison, waiting for review."""
    return submit_evidence(assessment, "B1.4", actor=personas.yc_liaison, unit=yc_education)


def approved(submission):
    return services.submission_review(actor=None, submission=submission, approve=True)


# --- sending in evidence ------------------------------------------------------------------------------


def test_a_liaison_sends_in_evidence_for_an_indicator_their_unit_leads(client_for, assessment, personas,
                                                                        yc_education):
    client = client_for("yc_liaison")
    response = client.get(detail(assessment, "B1.4"))
    assert response.status_code == 200
    html = page(response)
    assert 'id="evidence-form"' in html and "区教委" in html
    assert response.context["evidence_form"].fields["unit"].required  # a liaison sends in for their unit

    response = client.post(detail(assessment, "B1.4"), evidence_data(yc_education))
    submission = Submission.objects.get(assessment=assessment)
    assert response.status_code == 302
    assert response["Location"] == detail(assessment, "B1.4") + f"#submission-{submission.pk}"
    assert (submission.indicator.code, submission.unit, submission.status) == ("B1.4", yc_education,
                                                                               SubmissionStatus.SUBMITTED)
    assert submission.submitted_by == personas.yc_liaison
    stored = submission.files.get()
    assert stored.original_name == "科学教师名单.pdf"
    assert stored.file.name.startswith(f"indicators/{assessment.pk}/B1.4/")

    html = page(client.get(detail(assessment, "B1.4")))
    assert f'id="submission-{submission.pk}" data-submission="{submission.pk}" data-status="submitted"' in html
    assert "待审核" in html and "科学教师名单.pdf" in html
    assert f'href="/indicators/files/{stored.pk}/"' in html


def test_a_liaison_may_not_send_in_for_an_indicator_their_unit_does_not_answer_for(client_for, assessment,
                                                                                     yc_education):
    client = client_for("yc_liaison")
    response = client.get(detail(assessment, "A1.1"))  # the assessment is theirs to see, A1.1 is not theirs
    assert response.status_code == 200
    assert 'id="evidence-form"' not in page(response) and 'id="no-upload"' in page(response)
    assert client.post(detail(assessment, "A1.1"), evidence_data(yc_education)).status_code == 403
    assert client.post(detail(assessment, "A1.1"), evidence_data()).status_code == 403
    assert not Submission.objects.exists()


def test_a_region_admin_sends_in_for_any_unit_of_the_indicator_or_for_none(client_for, assessment, yc_education):
    client = client_for("yc_admin")
    form = client.get(detail(assessment, "B1.4")).context["evidence_form"]
    assert not form.fields["unit"].required
    assert list(form.fields["unit"].queryset) == [yc_education]
    assert client.post(detail(assessment, "B1.4"), evidence_data()).status_code == 302
    assert Submission.objects.get().unit is None


def test_a_file_that_is_not_what_its_name_says_is_refused_in_chinese(client_for, assessment, yc_education,
                                                                     media_root):
    fake = SimpleUploadedFile("名单.pdf", b"MZ this is really a program", content_type="application/pdf")
    response = client_for("yc_liaison").post(detail(assessment, "B1.4"), evidence_data(yc_education, files=[fake]))
    assert response.status_code == 400
    errors = response.context["evidence_form"].errors["files"]
    assert errors == ["文件“名单.pdf”的内容不是允许的类型（docx、jpg、pdf、png、pptx、webp、xlsx）。"]
    assert escape(errors[0]) in page(response)
    assert not Submission.objects.exists() and not EvidenceFile.objects.exists()
    assert not (media_root / "indicators").exists()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"files": []}, "files", "请上传至少一份佐证材料。"),
    ({"description": ""}, "description", "该字段是必填项。"),
    ({"period_start": "2024-06-30", "period_end": "2024-01-01"}, "period_end", "材料截止日期不能早于起始日期。"),
    ({"period_start": "2024-13-01"}, "period_start", "输入一个有效的日期。"),
])
def test_bad_input_is_named_on_its_field(client_for, assessment, yc_education, changes, field, message):
    response = client_for("yc_liaison").post(detail(assessment, "B1.4"), evidence_data(yc_education, **changes))
    assert response.status_code == 400
    assert message in response.context["evidence_form"].errors[field]
    assert not Submission.objects.exists()


def test_a_liaison_cannot_send_in_for_another_unit(client_for, assessment):
    from kepu.orgs.models import Unit

    other = Unit.objects.get(region__code="500118", name="区科协")
    response = client_for("yc_liaison").post(detail(assessment, "B1.4"), evidence_data(other))
    assert response.status_code == 400 and "unit" in response.context["evidence_form"].errors
    assert not Submission.objects.exists()


# --- what others may see ------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [
    ("yc_admin", 200), ("yc_reviewer", 200), ("city_admin", 200), ("yc_liaison", 200),
    ("spb_admin", 404), ("citizen", 403), ("outsider", 403), ("anonymous", 302),
])
def test_the_indicator_page_is_for_those_who_see_the_assessment(client_for, assessment, persona, status):
    assert client_for(persona).get(detail(assessment, "B1.4")).status_code == status


@pytest.mark.parametrize("code", ["Z9.9", "B1", "B"])
def test_unknown_codes_and_groups_are_not_found(client_for, assessment, code):
    assert client_for("yc_admin").get(detail(assessment, code)).status_code == 404


def test_submissions_out_of_scope_are_not_found(client_for, pending):
    client = client_for("spb_admin")
    for action in ("edit", "review", "unlock", "withdraw"):
        assert client.get(f"/indicators/submissions/{pending.pk}/{action}/").status_code == 404
    assert client.post(f"/indicators/submissions/{pending.pk}/review/", {"decision": "approve"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == SubmissionStatus.SUBMITTED


def test_files_are_downloaded_only_within_scope(client_for, pending):
    stored = pending.files.get()
    response = client_for("yc_reviewer").get(f"/indicators/files/{stored.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Type"] == "application/pdf"
    # RFC 5987 for the Chinese name
    assert response["Content-Disposition"] == ("attachment; filename*=utf-8''"
                                               "%E8%AF%81%E6%98%8E%E6%9D%90%E6%96%99.pdf")
    assert client_for("yc_liaison").get(f"/indicators/files/{stored.pk}/").status_code == 200
    assert client_for("spb_admin").get(f"/indicators/files/{stored.pk}/").status_code == 404
    assert client_for("citizen").get(f"/indicators/files/{stored.pk}/").status_code == 403
    assert client_for("anonymous").get(f"/indicators/files/{stored.pk}/").status_code == 302
    assert client_for("yc_admin").get("/indicators/files/999999/").status_code == 404


# --- review, lock, unlock -----------------------------------------------------------------------------


def test_a_reviewer_approves_and_the_submission_locks(client_for, assessment, pending):
    reviewer = client_for("yc_reviewer")
    html = page(reviewer.get(detail(assessment, "B1.4")))
    assert f'action="/indicators/submissions/{pending.pk}/review/"' in html
    assert client_for("yc_liaison").post(f"/indicators/submissions/{pending.pk}/review/",
                                         {"decision": "approve"}).status_code == 403

    response = reviewer.post(f"/indicators/submissions/{pending.pk}/review/", {"decision": "approve", "comment": ""})
    assert response.status_code == 302 and response["Location"].endswith(f"#submission-{pending.pk}")
    pending.refresh_from_db()
    assert pending.status == SubmissionStatus.APPROVED and pending.locked

    liaison = client_for("yc_liaison")
    html = page(liaison.get(detail(assessment, "B1.4")))
    assert f"/indicators/submissions/{pending.pk}/edit/" not in html  # no 修改 / 撤回 once locked
    response = liaison.post(f"/indicators/submissions/{pending.pk}/edit/", {"description": "改一下"})
    assert response.status_code == 409
    assert "该报送已审核通过并锁定" in page(response)
    response = liaison.post(f"/indicators/submissions/{pending.pk}/withdraw/", follow=True)
    assert "该报送已审核通过并锁定" in page(response)
    assert Submission.objects.filter(pk=pending.pk, description="会议纪要").exists()
    # A second review of the same submission is refused, not repeated.
    response = reviewer.post(f"/indicators/submissions/{pending.pk}/review/", {"decision": "return", "comment": "x"})
    assert response.status_code == 409 and "已通过" in page(response)


def test_a_return_needs_a_comment(client_for, assessment, pending):
    reviewer = client_for("yc_reviewer")
    url = f"/indicators/submissions/{pending.pk}/review/"
    response = reviewer.post(url, {"decision": "return", "comment": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["comment"] == ["退回时请填写审核意见，说明需要补充或修改的内容。"]
    pending.refresh_from_db()
    assert pending.status == SubmissionStatus.SUBMITTED
    assert reviewer.post(url, {"comment": "x"}).status_code == 400  # no decision: an error, not a crash

    assert reviewer.post(url, {"decision": "return", "comment": "请补充名单盖章页"}).status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.review_comment) == (SubmissionStatus.RETURNED, "请补充名单盖章页")
    assert "请补充名单盖章页" in page(client_for("yc_liaison").get(detail(assessment, "B1.4")))


def test_an_admin_unlocks_with_a_reason_and_it_is_audited(client_for, assessment, pending):
    approved(pending)
    url = f"/indicators/submissions/{pending.pk}/unlock/"
    assert client_for("yc_reviewer").post(url, {"reason": "补充"}).status_code == 403
    assert client_for("yc_liaison").post(url, {"reason": "补充"}).status_code == 403
    admin = client_for("yc_admin")
    assert f'action="{url}"' in page(admin.get(detail(assessment, "B1.4")))
    response = admin.post(url, {"reason": ""})
    assert response.status_code == 400 and response.context["form"].errors["reason"] == ["请说明解除锁定的原因。"]

    assert admin.post(url, {"reason": "名单有误，需重新上传"}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == SubmissionStatus.SUBMITTED and not pending.locked
    entry = AuditEntry.objects.get(action="indicator_submission.unlocked", object_id=str(pending.pk))
    assert entry.changes["reason"] == "名单有误，需重新上传" and entry.actor_name == "yc_admin"
    response = admin.post(url, {"reason": "again"})
    assert response.status_code == 409 and "该报送未锁定" in page(response)


# --- correcting and withdrawing -----------------------------------------------------------------------


def test_a_returned_submission_is_corrected_and_goes_back_for_review(client_for, pending):
    services.submission_review(actor=None, submission=pending, approve=False, comment="缺少盖章页")
    client = client_for("yc_liaison")
    url = f"/indicators/submissions/{pending.pk}/edit/"
    response = client.get(url)
    assert response.status_code == 200 and "缺少盖章页" in page(response)
    pending.refresh_from_db()
    response = client.post(url, {"description": "科学教师名单（盖章）", "period_start": "2024-01-01",
                                 "period_end": "2024-12-31", "loaded_at": pending.updated_at.isoformat(),
                                 "files": [png("盖章页.png")]})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == SubmissionStatus.SUBMITTED and pending.description == "科学教师名单（盖章）"
    assert sorted(f.original_name for f in pending.files.all()) == ["盖章页.png", "证明材料.pdf"]


def test_a_stale_edit_is_refused(client_for, pending):
    response = client_for("yc_liaison").post(f"/indicators/submissions/{pending.pk}/edit/", {
        "description": "新的说明", "loaded_at": "2000-01-01T00:00:00+00:00"})
    assert response.status_code == 409 and "已被他人修改" in page(response)


def test_files_are_removed_but_never_the_last(client_for, pending):
    services.submission_update(actor=None, submission=pending, uploads=[png()])
    first, second = pending.files.order_by("pk")
    client = client_for("yc_liaison")
    assert client_for("spb_admin").post(f"/indicators/files/{first.pk}/remove/").status_code == 404
    assert client_for("yc_reviewer").post(f"/indicators/files/{first.pk}/remove/").status_code == 403
    assert client.get(f"/indicators/files/{first.pk}/remove/").status_code == 405
    response = client.post(f"/indicators/files/{first.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == f"/indicators/submissions/{pending.pk}/edit/"
    response = client.post(f"/indicators/files/{second.pk}/remove/", follow=True)
    assert "至少保留一份佐证材料" in page(response)
    assert list(pending.files.all()) == [second]


def test_a_pending_submission_is_withdrawn_after_a_confirmation(client_for, assessment, pending):
    client = client_for("yc_liaison")
    url = f"/indicators/submissions/{pending.pk}/withdraw/"
    response = client.get(url)
    assert response.status_code == 200 and 'id="withdraw-form"' in page(response)
    assert client_for("yc_reviewer").post(url).status_code == 403
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == detail(assessment, "B1.4")
    assert not Submission.objects.filter(pk=pending.pk).exists()


# --- values no record computes ------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "status", "label"), [("0", Status.MET, "达标"), ("1", Status.VETOED, "否决")])
def test_a_value_for_the_veto_indicator_counts_once_approved(client_for, assessment, value, status, label):
    admin = client_for("yc_admin")
    response = admin.get(detail(assessment, "C2.3"))
    value_form = response.context["value_form"]
    assert [c for c, _ in value_form.fields["measure"].choices] == ["pseudoscience_incidents"]
    assert 'id="value-form"' in page(response) and 'id="value_value"' in page(response)

    response = admin.post(detail(assessment, "C2.3"), {
        "form": "value", "measure": "pseudoscience_incidents", "value": value,
        "description": "2024 年全区未发生伪科学活动的情况说明", "files": [pdf("情况说明.pdf")]})
    assert response.status_code == 302
    submission = Submission.objects.get(indicator__code="C2.3")
    assert (submission.measure, str(submission.value.normalize())) == ("pseudoscience_incidents", value)
    assert scorecard(assessment).results["C2.3"].status == Status.AWAITING_REVIEW

    assert client_for("yc_reviewer").post(f"/indicators/submissions/{submission.pk}/review/",
                                          {"decision": "approve"}).status_code == 302
    assert scorecard(assessment).results["C2.3"].status == status
    html = page(admin.get(detail(assessment, "C2.3")))
    status_html = html[html.index('id="indicator-status"'):]
    assert f'data-status="{status}">{label}</span>' in status_html[:200]


def test_a_value_needs_a_number_and_a_known_measure(client_for, assessment):
    admin = client_for("yc_admin")
    data = {"form": "value", "measure": "pseudoscience_incidents", "value": "", "description": "说明",
            "files": [pdf()]}
    response = admin.post(detail(assessment, "C2.3"), data)
    assert response.status_code == 400 and "value" in response.context["value_form"].errors
    response = admin.post(detail(assessment, "C2.3"), {**data, "value": "0", "measure": "registered_volunteers"})
    assert response.status_code == 400 and "measure" in response.context["value_form"].errors
    assert not Submission.objects.exists()


def test_an_evidence_indicator_has_no_value_form(client_for, assessment):
    response = client_for("yc_admin").get(detail(assessment, "A1.1"))
    assert response.context["value_form"] is None
    response = client_for("yc_admin").post(detail(assessment, "A1.1"), {"form": "value", "value": "1"})
    assert response.status_code == 302 and not Submission.objects.exists()


# --- evidence carried over ----------------------------------------------------------------------------


def test_once_only_evidence_of_an_earlier_year_is_carried(client_for, assessment):
    earlier = make_assessment(yongchuan_standard(), year=2023)
    old = submit_evidence(earlier, "A1.1", description="2023 年科学素质纲要实施方案", approve=True)
    html = page(client_for("yc_admin").get(detail(assessment, "A1.1")))
    assert f'id="carried-{old.pk}"' in html and "沿用 2023 年" in html
    assert 'data-status="met">达标</span>' in html


# --- my indicators ------------------------------------------------------------------------------------


def row_of(html: str, code: str) -> str:
    start = html.index(f'data-code="{code}"')
    return html[start:html.index("</tr>", start)]


def section_of(html: str, a) -> str:
    start = html.index(f'data-assessment="{a.pk}"')
    return html[start:html.index("</section>", start)]


def test_my_indicators_lists_what_is_due_and_what_was_sent_back(client_for, assessment, personas, yc_education):
    client = client_for("yc_liaison")
    html = page(client.get("/indicators/mine/"))
    assert f'data-assessment="{assessment.pk}"' in html and 'data-year="2024"' in html
    assert 'data-state="none"' in row_of(html, "C4.2") and "未报送" in row_of(html, "C4.2")
    assert 'data-code="A1.1"' not in html  # 区教委 does not answer for A1.1
    assert detail(assessment, "C4.2") in row_of(html, "C4.2")

    submission = submit_evidence(assessment, "C4.2", actor=personas.yc_liaison, unit=yc_education)
    assert 'data-code="C4.2"' not in page(client.get("/indicators/mine/"))  # sent in: not due
    assert "待审核" in row_of(page(client.get("/indicators/mine/?show=all")), "C4.2")

    services.submission_review(actor=personas.yc_reviewer, submission=submission, approve=False,
                               comment="请补充各校名单")
    row = row_of(page(client.get("/indicators/mine/")), "C4.2")
    assert 'data-state="returned"' in row and "已退回" in row and "请补充各校名单" in row
    assert client.get("/indicators/mine/?show=nonsense").status_code == 200


def test_values_the_platform_computes_or_that_were_entered_are_not_due(client_for, assessment, personas):
    client = client_for("yc_liaison")
    html = page(client.get("/indicators/mine/?show=all"))
    # B1.4 is computed from the school profiles; C2.3 (伪科学活动) is entered by hand.
    assert 'data-state="computed"' in row_of(html, "B1.4") and 'data-due="0"' in row_of(html, "B1.4")
    assert 'data-state="none"' in row_of(html, "C2.3") and 'data-due="1"' in row_of(html, "C2.3")
    submit_evidence(assessment, "C2.3", actor=personas.yc_admin, measure="pseudoscience_incidents", value=0,
                    approve=True)
    row = row_of(page(client.get("/indicators/mine/?show=all")), "C2.3")
    assert 'data-state="here"' in row and 'data-due="0"' in row


def test_staff_without_a_liaison_unit_are_told_where_to_look(client_for):
    response = client_for("yc_admin").get("/indicators/mine/")
    assert response.status_code == 200 and 'id="not-liaison"' in page(response)
    assert client_for("citizen").get("/indicators/mine/").status_code == 403
    assert client_for("anonymous").get("/indicators/mine/").status_code == 302


def test_a_liaison_whose_unit_answers_for_nothing_is_told_so(client_for):
    response = client_for("yc_liaison").get("/indicators/mine/")
    assert response.status_code == 200 and 'id="no-duties"' in page(response)


def test_indicators_met_without_the_unit_are_not_due(client_for, assessment):
    """Once-only evidence approved in an earlier year, or evidence of the region approved this year,
    already meets the indicator (as on the scorecard): nothing is due from the unit."""
    earlier = make_assessment(yongchuan_standard(), year=2023)
    submit_evidence(earlier, "B1.3", description="2023 年学校科普工作方案", approve=True)  # once-only
    submit_evidence(earlier, "A3.2", description="2023 年", approve=True)
    submit_evidence(assessment, "A3.2", description="2024 年", approve=True)  # here as well: "here" wins
    submit_evidence(assessment, "C4.2", description="区里统一报送", approve=True)
    submit_evidence(earlier, "C5.1", description="还没审核")  # pending: counts for nothing
    client = client_for("yc_liaison")
    html = page(client.get("/indicators/mine/?show=all"))
    section = section_of(html, assessment)
    assert 'data-state="carried"' in row_of(section, "B1.3") and "沿用 2023 年材料" in row_of(section, "B1.3")
    assert 'data-state="here"' in row_of(section, "A3.2") and 'data-due="0"' in row_of(section, "A3.2")
    assert 'data-state="here"' in row_of(section, "C4.2")
    assert 'data-state="none"' in row_of(section, "C5.1") and 'data-due="1"' in row_of(section, "C5.1")
    assert 'data-state="here"' in row_of(section_of(html, earlier), "B1.3")  # 2023 itself: its own evidence
    todo = section_of(page(client.get("/indicators/mine/")), assessment)
    assert 'data-code="B1.3"' not in todo and 'data-code="C4.2"' not in todo and 'data-code="C5.1"' in todo


@pytest.mark.parametrize(("url", "data"), [
    ("C2.3", {"form": "value", "measure": "pseudoscience_incidents", "value": "abc", "description": "x"}),
    ("C2.3", {"form": "value", "measure": "pseudoscience_incidents", "value": "1e30", "description": "x"}),
    ("C2.3", {"form": "value", "measure": "pseudoscience_incidents", "value": "NaN", "description": "x"}),
    ("A1.1", {"form": "evidence", "unit": "abc", "description": "x"}),
    ("A1.1", {"form": "nonsense", "description": "x" * 501}),
    ("A1.1", {}),
])
def test_garbage_is_an_error_in_words_never_a_crash(client_for, assessment, url, data):
    response = client_for("yc_admin").post(detail(assessment, url), data)
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_garbage_on_the_review_unlock_and_edit_forms(client_for, pending):
    assert client_for("yc_reviewer").post(f"/indicators/submissions/{pending.pk}/review/",
                                          {"decision": "maybe"}).status_code == 400
    assert client_for("yc_liaison").post(f"/indicators/submissions/{pending.pk}/edit/",
                                         {"description": "x", "loaded_at": "yesterday"}).status_code == 400
    approved(pending)
    assert client_for("yc_admin").post(f"/indicators/submissions/{pending.pk}/unlock/",
                                       {"reason": "x" * 301}).status_code == 400
    pending.refresh_from_db()
    assert pending.status == SubmissionStatus.APPROVED and pending.description == "会议纪要"
