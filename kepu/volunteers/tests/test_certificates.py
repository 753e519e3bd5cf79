"""Certificates of service hours: what the Word and PDF files say (never the full ID number), who may
issue and download them, bad input."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from kepu.core import pii

from .. import certificates, services
from ..models import Certificate
from .factories import make_id_number, make_record, make_volunteer

pytestmark = pytest.mark.django_db

ID_NUMBER = make_id_number(datetime.date(1985, 7, 1), "male", serial=777)


@pytest.fixture
def volunteer(db):
    volunteer = make_volunteer(name="孙七", id_number=ID_NUMBER, birth_date=datetime.date(1985, 7, 1))
    for days, hours in ((3, "4"), (40, "6.5"), *((400 + i, "20") for i in range(5))):
        make_record(volunteer, hours=hours, date=timezone.localdate() - datetime.timedelta(days=days))
    volunteer.refresh_from_db()
    return volunteer


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_docx_says_the_figures_with_the_masked_id(volunteer):
    certificate = services.certificate_issue(actor=None, volunteer=volunteer, issuer_name="永川区科学技术协会")
    text = _docx_text(certificates.render_docx(certificate))
    assert "志愿服务时长证明" in text and certificate.serial in text
    assert "孙七" in text and volunteer.number in text and volunteer.id_masked in text
    assert ID_NUMBER not in text and ID_NUMBER[6:14] not in text
    assert "110.5 小时" in text and "7 次" in text and "1 星" in text
    assert "永川区科学技术协会" in text and "经认定的志愿服务记录" in text
    assert f"注册之日（{volunteer.registered_on.year}年" in text
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in text


def test_docx_names_an_east_asian_font(volunteer):
    certificate = services.certificate_issue(actor=None, volunteer=volunteer, issuer_name="永川区科协")
    document = Document(io.BytesIO(certificates.render_docx(certificate)))
    xml = document.paragraphs[0]._element.xml
    assert 'w:eastAsia="宋体"' in xml


def test_a_period_counts_only_its_records(volunteer):
    start = timezone.localdate() - datetime.timedelta(days=30)
    certificate = services.certificate_issue(actor=None, volunteer=volunteer, issuer_name="永川区科协",
                                             period_start=start)
    assert certificate.hours == Decimal("4.0") and certificate.records == 1
    text = _docx_text(certificates.render_docx(certificate))
    assert f"{start.year}年{start.month}月{start.day}日至" in text and "4.0 小时" in text


def test_pdf_is_a_pdf(volunteer):
    certificate = services.certificate_issue(actor=None, volunteer=volunteer, issuer_name="永川区科协")
    data = certificates.render_pdf(certificate)
    assert data.startswith(b"%PDF-") and len(data) > 1000
    assert ID_NUMBER.encode() not in data


# --- pages ------------------------------------------------------------------------------------------------


def test_staff_issue_a_certificate_and_return_to_the_volunteer(client_for, volunteer):
    client = client_for("yc_admin")
    url = reverse("volunteers:certificate_issue", args=[volunteer.pk])
    page = client.get(url).content.decode()
    assert "永川区科协" in page  # the district association is offered as the issuer
    response = client.post(url, {"issuer_name": "永川区科协", "period_start": "", "period_end": ""})
    assert response.status_code == 302 and response.url == reverse("volunteers:detail", args=[volunteer.pk])
    certificate = Certificate.objects.get(volunteer=volunteer)
    assert certificate.issued_by.username == "yc_admin" and certificate.hours == Decimal("110.5")
    docx = client.get(reverse("volunteers:certificate_docx", args=[certificate.pk]))
    assert docx.status_code == 200 and docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in docx["Content-Disposition"] and docx["Cache-Control"] == "private, no-store"
    assert ID_NUMBER not in _docx_text(docx.content)
    pdf = client.get(reverse("volunteers:certificate_pdf", args=[certificate.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(("data", "message"), [
    ({"issuer_name": ""}, "请填写出具单位"),
    ({"period_start": "2026-05-01", "period_end": "2026-01-01"}, "起始日期不能晚于截止日期"),
    ({"period_end": "2026-13-45"}, "截止日期格式不对"),
])
def test_issue_refuses_bad_input(client_for, volunteer, data, message):
    payload = {"issuer_name": "永川区科协"}
    payload.update(data)
    response = client_for("yc_admin").post(reverse("volunteers:certificate_issue", args=[volunteer.pk]), payload)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Certificate.objects.exists()


def test_issue_is_scoped_and_needs_the_right_to_change(client_for, volunteer):
    url = reverse("volunteers:certificate_issue", args=[volunteer.pk])
    assert client_for("spb_admin").post(url, {"issuer_name": "x"}).status_code == 404
    assert client_for("yc_reviewer").post(url, {"issuer_name": "x"}).status_code == 403
    assert client_for("citizen").post(url, {"issuer_name": "x"}).status_code == 404
    assert client_for("anonymous").post(url, {"issuer_name": "x"}).status_code == 302
    assert not Certificate.objects.exists()


def test_downloads_are_scoped(client_for, volunteer):
    certificate = services.certificate_issue(actor=None, volunteer=volunteer, issuer_name="永川区科协")
    for name in ("certificate_docx", "certificate_pdf"):
        url = reverse(f"volunteers:{name}", args=[certificate.pk])
        assert client_for("yc_reviewer").get(url).status_code == 200  # may see the volunteer
        assert client_for("spb_admin").get(url).status_code == 404
        assert client_for("citizen").get(url).status_code == 404
        assert client_for("yc_admin").get(reverse(f"volunteers:{name}", args=[999999])).status_code == 404


def test_masked_id_only_even_for_a_pii_viewer(client_for, personas, volunteer):
    from kepu.accounts.models import Role
    from kepu.accounts.tests.factories import grant

    grant(personas.yc_admin, Role.PII_VIEWER, region="500118")
    certificate = services.certificate_issue(actor=None, volunteer=volunteer, issuer_name="永川区科协")
    response = client_for("yc_admin").get(reverse("volunteers:certificate_docx", args=[certificate.pk]))
    assert ID_NUMBER not in _docx_text(response.content)
    assert pii.mask_id(ID_NUMBER) in _docx_text(response.content)
