"""The participation report pages: counts, evidence, submit and return, end to end."""

import datetime
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kepu.activities import services
from kepu.activities.models import ActivityStatus, Evidence, ParticipationReport, TargetGroup
from kepu.activities.tests.factories import finished, published
from kepu.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def tiny_png() -> bytes:
    """A real 1×1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _ongoing(organizer):
    """A published activity that started an hour ago and takes registrations."""
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
    return published(organizer=organizer, start=start, end=start + datetime.timedelta(hours=3),
                     registration_required=True, capacity=50)


def test_the_report_flow_end_to_end(client_for, personas, yc_education):
    youth, elderly = TargetGroup.objects.get(key="youth"), TargetGroup.objects.get(key="elderly")
    activity = _ongoing(yc_education)
    first = services.registration_create(activity=activity, name="张三", phone="13812345678", group=youth)
    services.registration_create(activity=activity, name="李四", phone="13987654321", group=youth)
    services.checkin(actor=personas.yc_liaison, activity=activity, token=first.token)
    services.walkin_record(actor=personas.yc_liaison, activity=activity, people=3, group=elderly)
    organizer = client_for("yc_liaison")
    report_url = reverse("activities:report", args=[activity.pk])

    # Before the end there is nothing to fill in.
    page = organizer.get(report_url).content.decode()
    assert "活动结束（在活动页面标记为已结束）后才能填写参与情况" in page and 'name="walk_ins_' not in page

    organizer.post(reverse("activities:transition", args=[activity.pk, "finish"]))
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.FINISHED

    # Check-ins are counted by the platform; walk-ins and online views are entered.
    page = organizer.get(report_url).content.decode()
    assert f'name="walk_ins_{youth.pk}"' in page and f'name="online_{elderly.pk}"' in page
    data = {"narrative": "反响热烈", f"walk_ins_{youth.pk}": "10", f"online_{youth.pk}": "100",
            f"walk_ins_{elderly.pk}": "2"}
    response = organizer.post(report_url, data)
    assert response.status_code == 302
    report = ParticipationReport.objects.get(activity=activity)
    counts = {c.group.key: (c.registered, c.walk_ins, c.online) for c in report.counts.select_related("group")}
    assert counts == {"youth": (1, 10, 100), "elderly": (0, 5, 0)}
    assert report.person_times == 116 and report.narrative == "反响热烈"
    # The page shows what was entered, not the stored sum with the counted walk-ins.
    page = organizer.get(report_url).content.decode()
    assert f'name="walk_ins_{elderly.pk}" value="2"' in page and "116" in page

    # A real PNG is kept; a text file named .png is refused, and the page says which and why.
    real = SimpleUploadedFile("现场照片.png", tiny_png(), content_type="image/png")
    fake = SimpleUploadedFile("假照片.png", b"just some text, not an image", content_type="image/png")
    response = organizer.post(reverse("activities:evidence_upload", args=[activity.pk]),
                              {"files": [real, fake], "description": "现场"}, follow=True)
    page = response.content.decode()
    assert "已上传 1 个文件" in page
    assert "“假照片.png”未上传" in page and "不是允许的类型" in page
    evidence = Evidence.objects.get()
    assert evidence.original_name == "现场照片.png" and evidence.content_type == "image/png"
    assert reverse("activities:evidence", args=[activity.pk, evidence.pk]) in page
    download = organizer.get(reverse("activities:evidence", args=[activity.pk, evidence.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == tiny_png()

    organizer.post(reverse("activities:report_submit", args=[activity.pk]))
    activity.refresh_from_db()
    report.refresh_from_db()
    assert activity.status == ActivityStatus.REPORTED and report.status == ParticipationReport.Status.SUBMITTED
    page = organizer.get(report_url).content.decode()
    assert 'name="walk_ins_' not in page and "已报送" in page
    assert reverse("activities:report_return", args=[activity.pk]) not in page  # the organizer cannot return it

    # The district admin sends it back with a comment; the organizer sees it and may edit again.
    admin = client_for("yc_admin")
    assert reverse("activities:report_return", args=[activity.pk]) in admin.get(report_url).content.decode()
    admin.post(reverse("activities:report_return", args=[activity.pk]), {"comment": "请补充现场照片说明"})
    activity.refresh_from_db()
    report.refresh_from_db()
    assert activity.status == ActivityStatus.FINISHED and report.status == ParticipationReport.Status.RETURNED
    page = organizer.get(report_url).content.decode()
    assert "报告被退回" in page and "请补充现场照片说明" in page and f'name="walk_ins_{youth.pk}"' in page
    detail = organizer.get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert "请补充现场照片说明" in detail
    assert AuditEntry.objects.filter(action="report.returned", object_id=str(activity.pk)).exists()


def test_report_checks_ownership(client_for, personas):
    activity = finished()
    report = services.report_save(actor=personas.yc_admin, activity=activity, narrative="", counts={})
    evidence = services.evidence_add(actor=personas.yc_admin, activity=activity,
                                     upload=SimpleUploadedFile("a.png", tiny_png()))
    spb = client_for("spb_admin")
    assert spb.get(reverse("activities:report", args=[activity.pk])).status_code == 404
    assert spb.get(reverse("activities:evidence", args=[activity.pk, evidence.pk])).status_code == 404
    assert spb.post(reverse("activities:evidence_delete", args=[activity.pk, evidence.pk])).status_code == 404
    assert spb.post(reverse("activities:report_submit", args=[activity.pk])).status_code == 404
    # Evidence is reached only through its own activity.
    other = finished()
    yc = client_for("yc_admin")
    assert yc.get(reverse("activities:evidence", args=[other.pk, evidence.pk])).status_code == 404
    assert report.pk


def test_report_requires_the_right_to_report_or_return(client_for, personas, yc_education):
    activity = finished()
    reviewer = client_for("yc_reviewer")
    assert reviewer.get(reverse("activities:report", args=[activity.pk])).status_code == 200
    assert reviewer.post(reverse("activities:report", args=[activity.pk]), {"narrative": "x"}).status_code == 403
    assert reviewer.post(reverse("activities:evidence_upload", args=[activity.pk])).status_code == 403
    assert reviewer.post(reverse("activities:report_submit", args=[activity.pk])).status_code == 403
    group = TargetGroup.objects.get(key="youth")
    services.report_save(actor=personas.yc_admin, activity=activity, narrative="", counts={group.pk: (5, 0)})
    services.report_submit(actor=personas.yc_admin, activity=activity)
    liaison_activity = finished(organizer=yc_education)
    liaison = client_for("yc_liaison")
    assert liaison.post(reverse("activities:report_return", args=[liaison_activity.pk]),
                        {"comment": "x"}).status_code == 403
    # A reviewer may send a report back.
    reviewer.post(reverse("activities:report_return", args=[activity.pk]), {"comment": "数字有误"})
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.FINISHED


def test_report_explains_bad_input_in_chinese(client_for, personas):
    activity = finished()
    group = TargetGroup.objects.get(key="farmers")
    client = client_for("yc_admin")
    url = reverse("activities:report", args=[activity.pk])
    response = client.post(url, {f"walk_ins_{group.pk}": "-4", f"online_{group.pk}": "很多"})
    page = response.content.decode()
    assert response.status_code == 400 and "参与情况未保存" in page
    assert "大于或等于0" in page and "输入整数" in page
    response = client.post(reverse("activities:report_submit", args=[activity.pk]), follow=True)
    assert "请先填写参与人次" in response.content.decode()
    response = client.post(reverse("activities:evidence_upload", args=[activity.pk]), follow=True)
    assert "请选择要上传的文件" in response.content.decode()
    services.report_save(actor=personas.yc_admin, activity=activity, narrative="", counts={group.pk: (1, 0)})
    services.report_submit(actor=personas.yc_admin, activity=activity)
    response = client.post(reverse("activities:report_return", args=[activity.pk]), {"comment": "  "}, follow=True)
    assert "请填写退回意见" in response.content.decode()
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.REPORTED


def test_evidence_can_be_deleted_before_submitting(client_for, personas):
    activity = finished()
    evidence = services.evidence_add(actor=personas.yc_admin, activity=activity,
                                     upload=SimpleUploadedFile("签到表.png", tiny_png()))
    client = client_for("yc_admin")
    assert client.get(reverse("activities:evidence_delete", args=[activity.pk, evidence.pk])).status_code == 405
    response = client.post(reverse("activities:evidence_delete", args=[activity.pk, evidence.pk]), follow=True)
    assert "已删除“签到表.png”" in response.content.decode()
    assert not Evidence.objects.exists()
