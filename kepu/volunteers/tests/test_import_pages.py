"""The staff import pages: /volunteers/import/ (roster) and /volunteers/records/import/ (service records)."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kepu.core import pii

from ..models import NumberSequence, ServiceRecord, Volunteer
from .factories import add_member, make_id_number, make_team, make_volunteer
from .test_import import HEADER, RECORD_HEADER, person, xlsx_bytes

PAGES = ("/volunteers/import/", "/volunteers/records/import/")


def upload(client, data: bytes, *, page="/volunteers/import/", name="名单.xlsx"):
    return client.post(page, {"file": SimpleUploadedFile(name, data)})


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "status"), [
    ("anonymous", 302), ("citizen", 403), ("outsider", 403), ("yc_reviewer", 403), ("yc_liaison", 200),
    ("yc_admin", 200), ("spb_admin", 200), ("platform_admin", 200),
])
def test_who_may_use_the_import_pages(client_for, persona, status):
    client = client_for(persona)
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == status
        if status == 302:
            assert response.url.startswith(reverse("login"))
        assert client.get(page + "template.xlsx").status_code == status
        assert client.get(page + "errors.xlsx").status_code in (status, 404)
    assert upload(client, xlsx_bytes([HEADER, person(1)])).status_code == status
    assert not Volunteer.objects.exists()  # an upload is only a dry run


@pytest.mark.django_db
def test_a_team_leader_may_import_too(client_for, personas):
    team = make_team(name="永川区科普讲解志愿服务队")
    add_member(team, make_volunteer(user=personas.citizen), leader=True)
    assert client_for("citizen").get("/volunteers/import/").status_code == 200


@pytest.mark.django_db
def test_upload_preview_confirm(client_for, personas):
    client = client_for("yc_admin")
    page = client.get("/volunteers/import/").content.decode()
    assert "下载模板" in page and "/volunteers/import/template.xlsx" in page and "监护人同意" in page
    rows = [HEADER, person(1), person(2, region="500118001")]
    response = upload(client, xlsx_bytes(rows))
    assert response.status_code == 200
    page = response.content.decode()
    assert "校验通过：将导入 2 名志愿者" in page and "确认导入" in page and "王五" in page
    # The preview masks the numbers, even the uploader's own.
    assert rows[1][3] not in page and pii.mask_id(rows[1][3]) in page
    assert rows[1][4] not in page and pii.mask_phone(rows[1][4]) in page
    assert not Volunteer.objects.exists() and not NumberSequence.objects.exists()
    # What waits for confirmation is encrypted: no ID number in the session.
    assert rows[1][3] not in str(dict(client.session))
    response = client.post("/volunteers/import/confirm/")
    assert response.status_code == 302 and response.url == reverse("volunteers:list")
    assert Volunteer.objects.count() == 2
    assert "volunteers_import" not in client.session
    response = client.post("/volunteers/import/confirm/", follow=True)
    assert "没有待导入的文件" in response.content.decode()
    assert Volunteer.objects.count() == 2
    assert client.get("/volunteers/import/confirm/").status_code == 405


@pytest.mark.django_db
def test_a_bad_upload_shows_the_errors_and_cannot_be_confirmed(client_for):
    client = client_for("yc_admin")
    rows = [HEADER, person(1), person(2, region="500106"), person(3, phone="12345")]
    response = upload(client, xlsx_bytes(rows))
    page = response.content.decode()
    assert "发现 2 个错误" in page and "不在您的管理范围内" in page and "确认导入" not in page
    assert 'data-label="行">3<' in page and 'data-label="行">4<' in page and "应为 11 位手机号码" in page
    assert not any(row[3] in page for row in rows[1:])
    errors = client.get("/volunteers/import/errors.xlsx")
    assert errors.status_code == 200 and errors["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(errors.content)).active
    assert sheet.cell(3, sheet.max_column).value == "「区域代码」不在您的管理范围内"
    # The workbook echoes the uploader's own cells, and no number anywhere else.
    for row in sheet.iter_rows(min_row=2, values_only=True):
        assert not any(r[3] in str(row[-1] or "") for r in rows[1:])
    response = client.post("/volunteers/import/confirm/")
    assert response.status_code == 200 and "不在您的管理范围内" in response.content.decode()
    assert not Volunteer.objects.exists()


@pytest.mark.django_db
def test_the_upload_form_checks_the_file(client_for):
    client = client_for("yc_liaison")
    response = upload(client, b"hello", name="notes.txt")
    assert response.status_code == 200 and "请上传 .xlsx 或 .csv 文件" in response.content.decode()
    response = upload(client, b"PK\x03\x04 not really a workbook", name="broken.xlsx")
    assert response.status_code == 200 and "无法读取 Excel 文件" in response.content.decode()


@pytest.mark.django_db
def test_a_large_upload_waits_encrypted_in_a_file(client_for, settings, tmp_path, monkeypatch):
    from ..views import imports

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(imports.roster, "inline_bytes", 10)
    client = client_for("yc_admin")
    upload(client, xlsx_bytes([HEADER, person(1)]))
    pending = client.session["volunteers_import"]
    stored = tmp_path / "imports" / pending["file"]
    assert "data" not in pending and stored.is_file()
    assert not stored.read_bytes().startswith(b"PK")  # not the workbook as uploaded
    assert client.post("/volunteers/import/confirm/").status_code == 302
    assert not stored.exists() and Volunteer.objects.count() == 1


@pytest.mark.django_db
def test_the_template_downloads(client_for):
    client = client_for("yc_liaison")
    response = client.get("/volunteers/import/template.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]][:len(HEADER)] == HEADER
    response = client.get("/volunteers/records/import/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]][:len(RECORD_HEADER) - 1] == RECORD_HEADER[:-1]


@pytest.mark.django_db
def test_records_upload_preview_confirm(client_for, personas):
    team = make_team(name="永川区科普讲解志愿服务队")
    id_number = make_id_number(serial=77)
    member = make_volunteer(id_number=id_number, teams=[team])
    day = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    rows = [RECORD_HEADER, ["", id_number, day, "2", "科普讲解", "科技馆", team.name, "50", "是"]]
    client = client_for("yc_admin")
    page = upload(client, xlsx_bytes(rows), page="/volunteers/records/import/").content.decode()
    assert "校验通过：将导入 1 条服务记录" in page and id_number not in page and pii.mask_id(id_number) in page
    response = client.post("/volunteers/records/import/confirm/")
    assert response.status_code == 302 and response.url == reverse("volunteers:records")
    record = ServiceRecord.objects.get()
    assert record.volunteer == member and record.status == "verified" and record.recorded_by == personas.yc_admin
    member.refresh_from_db()
    assert str(member.hours) == "2.0"
    # Another district's admin sees the row refused.
    page = upload(client_for("spb_admin"), xlsx_bytes(rows), page="/volunteers/records/import/").content.decode()
    assert "不在您的管理范围内" in page and ServiceRecord.objects.count() == 1
