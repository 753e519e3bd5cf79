"""Imports of venues, certifications, visitor figures and village officers, their pages and the command."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from kepu.accounts.models import Role, RoleAssignment, User
from kepu.core import pii
from kepu.core.models import AuditEntry
from kepu.orgs.tests.test_base_imports import (
    do_import,
    headers_of_template,
    problems,
    spb_town,
    upload,
    xlsx_bytes,
)
from kepu.regions.models import Region

from ..models import Certification, Level, Venue, VenueType, VisitorFigure
from .factories import appoint_officer, make_venue, make_village

pytestmark = pytest.mark.django_db

HEADER = ["名称", "类型", "区划代码", "所属区划", "运营单位", "地址", "经度", "纬度", "开放时间", "建筑面积", "展教面积",
          "容纳人数", "是否开放", "建成日期", "停用日期"]


def venue(name="永川科技馆", kind="科技馆", code="500118", region_name="", unit="", **cells) -> list[str]:
    row = dict(zip(HEADER, [name, kind, code, region_name, unit, "", "", "", "", "", "", "", "", "", ""], strict=True))
    row.update(cells)
    return list(row.values())


# --- venues ---------------------------------------------------------------------------------------


def test_a_good_venue_file_imports(personas):
    village = make_village("500118100", name="石梁村")
    rows = [HEADER,
            venue("永川科技馆", "科技馆", "500118", unit="区科协", 地址="永川区人民大道 1 号", 经度="105.927", 纬度="29.356",
                  开放时间="周二至周日 9:00-17:00", 建筑面积="5,000", 展教面积="1200.45", 容纳人数="300", 是否开放="是",
                  建成日期="2019-05-01"),
            venue("青峰镇科普活动室", "社区科普馆/活动室(站)", "", "青峰镇", 是否开放="否"),
            venue("石梁村科普画廊", "科普画廊", "", "青峰镇石梁村", 建成日期="2018/3/1", 停用日期="2023年12月31日"),
            venue("永川区 LED 屏", "LED 科普屏", village.code)]
    result = do_import("venues", rows, actor=personas.yc_admin)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.skipped) == (4, 0, 0)
    museum = Venue.objects.get(name="永川科技馆")
    assert museum.type == VenueType.SCIENCE_MUSEUM and museum.unit.name == "区科协"
    assert museum.region_path == "500000/500118/" and museum.address == "永川区人民大道 1 号"
    assert (museum.longitude, museum.latitude) == (Decimal("105.927000"), Decimal("29.356000"))
    assert (museum.floor_area, museum.exhibition_area, museum.capacity) == (Decimal("5000.0"), Decimal("1200.5"), 300)
    assert museum.is_public and museum.opened_on == datetime.date(2019, 5, 1) and not museum.is_demo
    room = Venue.objects.get(name="青峰镇科普活动室")
    assert room.type == VenueType.ACTIVITY_ROOM and room.region.code == "500118100" and not room.is_public
    board = Venue.objects.get(name="石梁村科普画廊")
    assert board.region == village and board.closed_on == datetime.date(2023, 12, 31)
    assert Venue.objects.get(name="永川区 LED 屏").type == VenueType.LED_SCREEN
    # One audit entry for the batch.
    entry = AuditEntry.objects.get(action="import.venues")
    assert entry.changes["created"] == 4 and entry.actor == personas.yc_admin


def test_a_bad_venue_file_changes_nothing_and_names_row_and_column(personas):
    spb_town()
    rows = [HEADER,
            venue("好阵地"),
            venue("甲", code="599999"),                     # unknown region
            venue("乙", 容纳人数="很多"),                     # bad number
            venue("丙", 建成日期="2024-13-45"),               # bad date
            venue("丁", kind="科普馆X"),                      # unknown type
            venue("戊", code="500106001"),                   # out of scope
            venue("己", 经度="105.9"),                        # longitude without latitude
            venue("庚", 建成日期="2020-01-01", 停用日期="2019-01-01"),
            venue("辛", unit="不存在的单位"),
            venue("好阵地")]                                 # the same venue twice
    result = do_import("venues", rows, actor=personas.yc_admin)
    assert problems(result) == {(3, "区划代码"), (4, "容纳人数"), (5, "建成日期"), (6, "类型"), (7, "区划代码"),
                                (8, "纬度"), (9, "停用日期"), (10, "运营单位"), (11, "名称")}
    by_row = {e.row: str(e) for e in result.errors}
    assert by_row[3] == "第 3 行「区划代码」: 区划代码 599999 不存在"
    assert "“很多”不是数字" in by_row[4] and "无法识别的日期" in by_row[5] and "科普画廊/宣传栏" in by_row[6]
    assert "不在您的管理范围内" in by_row[7] and "与第 2 行重复" in by_row[11]
    assert not Venue.objects.exists()
    assert not AuditEntry.objects.filter(action="import.venues").exists()


def test_dry_run_writes_nothing():
    result = do_import("venues", [HEADER, venue("甲"), venue("乙")], dry_run=True)
    assert result.ok and result.created == 2
    assert not Venue.objects.exists()


def test_a_stored_venue_is_an_error_unless_the_row_says_update(personas):
    stored = make_venue("500118", VenueType.SCIENCE_MUSEUM, name="永川科技馆", address="旧地址", capacity=100)
    result = do_import("venues", [HEADER, venue("永川科技馆", 容纳人数="500")], actor=personas.yc_admin)
    assert problems(result) == {(2, "名称")}
    assert f"编号 {stored.pk}" in result.errors[0].message and "更新已有" in result.errors[0].message
    rows = [[*HEADER, "更新已有"], [*venue("永川科技馆", unit="区科协", 容纳人数="500"), "是"], [*venue("新阵地"), "是"]]
    result = do_import("venues", rows, actor=personas.yc_admin)
    assert (result.created, result.updated, result.skipped) == (1, 1, 0)
    stored.refresh_from_db()
    assert stored.capacity == 500 and stored.address == "旧地址" and stored.unit.name == "区科协"
    assert do_import("venues", rows[:2], actor=personas.yc_admin).skipped == 1


def test_a_village_officer_imports_venues_of_their_village_only(personas):
    village, other = make_village("500118100"), make_village("500118100")
    officer = appoint_officer(village).user
    result = do_import("venues", [HEADER, venue("甲", "科普画廊", village.code), venue("乙", "科普画廊", other.code)],
                       actor=officer)
    assert problems(result) == {(3, "区划代码")}


def test_a_unit_liaison_imports_the_venues_their_unit_runs(personas):
    rows = [HEADER, venue("区教委青少年科技活动中心", "青少年科普教育基地", unit="区教委"), venue("别人的阵地")]
    result = do_import("venues", rows, actor=personas.yc_liaison)
    assert problems(result) == {(3, "区划代码")}
    assert do_import("venues", rows[:2], actor=personas.yc_liaison).ok
    assert Venue.objects.get().unit.name == "区教委"


def test_the_venue_page_flow_and_template(client_for):
    client = client_for("yc_admin")
    page = client.get("/venues/import/").content.decode()
    assert "/venues/import/template.xlsx" in page and "更新已有" in page
    response = client.get("/venues/import/template.xlsx")
    assert response.status_code == 200 and headers_of_template(response.content)[:4] == HEADER[:4]
    response = upload(client, "/venues/import/", [HEADER, venue("甲"), venue("乙", code="500106")])
    assert "不在您的管理范围内" in response.content.decode() and not Venue.objects.exists()
    response = upload(client, "/venues/import/", [HEADER, venue("甲"), venue("乙")])
    assert "将新增 2 条" in response.content.decode() and not Venue.objects.exists()
    response = client.post("/venues/import/confirm/")
    assert response.status_code == 302 and response.url == "/venues/"
    assert Venue.objects.count() == 2


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 302), ("citizen", 403), ("outsider", 403),
                                                  ("yc_reviewer", 403), ("yc_liaison", 200), ("yc_admin", 200)])
def test_who_may_open_the_pages(client_for, persona, status):
    client = client_for(persona)
    for page in ("/venues/import/", "/venues/certifications/import/", "/venues/visitors/import/"):
        assert client.get(page).status_code == status
        assert client.get(page + "template.xlsx").status_code == status
    # Appointing officers is a role grant: region admins only.
    assert client_for(persona).get("/venues/officers/import/").status_code == (403 if status == 200 and
                                                                               persona == "yc_liaison" else status)


def test_the_venue_command(tmp_path, capsys):
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(xlsx_bytes([HEADER, venue("甲"), venue("乙")]))
    bad.write_bytes(xlsx_bytes([HEADER, venue("丙", code="599999")]))
    call_command("import", "venues", str(good), "--dry-run")
    assert "2 would be created" in capsys.readouterr().out and not Venue.objects.exists()
    call_command("import", "venues", str(good))
    assert Venue.objects.count() == 2
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "venues", str(bad), "--errors-to", str(tmp_path / "errors.xlsx"))
    assert exit_info.value.code == 1 and "第 2 行「区划代码」" in capsys.readouterr().err
    assert openpyxl.load_workbook(tmp_path / "errors.xlsx").active.cell(1, len(HEADER) + 1).value == "错误"
    call_command("import", "venues", "--template", str(tmp_path / "t.xlsx"))
    assert headers_of_template((tmp_path / "t.xlsx").read_bytes())[:2] == ["名称", "类型"]
    for kind in ("venue_certifications", "visitor_figures", "village_officers"):
        call_command("import", kind, "--template", str(tmp_path / f"{kind}.xlsx"))
    assert Venue.objects.count() == 2


# --- certifications and visitor figures -----------------------------------------------------------

CERT_HEADER = ["阵地", "区划代码", "级别", "称号", "认定单位", "认定年度", "有效期至", "复评日期", "文号"]


def test_certifications_import_upsert_and_errors(personas):
    base = make_venue("500118", VenueType.EDUCATION_BASE, name="永川区科普教育基地")
    make_venue("500118", VenueType.GALLERY, name="同名阵地")
    make_venue("500118", VenueType.LED_SCREEN, name="同名阵地")
    rows = [CERT_HEADER, ["永川区科普教育基地", "500118", "市级", "重庆市科普教育基地", "重庆市科协", "2022", "2026-12-31", "2025-06-30",
                          "渝科协〔2022〕1号"],
            ["永川区科普教育基地", "500118", "国家级", "", "中国科协", "2021", "", "", ""]]
    result = do_import("venue_certifications", rows, actor=personas.yc_admin)
    assert result.ok and result.created == 2
    municipal = Certification.objects.get(venue=base, level=Level.MUNICIPAL)
    assert municipal.valid_until == datetime.date(2026, 12, 31) and municipal.document_number == "渝科协〔2022〕1号"
    result = do_import("venue_certifications", [CERT_HEADER, ["永川区科普教育基地", "500118", "市级", "", "重庆市科协", "2022",
                                                              "2027-12-31", "", ""]], actor=personas.yc_admin)
    assert (result.created, result.updated) == (0, 1)
    municipal.refresh_from_db()
    assert municipal.valid_until == datetime.date(2027, 12, 31) and municipal.title == "重庆市科普教育基地"
    spb_base = make_venue("500106", VenueType.EDUCATION_BASE, name="沙区基地")
    bad = [CERT_HEADER, ["不存在的阵地", "500118", "市级", "", "市科协", "2022", "", "", ""],
           ["永川区科普教育基地", "599999", "市级", "", "市科协", "2022", "", "", ""],
           ["永川区科普教育基地", "500118", "省部级", "", "市科协", "2022", "", "", ""],
           ["永川区科普教育基地", "500118", "区县级", "", "", "2022", "", "", ""],
           ["永川区科普教育基地", "500118", "区县级", "", "区科协", "2022", "2020-01-01", "", ""],
           ["永川区科普教育基地", "500118", "区县级", "", "区科协", "2023", "明年", "", ""],
           ["同名阵地", "500118", "区县级", "", "区科协", "2023", "", "", ""],
           [spb_base.name, "500106", "区县级", "", "区科协", "2023", "", "", ""]]
    result = do_import("venue_certifications", bad, actor=personas.yc_admin)
    assert problems(result) == {(2, "阵地"), (3, "区划代码"), (4, "级别"), (5, "认定单位"), (6, "有效期至"), (7, "有效期至"),
                                (8, "阵地"), (9, "区划代码")}
    assert "请填写阵地类型" in {e.row: e.message for e in result.errors}[8]
    assert Certification.objects.count() == 2
    assert do_import("venue_certifications", [[*CERT_HEADER, "阵地类型"],
                                              ["同名阵地", "500118", "区县级", "", "区科协", "2023", "", "", "", "LED 科普屏"]]).ok


def test_visitor_figures_import_upsert_and_errors(personas):
    museum = make_venue("500118", VenueType.SCIENCE_MUSEUM, name="永川科技馆")
    header = ["阵地", "区划代码", "年度", "月份", "接待人次"]
    result = do_import("visitor_figures", [header, ["永川科技馆", "500118", "2024", "3", "12,000"],
                                           ["永川科技馆", "500118", "2024", "4月", "9000"]], actor=personas.yc_admin)
    assert result.ok and result.created == 2
    assert VisitorFigure.objects.get(venue=museum, month=3).visitors == 12000
    result = do_import("visitor_figures", [header, ["永川科技馆", "500118", "2024", "3", "12500"],
                                           ["永川科技馆", "500118", "2024", "4", "9000"]], actor=personas.yc_admin)
    assert (result.created, result.updated, result.skipped) == (0, 1, 1)
    assert VisitorFigure.objects.get(venue=museum, month=3).visitors == 12500
    next_year = datetime.date.today().year + 1
    bad = [header, ["永川科技馆", "500118", "2024", "13", "1"], ["永川科技馆", "500118", "2024", "5", "-1"],
           ["永川科技馆", "500118", str(next_year), "1", "1"], ["永川科技馆", "500118", "2024", "6", ""],
           ["永川科技馆", "599999", "2024", "6", "1"], ["沙区科技馆", "500106", "2024", "6", "1"]]
    make_venue("500106", VenueType.SCIENCE_MUSEUM, name="沙区科技馆")
    result = do_import("visitor_figures", bad, actor=personas.yc_admin)
    assert problems(result) == {(2, "月份"), (3, "接待人次"), (4, "月份"), (5, "接待人次"), (6, "区划代码"),
                                (7, "区划代码")}
    assert "不在您的管理范围内" in {e.row: e.message for e in result.errors}[7]
    assert VisitorFigure.objects.count() == 2
    # A name with spaces is found as typed (the database holds it so) and without them.
    spaced = make_venue("500118", VenueType.LED_SCREEN, name="永川区 LED 屏")
    assert do_import("visitor_figures", [header, ["永川区 LED 屏", "500118", "2024", "3", "1"]]).ok
    assert do_import("visitor_figures", [header, ["永川区LED屏", "500118", "2024", "4", "1"]]).ok
    assert VisitorFigure.objects.filter(venue=spaced).count() == 2


# --- village officers -----------------------------------------------------------------------------

OFFICER_HEADER = ["村（社区）代码", "村（社区）", "镇（街）", "姓名", "手机号"]


def test_village_officers_import_and_skip_those_appointed(personas):
    village = make_village("500118100", name="石梁村")
    community = make_village("500118001", rural=False, name="萱花社区")
    rows = [OFFICER_HEADER, [village.code, "", "", "张三", "13800000001"], ["", "萱花社区", "中山路街道", "李四", "138 0000 0002"]]
    result = do_import("village_officers", rows, actor=personas.yc_admin)
    assert result.ok and result.created == 2
    assert RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER, region=village, user__phone="13800000001").exists()
    assert RoleAssignment.objects.get(role=Role.VILLAGE_OFFICER, region=community).user.display_name == "李四"
    result = do_import("village_officers", rows, actor=personas.yc_admin)
    assert result.ok and (result.created, result.skipped) == (0, 2)
    assert User.objects.filter(phone="13800000001").count() == 1


def test_bad_officer_rows_name_row_and_column_without_the_phone_number(personas):
    village = make_village("500118100")
    spb_village = make_village(spb_town())
    rows = [OFFICER_HEADER, ["599999000000", "", "", "甲", "13800000001"],
            [village.code, "", "", "乙", "1380000"],
            ["500118100", "", "", "丙", "13800000003"],
            [spb_village.code, "", "", "丁", "13800000004"],
            ["", "不存在村", "青峰镇", "戊", "13800000005"],
            [village.code, "", "", "", "13800000006"],
            [village.code, "", "", "己", "13800000007"], [village.code, "", "", "己", "13800000007"]]
    result = do_import("village_officers", rows, actor=personas.yc_admin)
    assert problems(result) == {(2, "村（社区）代码"), (3, "手机号"), (4, "村（社区）代码"), (5, "村（社区）代码"),
                                (6, "村（社区）"), (7, "姓名"), (9, "手机号")}
    assert all("1380000" not in e.message for e in result.errors)
    assert not RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER).exists()


def test_the_officer_page_masks_phone_numbers_in_the_preview_and_the_error_workbook(client_for):
    village = make_village("500118100")
    client = client_for("yc_admin")
    rows = [OFFICER_HEADER, [village.code, "", "", "张三", "13812345678"], ["500118100999", "", "", "李四", "13912345678"]]
    page = upload(client, "/venues/officers/import/", rows).content.decode()
    assert "13812345678" not in page and pii.mask_phone("13812345678") in page and "区划代码 500118100999 不存在" in page
    content = client.get("/venues/officers/import/errors.xlsx").content
    cells = [str(c) for row in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for c in row]
    assert "13812345678" not in cells and "13912345678" not in cells and pii.mask_phone("13912345678") in cells
    page = upload(client, "/venues/officers/import/", rows[:2]).content.decode()
    assert "将配备 1 名村级科普员" in page
    client.post("/venues/officers/import/confirm/")
    assert RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER, region=village).count() == 1
    assert Region.objects.get(pk=village.pk).level == "village"
