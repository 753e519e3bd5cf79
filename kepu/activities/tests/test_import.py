"""Bulk import of activities: the importer, the `kepu import activities` command and the staff pages."""

import csv
import datetime
import io
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from kepu.activities.models import Activity, ParticipationReport, ReportCount
from kepu.core.imports import get_importer, run_import
from kepu.core.models import AuditEntry

HEADER = ["活动名称", "活动形式", "主办单位", "区划代码", "开始时间", "结束时间", "活动地点", "主题日", "目标人群",
          "科技志愿服务活动", "参与人次", "活动简介"]
GOOD = [
    HEADER,
    ["节水知识讲座", "讲座", "永川区科协", "500118", "2024-03-22 09:00", "2024-03-22 11:00", "永川区科技馆",
     "世界水日", "青少年、老年人", "是", "1,200", "讲节水"],
    ["流动科技馆进街道", "mobile_museum", "区教委", "500118001", "2024/5/18 9:00", "2024/5/20", "中山路街道",
     "科技活动周、全国科技工作者日", "青少年", "否", "", ""],
    ["暑期科学营", "培训", "区科协", "500118", "2099-07-01 09:00", "2099-07-05 17:00", "", "", "", "", "", ""],
]


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def do_import(data, *, name="activities.csv", actor=None, dry_run=False, preset=True):
    importer = get_importer("activities")
    if preset:
        importer.actor = actor
    return run_import(importer, data, filename=name, actor=actor, dry_run=dry_run)


def problems(result) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in result.errors}


# --- the importer ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_good_file_imports_activities_and_their_reported_audience(yc_education):
    logged = AuditEntry.objects.filter(action="import.activities").count()
    result = do_import(csv_bytes(GOOD))
    assert result.ok, result.errors
    assert result.created == 3
    lecture = Activity.objects.get(title="节水知识讲座")
    assert (lecture.organizer.name, lecture.organizer.region.code) == ("区科协", "500118")  # matched by full name
    assert (lecture.kind, lecture.status, lecture.is_volunteer_service) == ("lecture", "reported", True)
    assert lecture.region_path == "500000/500118/" and lecture.venue == "永川区科技馆"
    assert timezone.localtime(lecture.start) == timezone.make_aware(datetime.datetime(2024, 3, 22, 9))
    assert [d.name for d in lecture.theme_days.all()] == ["世界水日"]
    assert {g.key for g in lecture.target_groups.all()} == {"youth", "elderly"}
    report = ParticipationReport.objects.get(activity=lecture)
    assert (report.status, report.person_times) == ("submitted", 1200) and report.submitted_at
    count = ReportCount.objects.get(report=report)
    assert (count.group.key, count.total) == ("public", 1200)
    caravan = Activity.objects.get(title="流动科技馆进街道")
    assert (caravan.organizer, caravan.region.code, caravan.status) == (yc_education, "500118001", "finished")
    assert timezone.localtime(caravan.end) == timezone.make_aware(datetime.datetime(2024, 5, 20, 23, 59))
    assert caravan.theme_days.count() == 2 and not hasattr(caravan, "report")
    assert Activity.objects.get(title="暑期科学营").status == "draft"
    # One audit entry for the file, not one per row.
    assert AuditEntry.objects.filter(action="import.activities").count() == logged + 1
    assert not AuditEntry.objects.filter(action="activity.created").exists()


@pytest.mark.django_db
def test_excel_dates_and_any_column_order_are_accepted():
    rows = [["备注", "开始时间", "结束时间", "区划代码", "主办单位", "活动形式", "活动名称"],
            ["多余的列", datetime.datetime(2024, 5, 18, 9, 30), datetime.datetime(2024, 5, 18, 11), "500118000000",
             "区科协", "展览", "科技展"],
            ["", 45430.375, 45430.5, "500118", "区科协", "展览", "序号日期"]]
    result = do_import(xlsx_bytes(rows), name="a.xlsx")
    assert result.ok, result.errors
    shown = Activity.objects.get(title="科技展")
    assert timezone.localtime(shown.start) == timezone.make_aware(datetime.datetime(2024, 5, 18, 9, 30))
    assert shown.region.code == "500118"
    serial = Activity.objects.get(title="序号日期")
    assert timezone.localtime(serial.start) == timezone.make_aware(datetime.datetime(2024, 5, 18, 9))


@pytest.mark.django_db
def test_a_bad_file_writes_nothing_and_names_rows_and_columns(personas):
    rows = [
        HEADER,
        ["好的一行", "讲座", "区科协", "500118", "2024-03-22 09:00", "2024-03-22 11:00", "", "", "", "", "", ""],
        ["未知单位", "讲座", "区火星局", "500118", "2024-03-22 09:00", "2024-03-22 11:00", "", "", "", "", "", ""],
        ["日期有误", "讲座", "区科协", "500118", "2024-02-30 09:00", "明天", "", "", "", "", "", ""],
        ["先结束", "讲座", "区科协", "500118", "2024-03-22 09:00", "2024-03-21 11:00", "", "", "", "", "", ""],
        ["形式未知", "茶话会", "区科协", "500118", "2024-03-22 09:00", "2024-03-22 11:00", "", "", "", "", "", ""],
        ["别的区", "讲座", "区教委", "500106", "2024-03-22 09:00", "2024-03-22 11:00", "", "", "", "", "", ""],
        ["没有的区划", "讲座", "区科协", "599999", "2024-03-22 09:00", "2024-03-22 11:00", "", "", "", "", "", ""],
        ["未知主题日", "讲座", "区科协", "500118", "2024-03-22 09:00", "2024-03-22 11:00", "", "火星日", "外星人",
         "也许", "很多", ""],
        ["将来的人次", "讲座", "区科协", "500118", "2099-03-22 09:00", "2099-03-22 11:00", "", "", "", "", "30", ""],
        ["", "", "", "", "", "", "", "", "", "", "", "有简介但没有名称"],
    ]
    result = do_import(csv_bytes(rows), actor=personas.yc_admin)
    assert not result.ok
    assert problems(result) == {
        (3, "主办单位"), (4, "开始时间"), (4, "结束时间"), (5, "结束时间"), (6, "活动形式"), (7, "区划代码"),
        (8, "区划代码"), (9, "主题日"), (9, "目标人群"), (9, "科技志愿服务活动"), (9, "参与人次"), (10, "参与人次"),
        (11, "活动名称"), (11, "活动形式"), (11, "主办单位"), (11, "区划代码"), (11, "开始时间"), (11, "结束时间"),
    }
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "区火星局" in messages[(3, "主办单位")]
    assert "2024-02-30" in messages[(4, "开始时间")]
    assert messages[(5, "结束时间")] == "结束时间不能早于开始时间"
    assert "茶话会" in messages[(6, "活动形式")]
    assert messages[(7, "区划代码")] == "不在您的管理范围内"
    assert "599999" in messages[(8, "区划代码")]
    assert "火星日" in messages[(9, "主题日")] and "外星人" in messages[(9, "目标人群")]
    assert str(result.errors[0]).startswith("第 3 行「主办单位」")
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_rows_outside_the_uploaders_scope_are_errors_not_skipped(personas):
    rows = [HEADER,
            ["区教委的活动", "讲座", "区教委", "500118", "2024-03-22 09:00", "2024-03-22 11:00", "", "", "", "", "", ""],
            ["区科协的活动", "讲座", "区科协", "500118", "2024-03-22 09:00", "2024-03-22 11:00", "", "", "", "", "", ""],
            ["沙坪坝的活动", "讲座", "区教委", "500106", "2024-03-22 09:00", "2024-03-22 11:00", "", "", "", "", "", ""]]
    result = do_import(csv_bytes(rows), actor=personas.yc_liaison)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "主办单位", "不在您的管理范围内"), (4, "区划代码", "不在您的管理范围内")]
    # Without the actor set on the importer, the commit still refuses (and writes nothing).
    result = do_import(csv_bytes(rows), actor=personas.yc_liaison, preset=False)
    assert {(e.row, e.message) for e in result.errors} == {(3, "不在您的管理范围内"), (4, "不在您的管理范围内")}
    assert not Activity.objects.exists()
    result = do_import(csv_bytes(rows[:2]), actor=personas.yc_liaison)
    assert result.ok and Activity.objects.get().created_by == personas.yc_liaison


@pytest.mark.django_db
def test_the_same_activity_twice_is_refused():
    row = ["讲座", "讲座", "区科协", "500118", "2024-03-22 09:00", "2024-03-22 11:00", "", "", "", "", "50", ""]
    result = do_import(csv_bytes([HEADER, row, row]))
    assert [(e.row, e.column) for e in result.errors] == [(3, "活动名称")]
    assert "第 2 行" in result.errors[0].message
    assert do_import(csv_bytes([HEADER, row])).ok
    again = do_import(csv_bytes([HEADER, row]))
    assert [(e.row, e.column) for e in again.errors] == [(2, "活动名称")]
    assert Activity.objects.count() == 1


@pytest.mark.django_db
def test_a_missing_required_column_is_reported_on_the_header_row():
    result = do_import(csv_bytes([["活动名称", "活动形式"], ["讲座", "讲座"]]))
    assert {(e.row, e.column) for e in result.errors} == {(1, "主办单位"), (1, "区划代码"), (1, "开始时间"), (1, "结束时间")}


@pytest.mark.django_db
def test_a_dry_run_counts_and_writes_nothing():
    result = do_import(csv_bytes(GOOD), dry_run=True)
    assert result.ok and result.created == 3
    assert not Activity.objects.exists() and not ParticipationReport.objects.exists()
    assert not AuditEntry.objects.filter(action="import.activities").exists()


@pytest.mark.django_db
def test_ten_thousand_rows_import_quickly():
    start = datetime.datetime(2023, 1, 1, 9)
    rows = [HEADER]
    for i in range(10_000):
        when = start + datetime.timedelta(hours=5 * i)
        rows.append([f"活动{i}", "讲座", "区科协", "500118001" if i % 2 else "500118", f"{when:%Y-%m-%d %H:%M}",
                     f"{when + datetime.timedelta(hours=2):%Y-%m-%d %H:%M}", "", "世界水日" if i % 3 == 0 else "",
                     "青少年", "", str(100 + i) if when.year < 2025 else "", ""])
    began = time.monotonic()
    result = do_import(csv_bytes(rows))
    elapsed = time.monotonic() - began
    assert result.ok and result.created == 10_000
    assert Activity.objects.count() == 10_000
    assert elapsed < 60, elapsed


# --- the command -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_exit_codes(tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.xlsx"
    good.write_bytes(csv_bytes(GOOD))
    bad.write_bytes(xlsx_bytes([HEADER, ["x", "茶话会", "区科协", "500118", "2024-03-22 09:00", "2024-03-22 11:00"]]))
    call_command("import", "activities", str(good), "--dry-run")
    assert "3 would be created" in capsys.readouterr().out
    assert not Activity.objects.exists()
    call_command("import", "activities", str(good))
    assert Activity.objects.count() == 3
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "activities", str(bad), "--errors-to", str(tmp_path / "errors.xlsx"))
    assert exit_info.value.code == 1
    assert "第 2 行「活动形式」" in capsys.readouterr().err
    sheet = openpyxl.load_workbook(tmp_path / "errors.xlsx").active
    assert sheet.cell(1, sheet.max_column).value == "错误" and "茶话会" in sheet.cell(2, sheet.max_column).value
    with pytest.raises(CommandError) as error:
        call_command("import", "activities", str(tmp_path / "missing.csv"))
    assert error.value.returncode == 2
    call_command("import", "activities", "--template", str(tmp_path / "t.xlsx"))
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").active.cell(1, 1).value == "活动名称"
    assert Activity.objects.count() == 3


# --- the staff pages ------------------------------------------------------------------------------------------


def upload(client, data: bytes, name="activities.csv"):
    return client.post("/activities/import/", {"file": SimpleUploadedFile(name, data)})


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "status"), [
    ("anonymous", 302), ("citizen", 403), ("outsider", 403), ("yc_reviewer", 403), ("yc_liaison", 200),
    ("yc_admin", 200), ("platform_admin", 200),
])
def test_who_may_use_the_import_page(client_for, persona, status):
    client = client_for(persona)
    assert client.get("/activities/import/").status_code == status
    assert client.get("/activities/import/template.xlsx").status_code == status
    response = upload(client, csv_bytes(GOOD[:2]))
    assert response.status_code == status
    assert not Activity.objects.exists()  # an upload is only a dry run


@pytest.mark.django_db
def test_upload_preview_confirm(client_for, personas):
    client = client_for("yc_admin")
    page = client.get("/activities/import/").content.decode()
    assert "下载模板" in page and "/activities/import/template.xlsx" in page and "活动名称" in page
    response = upload(client, csv_bytes(GOOD))
    assert response.status_code == 200
    page = response.content.decode()
    assert "校验通过：将导入 3 项活动" in page and "确认导入" in page and "节水知识讲座" in page
    assert not Activity.objects.exists()
    response = client.post("/activities/import/confirm/")
    assert response.status_code == 302 and response.url == "/activities/"
    assert Activity.objects.count() == 3
    assert set(Activity.objects.values_list("created_by", flat=True)) == {personas.yc_admin.pk}
    assert "activities_import" not in client.session
    # Confirming again has nothing to import.
    response = client.post("/activities/import/confirm/", follow=True)
    assert "没有待导入的文件" in response.content.decode()
    assert Activity.objects.count() == 3
    assert client.get("/activities/import/confirm/").status_code == 405


@pytest.mark.django_db
def test_a_bad_upload_shows_the_errors_and_cannot_be_confirmed(client_for):
    client = client_for("yc_admin")
    rows = [HEADER, GOOD[1], ["别的区", "讲座", "区教委", "500106", "2024-03-22 09:00", "2024-03-22 11:00"]]
    response = upload(client, xlsx_bytes(rows), name="活动.xlsx")
    page = response.content.decode()
    assert "发现 1 个错误" in page and "不在您的管理范围内" in page and "确认导入" not in page
    assert 'data-label="行">3<' in page and "区划代码" in page
    errors = client.get("/activities/import/errors.xlsx")
    assert errors.status_code == 200
    assert errors["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(errors.content)).active
    assert sheet.cell(3, sheet.max_column).value == "「区划代码」不在您的管理范围内"
    response = client.post("/activities/import/confirm/")
    assert response.status_code == 200 and "不在您的管理范围内" in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_the_upload_form_checks_the_file(client_for):
    client = client_for("yc_admin")
    response = upload(client, b"hello", name="notes.txt")
    assert response.status_code == 200 and "请上传 .xlsx 或 .csv 文件" in response.content.decode()
    response = client.post("/activities/import/", {})
    assert "该字段是必填项" in response.content.decode()
    response = upload(client, b"PK\x03\x04 not really a workbook", name="broken.xlsx")
    assert "无法读取 Excel 文件" in response.content.decode()
    assert client.get("/activities/import/errors.xlsx").status_code == 200  # the file's own error


@pytest.mark.django_db
def test_a_large_upload_waits_in_a_file_not_the_session(client_for, settings, tmp_path, monkeypatch):
    from kepu.activities.views import imports

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(imports, "INLINE_BYTES", 10)
    client = client_for("yc_liaison")
    rows = [HEADER, ["区教委讲座", "讲座", "区教委", "500118", "2024-03-22 09:00", "2024-03-22 11:00"]]
    upload(client, csv_bytes(rows))
    pending = client.session["activities_import"]
    assert "data" not in pending
    stored = tmp_path / "imports" / pending["file"]
    assert stored.is_file() and len(pending["file"]) == 36
    response = client.post("/activities/import/confirm/")
    assert response.status_code == 302
    assert not stored.exists()
    assert Activity.objects.get().title == "区教委讲座"


@pytest.mark.django_db
def test_the_template_download(client_for):
    response = client_for("yc_liaison").get("/activities/import/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]] == HEADER
    assert book.worksheets[1].cell(2, 1).value == "活动名称"
