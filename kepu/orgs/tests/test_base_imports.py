"""Imports of school profiles, 农技协 and funding (kepu.orgs.base_importers), their pages, and the
shared rules: regions by code or name under the uploader's regions, units nearby, scope per row.

The helpers at the top are shared with the venue and channel import tests.
"""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from kepu.core.imports import get_importer, run_import
from kepu.core.models import AuditEntry
from kepu.orgs.models import (
    FeatureLevel,
    FundingRecord,
    RuralTechAssociation,
    SchoolProfile,
    UnitType,
)
from kepu.regions.models import Region

from .factories import make_school

pytestmark = pytest.mark.django_db


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def do_import(kind, rows, *, actor=None, dry_run=False, **attrs):
    """Import rows as the upload page does (the uploader's scope checked per row)."""
    importer = get_importer(kind)
    importer.actor = actor
    for name, value in attrs.items():
        setattr(importer, name, value)
    return run_import(importer, xlsx_bytes(rows), filename="data.xlsx", actor=actor, dry_run=dry_run)


def problems(result) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in result.errors}


def spb_town() -> Region:
    """A town of 沙坪坝区 (the reference tree has towns for 永川区 only): outside yc_admin's scope."""
    from kepu.regions.models import Kind, Level
    from kepu.regions.services import region_create

    return Region.objects.filter(code="500106001").first() or region_create(
        actor=None, parent=Region.objects.get(code="500106"), code="500106001", name="渝碧路街道",
        level=Level.TOWN, kind=Kind.SUBDISTRICT)


def upload(client, url, rows, **extra):
    return client.post(url, {"file": SimpleUploadedFile("data.xlsx", xlsx_bytes(rows)), **extra})


def headers_of_template(content: bytes) -> list[str]:
    return [c.value for c in openpyxl.load_workbook(io.BytesIO(content)).worksheets[0][1]]


# --- finding regions and units -------------------------------------------------------------------

SCHOOL_HEADER = ["学校", "区划代码", "所属区划", "年度", "区属", "科学教师", "专职科技辅导员", "兼职科技辅导员",
                 "科技活动室", "科技特色学校级别"]


def test_regions_by_name_under_the_uploaders_region_and_units_nearby(personas):
    school = make_school("500118100", name="青峰小学")
    make_school(spb_town(), name="青峰小学")
    rows = [SCHOOL_HEADER,
            ["青峰小学", "", "青峰镇", "2024", "是", "2", "", "", "是", ""],
            ["青峰小学", "", "重庆市永川区", "2023", "", "1", "1", "2", "否", "市级"],
            ["青峰小学", "500118", "", "2022", "", "3", "", "", "", ""]]
    result = do_import("school_profiles", rows, actor=personas.yc_admin)
    assert result.ok, result.errors
    assert SchoolProfile.objects.filter(unit=school).count() == 3
    # 青峰镇 is one town in the whole city too: the city admin's file finds the same school.
    assert do_import("school_profiles", rows[:2], actor=personas.city_admin, dry_run=True).ok
    # An unknown name under the uploader's region, and a name that fits two regions.
    result = do_import("school_profiles", [SCHOOL_HEADER, ["青峰小学", "", "不存在镇", "2024", "", "", "", "", "", ""],
                                           ["青峰小学", "", "区教委", "2024", "", "", "", "", "", ""]],
                       actor=personas.yc_admin)
    assert problems(result) == {(2, "所属区划"), (3, "所属区划")}
    assert "在您管理的区划中找不到“不存在镇”" in str(result.errors[0])


def test_a_name_that_fits_several_regions_asks_for_the_code():
    from kepu.venues.tests.factories import make_village

    make_village("500118100", name="石梁村")
    make_village("500118101", name="石梁村")
    school = make_school("500118100", name="石梁村小")
    header = ["学校", "所属区划", "年度", "科学教师"]
    result = do_import("school_profiles", [header, ["石梁村小", "石梁村", "2024", "2"]])
    assert problems(result) == {(2, "所属区划")}
    assert "对应多个区划" in result.errors[0].message and "永川区青峰镇石梁村" in result.errors[0].message
    assert do_import("school_profiles", [header, ["石梁村小", "青峰镇石梁村", "2024", "2"]]).ok
    assert SchoolProfile.objects.get(unit=school).science_teachers == 2


# --- school profiles ------------------------------------------------------------------------------


def test_school_profiles_import_and_upsert_keeping_blank_cells(personas):
    school = make_school("500118001", name="永川中学", type=UnitType.SECONDARY_SCHOOL)
    rows = [SCHOOL_HEADER, ["永川中学", "500118", "", "2024", "是", "2", "1", "3", "是", "市级"]]
    result = do_import("school_profiles", rows, actor=personas.yc_admin)
    assert result.ok and (result.created, result.updated) == (1, 0)
    profile = SchoolProfile.objects.get(unit=school, year=2024)
    assert (profile.science_teachers, profile.tutors_full_time, profile.tutors_part_time) == (2, 1, 3)
    assert profile.has_tech_room and profile.feature_level == FeatureLevel.MUNICIPAL
    assert profile.region == school.region and profile.region_path == school.region.path
    # Again with a new number and blank cells: the number changes, the rest stays.
    rows = [["学校", "区划代码", "年度", "科学教师", "科技活动室", "科技特色学校级别"],
            ["永川中学", "500118", "2024", "4", "", "无"]]
    result = do_import("school_profiles", rows, actor=personas.yc_admin)
    assert (result.created, result.updated, result.skipped) == (0, 1, 0)
    profile.refresh_from_db()
    assert profile.science_teachers == 4 and profile.tutors_part_time == 3 and profile.has_tech_room
    assert profile.feature_level == ""
    assert do_import("school_profiles", rows, actor=personas.yc_admin).skipped == 1
    assert AuditEntry.objects.filter(action="import.school_profiles").count() == 3


def test_a_bad_school_file_changes_nothing_and_names_row_and_column(personas):
    make_school("500118001", name="永川中学", type=UnitType.SECONDARY_SCHOOL)
    make_school("500106", name="沙坪坝小学")
    rows = [SCHOOL_HEADER,
            ["永川中学", "500118", "", "2024", "是", "2", "", "", "是", ""],   # good
            ["永川中学", "599999", "", "2024", "", "", "", "", "", ""],        # unknown region
            ["永川中学", "500118", "", "2023", "", "很多", "", "", "", ""],     # bad number
            ["永川中学", "500118", "", "二〇二四", "", "", "", "", "", ""],     # bad year
            ["永川中学", "500118", "", "2022", "", "", "", "", "", "省级示范"],  # unknown level
            ["沙坪坝小学", "500106", "", "2024", "", "", "", "", "", ""],      # out of scope
            ["区教委", "500118", "", "2024", "", "", "", "", "", ""],          # not a school
            ["永川中学", "500118", "", "2024", "", "3", "", "", "", ""]]       # same school and year again
    result = do_import("school_profiles", rows, actor=personas.yc_admin)
    assert problems(result) == {(3, "区划代码"), (4, "科学教师"), (5, "年度"), (6, "科技特色学校级别"),
                                (7, "区划代码"), (8, "学校"), (9, "学校")}
    by_row = {e.row: e.message for e in result.errors}
    assert "区划代码 599999 不存在" in by_row[3] and "不在您的管理范围内" in by_row[7]
    assert "不是中小学" in by_row[8] and "与第 2 行重复" in by_row[9]
    assert str(result.errors[0]).startswith("第 3 行「区划代码」")
    assert not SchoolProfile.objects.exists()


def test_dry_run_writes_nothing():
    make_school("500118001", name="永川中学")
    result = do_import("school_profiles", [SCHOOL_HEADER, ["永川中学", "500118", "", "2024", "", "2", "", "", "", ""]],
                       dry_run=True)
    assert result.ok and result.created == 1
    assert not SchoolProfile.objects.exists() and not AuditEntry.objects.filter(action="import.school_profiles").exists()


def test_a_unit_liaison_may_not_import_another_units_school(personas):
    make_school("500118001", name="永川中学")
    rows = [["学校", "区划代码", "年度", "科学教师"], ["永川中学", "500118", "2024", "2"]]
    result = do_import("school_profiles", rows, actor=personas.yc_liaison)
    assert problems(result) == {(2, "区划代码")} and "不在您的管理范围内" in result.errors[0].message
    assert not SchoolProfile.objects.exists()


# --- 农技协 ---------------------------------------------------------------------------------------

ASSOCIATION_HEADER = ["名称", "镇（街）", "成立日期", "会员数", "入驻智慧农技协平台", "产业领域"]


def test_rural_associations_import_upsert_and_errors(personas):
    rows = [ASSOCIATION_HEADER, ["青峰镇柑橘协会", "青峰镇", "2019-06-01", "120", "是", "柑橘"],
            ["金龙镇茶叶协会", "永川区金龙镇", "2020/3/1", "1,050人", "否", "茶叶"]]
    result = do_import("rural_associations", rows, actor=personas.yc_admin)
    assert result.ok and result.created == 2
    citrus = RuralTechAssociation.objects.get(name="青峰镇柑橘协会")
    assert citrus.region.code == "500118100" and citrus.members == 120 and citrus.on_smart_platform
    assert RuralTechAssociation.objects.get(name="金龙镇茶叶协会").members == 1050
    result = do_import("rural_associations", [ASSOCIATION_HEADER, ["青峰镇柑橘协会", "青峰镇", "", "130", "", ""]],
                       actor=personas.yc_admin)
    assert (result.created, result.updated) == (0, 1)
    citrus.refresh_from_db()
    assert citrus.members == 130 and citrus.industry == "柑橘" and citrus.on_smart_platform
    bad = [ASSOCIATION_HEADER, ["甲协会", "火星镇", "", "", "", ""], ["乙协会", "青峰镇", "2019-02-30", "", "", ""],
           ["丙协会", "青峰镇", "", "一百", "", ""], ["丁协会", "青峰镇", "", "", "也许", ""],
           ["戊协会", "永川区", "", "", "", ""]]
    result = do_import("rural_associations", bad, actor=personas.yc_admin)
    assert problems(result) == {(2, "镇（街）"), (3, "成立日期"), (4, "会员数"), (5, "入驻智慧农技协平台"), (6, "镇（街）")}
    assert "须登记在镇（街）或村（社区）" in {e.row: e.message for e in result.errors}[6]
    spb_town()
    result = do_import("rural_associations", [["名称", "区划代码"], ["己协会", "500106001"]], actor=personas.yc_admin)
    assert problems(result) == {(2, "区划代码")} and "不在您的管理范围内" in result.errors[0].message
    assert RuralTechAssociation.objects.count() == 2


# --- funding --------------------------------------------------------------------------------------

FUNDING_HEADER = ["区划代码", "单位", "年度", "来源", "使用方向", "预算金额", "到位金额", "用途", "预算文号"]


def test_funding_import_refuses_a_record_twice(personas):
    rows = [FUNDING_HEADER, ["500118", "区科协", "2024", "财政预算拨款", "科普活动支出", "1,200,000.00", "1000000", "科普工作经费",
                             "永财行〔2024〕1号"],
            ["500118", "", "2024", "社会捐赠", "", "", "50000", "科普大篷车", ""]]
    result = do_import("funding", rows, actor=personas.yc_admin)
    assert result.ok and result.created == 2
    record = FundingRecord.objects.get(source="fiscal_budget")
    assert record.budgeted == Decimal("1200000.00") and record.unit.name == "区科协"
    assert FundingRecord.objects.get(source="donation").use == "activities"
    result = do_import("funding", rows[:2], actor=personas.yc_admin)
    assert problems(result) == {(2, "用途")} and "已有相同的经费记录" in result.errors[0].message
    bad = [FUNDING_HEADER, ["599999", "", "2024", "财政预算拨款", "", "1", "", "甲", ""],
           ["500118", "", "2024", "天上掉的", "", "1", "", "乙", ""],
           ["500118", "", "2024", "自筹资金", "", "-5", "", "丙", ""],
           ["500118", "", "2024", "自筹资金", "", "", "", "丁", ""],
           ["500106", "", "2024", "自筹资金", "", "10", "", "戊", ""],
           ["500118", "不存在的单位", "2024", "自筹资金", "", "10", "", "己", ""]]
    result = do_import("funding", bad, actor=personas.yc_admin)
    assert problems(result) == {(2, "区划代码"), (3, "来源"), (4, "预算金额"), (5, "预算金额"), (6, "区划代码"), (7, "单位")}
    assert FundingRecord.objects.count() == 2


# --- pages and the command -----------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 302), ("citizen", 403), ("outsider", 403),
                                                  ("yc_reviewer", 403), ("yc_admin", 200), ("platform_admin", 200)])
def test_who_may_open_the_pages(client_for, persona, status):
    client = client_for(persona)
    for page in ("/base/schools/import/", "/base/agri-towns/import/", "/base/funding/import/"):
        assert client.get(page).status_code == status
        assert client.get(page + "template.xlsx").status_code == status


def test_the_school_page_previews_confirms_and_serves_the_template(client_for):
    make_school("500118001", name="永川中学")
    client = client_for("yc_admin")
    response = client.get("/base/schools/import/template.xlsx")
    assert response.status_code == 200 and headers_of_template(response.content)[:4] == ["学校", "区划代码", "所属区划", "年度"]
    page = upload(client, "/base/schools/import/", [SCHOOL_HEADER, ["永川中学", "500118", "", "2024", "", "2", "", "", "", ""]])
    assert "将新增 1 条、更新 0 条" in page.content.decode()
    assert not SchoolProfile.objects.exists()
    response = client.post("/base/schools/import/confirm/", follow=True)
    assert response.redirect_chain[-1][0] == "/base/schools/" and "新增 1 条" in response.content.decode()
    assert SchoolProfile.objects.count() == 1
    bad = upload(client, "/base/funding/import/", [FUNDING_HEADER, ["500106", "", "2024", "自筹资金", "", "1", "", "甲", ""]])
    assert "不在您的管理范围内" in bad.content.decode()
    errors = client.get("/base/funding/import/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(errors.content)).active
    assert "不在您的管理范围内" in sheet.cell(2, len(FUNDING_HEADER) + 1).value


def test_the_command_imports_each_base_kind(tmp_path, capsys):
    make_school("500118001", name="永川中学")
    files = {
        "school_profiles": [SCHOOL_HEADER, ["永川中学", "500118", "", "2024", "", "2", "", "", "", ""]],
        "rural_associations": [ASSOCIATION_HEADER, ["青峰镇柑橘协会", "青峰镇", "", "1", "", ""]],
        "funding": [FUNDING_HEADER, ["500118", "", "2024", "自筹资金", "", "1", "", "甲", ""]],
    }
    for kind, rows in files.items():
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(xlsx_bytes(rows))
        call_command("import", kind, str(path), "--dry-run")
        call_command("import", kind, str(path))
        call_command("import", kind, "--template", str(tmp_path / f"{kind}-template.xlsx"))
        assert "1 were created" in capsys.readouterr().out
    assert SchoolProfile.objects.count() == RuralTechAssociation.objects.count() == FundingRecord.objects.count() == 1
