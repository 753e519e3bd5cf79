"""/api/v1/standards/ and /api/v1/assessments/: scope, the results' shape, create, evidence, review, reports."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kepu.indicators import api as indicators_api
from kepu.indicators.models import Assessment, Submission, SubmissionStatus

from .factories import YONGCHUAN_CODE, make_assessment, pdf, submit_evidence, yongchuan_standard

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def yc_2024():
    return make_assessment(yongchuan_standard(), "500118", 2024)


def url(assessment, tail=""):
    return f"/api/v1/assessments/{assessment.pk}/{tail}"


# --- standards ------------------------------------------------------------------------------------------


def test_the_standard_holds_its_indicator_tree(api_for):
    standard = yongchuan_standard()
    listed = api_for("yc_liaison").get("/api/v1/standards/", {"code": YONGCHUAN_CODE}).json()["results"]
    assert [s["code"] for s in listed] == [YONGCHUAN_CODE] and "indicators" not in listed[0]

    data = api_for("spb_admin").get(f"/api/v1/standards/{standard.pk}/").json()
    assert data["region"] == "500118" and len(data["phases"]) == 4
    leaves = []

    def walk(nodes):
        for node in nodes:
            if node["children"]:
                assert node["kind"] == "group"
                walk(node["children"])
            else:
                leaves.append(node)

    walk(data["indicators"])
    assert [n["code"] for n in data["indicators"]] == ["A", "B", "C"]
    assert len(leaves) == 33
    c32 = next(n for n in leaves if n["code"] == "C3.2")
    assert c32["level"] == 3 and c32["recurrence"] == "yearly" and c32["lead_units"] == ["区科协"]
    assert c32["targets"][0] == {"measure": "info_officer_ratio", "op": ">=", "value": "0.01"}
    assert len(c32["targets"]) == 3


@pytest.mark.parametrize(("persona", "expected"), [("citizen", 403), ("outsider", 403), ("anonymous", 401)])
def test_standards_are_for_staff(api_for, persona, expected):
    assert api_for(persona).get("/api/v1/standards/").status_code == expected


# --- assessments: scope and results ---------------------------------------------------------------------


def test_an_assessment_is_seen_within_scope_only(api_for, yc_2024):
    yc = api_for("yc_admin")
    assert [a["id"] for a in yc.get("/api/v1/assessments/").json()["results"]] == [yc_2024.pk]
    assert yc.get(url(yc_2024)).status_code == 200
    # the liaison of a unit answering for one of its indicators sees it too
    assert api_for("yc_liaison").get(url(yc_2024)).status_code == 200

    spb = api_for("spb_admin")
    assert spb.get("/api/v1/assessments/").json()["results"] == []
    response = spb.get(url(yc_2024))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert spb.get(url(yc_2024, "evidence/")).status_code == 404
    assert api_for("citizen").get("/api/v1/assessments/").status_code == 403


def test_the_results_of_the_yongchuan_standard(api_for, yc_2024):
    data = api_for("yc_admin").get(url(yc_2024)).json()
    assert data["standard"] == YONGCHUAN_CODE and data["region"] == "500118" and data["year"] == 2024
    results = {r["code"]: r for r in data["results"]}
    assert len(results) == 33 and list(results)[:2] == ["A1.1", "A1.2"]
    assert results["A1.1"] == {"code": "A1.1", "name": results["A1.1"]["name"], "kind": "evidence",
                               "status": "awaiting_input", "status_label": "待填报", "returned": False,
                               "evidence": 0, "targets": []}

    c32 = results["C3.2"]
    assert c32["kind"] == "measure" and c32["status"] == "no_data"
    assert [t["measure"] for t in c32["targets"]] == ["info_officer_ratio", "info_officer_active_ratio",
                                                      "info_officer_rank_percentile"]
    ratio = c32["targets"][0]
    assert ratio["value"] is None and ratio["target"] == "0.01" and ratio["op"] == ">="
    assert ratio["reason"] == "no_info_officer_figures" and "信息员" in ratio["reason_text"]
    assert ratio["records_url"].startswith("http://testserver/channels/info-officers/?region=500118")

    volunteers = results["B4.1"]["targets"][0]  # computed: 0 registered volunteers
    assert volunteers["value"] == "0" and volunteers["source"] == "computed" and volunteers["status"] == "unmet"
    assert volunteers["reason"] is None and volunteers["reason_text"] is None
    veto = results["C2.3"]["targets"][0]  # entered by the units: none yet
    assert veto["value"] is None and veto["reason"] == "awaiting_input" and veto["reason_text"] == "待填报"

    summary = data["summary"]
    assert summary["total"] == 33 and summary["met"] == 0 and summary["vetoed"] is False
    assert sum(summary["by_status"].values()) == 33 and summary["by_status"]["unmet"] == 3
    # the counts are kept for the list
    yc_2024.refresh_from_db()
    assert yc_2024.summary["total"] == 33 and yc_2024.computed_at is not None


def test_a_manual_value_once_approved_is_the_value(api_for, yc_2024):
    submit_evidence(yc_2024, "C2.3", measure="pseudoscience_incidents", value=0, approve=True)
    veto = next(r for r in api_for("yc_admin").get(url(yc_2024)).json()["results"] if r["code"] == "C2.3")
    assert veto["status"] == "met"
    assert veto["targets"][0].items() >= {"value": "0", "source": "manual", "reason": None}.items()


def test_the_list_computes_results_only_when_asked(api_for, yc_2024):
    client = api_for("yc_admin")
    listed = client.get("/api/v1/assessments/").json()["results"][0]
    assert listed["results"] is None and listed["summary"] is None  # never computed yet
    listed = client.get("/api/v1/assessments/", {"results": "1"}).json()["results"][0]
    assert len(listed["results"]) == 33 and listed["summary"]["total"] == 33
    listed = client.get("/api/v1/assessments/").json()["results"][0]
    assert listed["results"] is None and listed["summary"]["total"] == 33  # the counts just computed


def test_the_filters(api_for, yc_2024):
    standard = yongchuan_standard()
    yc_2023 = make_assessment(standard, "500118", 2023)
    town = make_assessment(standard, "500118001", 2024)
    make_assessment(standard, "500106", 2024)
    client = api_for("city_admin")

    def ids(**params):
        return {a["id"] for a in client.get("/api/v1/assessments/", params).json()["results"]}

    assert ids(region="500118", year=2024) == {yc_2024.pk}
    assert ids(region="500118") == {yc_2024.pk, yc_2023.pk}
    assert ids(region_subtree="500118", year=2024) == {yc_2024.pk, town.pk}
    assert len(ids(standard=YONGCHUAN_CODE)) == 4 and ids(standard="nope") == set()
    assert ids(status="submitted") == set()
    assert ids(region="999999") == set()
    response = client.get("/api/v1/assessments/", {"year": "two"})
    assert response.status_code == 400 and "year" in response.json()["extra"]["fields"]


# --- assessments: create --------------------------------------------------------------------------------


def test_a_region_admin_creates_an_assessment(api_for):
    client = api_for("yc_admin")
    response = client.post("/api/v1/assessments/", {"standard": YONGCHUAN_CODE, "region": "500118", "year": 2023},
                           format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["year"] == 2023 and len(data["results"]) == 33
    assert Assessment.objects.filter(pk=data["id"], region__code="500118", year=2023).exists()

    again = client.post("/api/v1/assessments/", {"standard": str(yongchuan_standard().pk), "region": "500118",
                                                 "year": 2023}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    assert "永川区" in again.json()["message"]

    whole = client.post("/api/v1/assessments/", {"standard": YONGCHUAN_CODE, "region": "500118", "year": None},
                        format="json")
    assert whole.status_code == 201 and whole.json()["year"] is None


def test_create_answers_bad_input_in_chinese(api_for):
    client = api_for("yc_admin")
    outside = client.post("/api/v1/assessments/", {"standard": YONGCHUAN_CODE, "region": "500118", "year": 2030},
                          format="json")
    assert outside.status_code == 400
    assert outside.json()["extra"]["fields"]["year"] == ["年度应在标准的创建期 2021—2025 之内。"]
    unknown = client.post("/api/v1/assessments/", {"standard": "nope", "region": "500118"}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["extra"]["fields"] == {"standard": ["没有代码或 id 为“nope”的指标标准，或您无权查看。"]}
    # another district's region is not one they may name
    other = api_for("spb_admin").post("/api/v1/assessments/", {"standard": YONGCHUAN_CODE, "region": "500118",
                                                               "year": 2024}, format="json")
    assert other.status_code == 400 and "region" in other.json()["extra"]["fields"]
    assert not Assessment.objects.exists()


def test_only_region_admins_create(api_for):
    response = api_for("yc_reviewer").post("/api/v1/assessments/", {"standard": YONGCHUAN_CODE, "region": "500118",
                                                                   "year": 2024}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


# --- evidence -------------------------------------------------------------------------------------------


def test_a_liaison_uploads_evidence(api_for, yc_2024):
    client = api_for("yc_liaison")
    response = client.post(url(yc_2024, "evidence/"), {
        "indicator": "A3.2", "description": "应急科普讲座通知", "period_start": "2024-03-01", "period_end": "2024-03-31",
        "files": [pdf("通知.pdf"), pdf("照片记录.pdf")]}, format="multipart")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["indicator"] == "A3.2" and data["unit_name"].endswith("区教委")  # their one unit, by default
    assert data["status"] == "submitted" and data["locked"] is False and data["value"] is None
    assert [f["name"] for f in data["files"]] == ["通知.pdf", "照片记录.pdf"]
    assert data["files"][0]["content_type"] == "application/pdf" and data["files"][0]["size"] > 0

    download = client.get(data["files"][0]["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert data["files"][0]["url"].startswith("http://testserver/api/v1/assessments/")
    assert api_for("spb_admin").get(data["files"][0]["url"]).status_code == 404

    listed = client.get(url(yc_2024, "evidence/"), {"indicator": "A3.2"}).json()["results"]
    assert [s["id"] for s in listed] == [data["id"]] and listed[0]["description"] == "应急科普讲座通知"
    assert client.get(url(yc_2024, "evidence/"), {"status": "approved"}).json()["results"] == []
    a32 = next(r for r in client.get(url(yc_2024)).json()["results"] if r["code"] == "A3.2")
    assert a32["status"] == "awaiting_review"


def test_a_bad_file_is_refused_naming_the_field(api_for, yc_2024):
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = api_for("yc_liaison").post(url(yc_2024, "evidence/"), {
        "indicator": "A3.2", "description": "材料", "files": [fake]}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["message"].startswith("佐证材料：") and "报告.pdf" in body["message"]
    assert list(body["extra"]["fields"]) == ["files"]
    assert not Submission.objects.exists()


def test_evidence_input_errors(api_for, yc_2024):
    client = api_for("yc_liaison")
    unknown = client.post(url(yc_2024, "evidence/"), {"indicator": "Z9", "description": "x", "files": [pdf()]},
                          format="multipart")
    assert unknown.status_code == 400 and "Z9" in unknown.json()["extra"]["fields"]["indicator"][0]
    no_files = client.post(url(yc_2024, "evidence/"), {"indicator": "A3.2", "description": "x"}, format="multipart")
    assert no_files.status_code == 400 and list(no_files.json()["extra"]["fields"]) == ["files"]
    # an indicator the liaison's unit does not answer for
    other = client.post(url(yc_2024, "evidence/"), {"indicator": "A1.1", "description": "x", "files": [pdf()]},
                        format="multipart")
    assert other.status_code == 403


def test_review_and_unlock(api_for, yc_2024):
    submission = submit_evidence(yc_2024, "A1.1")
    review = url(yc_2024, f"submissions/{submission.pk}/review/")
    assert api_for("yc_liaison").post(review, {"decision": "approve"}, format="json").status_code == 403
    assert api_for("spb_admin").post(review, {"decision": "approve"}, format="json").status_code == 404

    no_comment = api_for("yc_reviewer").post(review, {"decision": "return"}, format="json")
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["extra"]["fields"]
    approved = api_for("yc_reviewer").post(review, {"decision": "approve", "comment": "材料齐全"}, format="json")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved" and approved.json()["locked"] is True
    twice = api_for("yc_reviewer").post(review, {"decision": "return", "comment": "再看看"}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "reviewed"

    unlock = url(yc_2024, f"submissions/{submission.pk}/unlock/")
    assert api_for("yc_reviewer").post(unlock, {"reason": "补充"}, format="json").status_code == 403
    unlocked = api_for("yc_admin").post(unlock, {"reason": "需补充照片"}, format="json")
    assert unlocked.status_code == 200 and unlocked.json()["status"] == SubmissionStatus.SUBMITTED
    # a submission of another assessment is not found through this one
    other = make_assessment(yongchuan_standard(), "500118", 2023)
    assert api_for("yc_admin").post(url(other, f"submissions/{submission.pk}/unlock/"), {"reason": "x"},
                                    format="json").status_code == 404


# --- reports --------------------------------------------------------------------------------------------

REPORTS = [("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
           ("scorecard.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
           ("evidence.zip", "application/zip")]


@pytest.mark.parametrize(("name", "content_type"), REPORTS)
def test_a_report_downloads_whatever_the_client_accepts(api_for, yc_2024, monkeypatch, name, content_type):
    kinds = []

    def build(assessment, kind, **kwargs):
        kinds.append((assessment.pk, kind))
        return f"永川区 2024 年度.{kind}", b"PK\x03\x04 content"

    monkeypatch.setattr("kepu.indicators.reports.build_report", build)
    client = api_for("yc_liaison")
    for accept in ("*/*", content_type, "application/json"):
        response = client.get(url(yc_2024, name), HTTP_ACCEPT=accept)
        assert response.status_code == 200 and response["Content-Type"] == content_type
        assert response.content == b"PK\x03\x04 content"
        assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert kinds[0] == (yc_2024.pk, name.rsplit(".", 1)[1])

    hidden = api_for("spb_admin").get(url(yc_2024, name), HTTP_ACCEPT=content_type)
    assert hidden.status_code == 404 and hidden["Content-Type"] == "application/json"
    assert hidden.json()["code"] == "not_found"
    assert api_for("citizen").get(url(yc_2024, name)).status_code == 403


def test_the_three_reports_open(api_for, yc_2024):
    import docx
    import openpyxl

    submit_evidence(yc_2024, "A1.1", approve=True)
    client = api_for("yc_admin")
    for name, content_type in REPORTS:
        response = client.get(url(yc_2024, name))
        assert response.status_code == 200, name
        assert response["Content-Type"] == content_type
        assert "attachment;" in response["Content-Disposition"]
        body = io.BytesIO(response.content)
        if name.endswith(".docx"):
            assert any("永川区" in p.text for p in docx.Document(body).paragraphs)
        elif name.endswith(".xlsx"):
            assert openpyxl.load_workbook(body).worksheets
        else:
            assert any(n.startswith("A1.1/") for n in zipfile.ZipFile(body).namelist())


def test_numbers_are_decimal_strings():
    assert indicators_api.decimal_text(0.01) == "0.01"
    assert indicators_api.decimal_text(1043) == "1043"
    assert indicators_api.decimal_text(Decimal("1000.000000")) == "1000"
    assert indicators_api.decimal_text(Decimal(1) / 3) == "0.333333"
