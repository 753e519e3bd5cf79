"""Imports of column issues and 科普中国 information-officer figures, their pages and the command."""

import datetime

import pytest
from django.core.management import call_command

from kepu.core.models import AuditEntry
from kepu.orgs.tests.test_base_imports import (
    do_import,
    headers_of_template,
    problems,
    spb_town,
    upload,
    xlsx_bytes,
)

from ..models import ColumnIssue, FigureSource, InfoOfficerFigure
from .factories import make_column, make_issue, set_info_officers

pytestmark = pytest.mark.django_db

ISSUE_HEADER = ["媒体", "栏目", "刊播日期", "标题", "链接"]


# --- column issues --------------------------------------------------------------------------------


def test_column_issues_import(personas):
    column = make_column("500118", outlet_name="永川日报", name="科普周刊")
    rows = [ISSUE_HEADER, ["永川日报", "科普周刊", "2024-03-05", "春季防火", "https://example.cn/a"],
            ["永川日报", "科普周刊", "2024/3/12", "世界水日", ""]]
    result = do_import("column_issues", rows, actor=personas.yc_admin)
    assert result.ok and result.created == 2
    issue = ColumnIssue.objects.get(title="春季防火")
    assert issue.column == column and issue.url == "https://example.cn/a"
    assert (issue.region_path, issue.iso_year, issue.iso_week) == ("500000/500118/", 2024, 10)
    assert AuditEntry.objects.filter(action="media_issue.created").count() == 2
    assert AuditEntry.objects.filter(action="import.column_issues").count() == 1


def test_a_bad_issue_file_changes_nothing_and_names_row_and_column(personas):
    column = make_column("500118", outlet_name="永川日报", name="科普周刊")
    make_issue(column, datetime.date(2024, 3, 5), title="春季防火")
    make_column("500106", outlet_name="沙坪坝报", name="科普")
    rows = [ISSUE_HEADER, ["永川日报", "科普周刊", "2024-03-19", "好的一期", ""],
            ["不存在的报", "科普周刊", "2024-03-19", "甲", ""],
            ["永川日报", "不存在的栏目", "2024-03-19", "乙", ""],
            ["永川日报", "科普周刊", "2024-02-30", "丙", ""],
            ["永川日报", "科普周刊", "2024-03-19", "丁", "不是链接"],
            ["沙坪坝报", "科普", "2024-03-19", "戊", ""],
            ["永川日报", "科普周刊", "2024-03-05", "春季防火", ""],
            ["永川日报", "科普周刊", "2024-03-19", "好的一期", ""]]
    result = do_import("column_issues", rows, actor=personas.yc_admin)
    assert problems(result) == {(3, "媒体"), (4, "栏目"), (5, "刊播日期"), (6, "链接"), (7, "媒体"), (8, "标题"),
                                (9, "标题")}
    by_row = {e.row: e.message for e in result.errors}
    assert "找不到媒体“不存在的报”" in by_row[3] and "没有栏目“不存在的栏目”" in by_row[4]
    assert "找不到媒体" in by_row[7]  # another district's outlet is as unknown as one that does not exist
    assert "系统中已有这一期" in by_row[8] and "与第 2 行重复" in by_row[9]
    assert ColumnIssue.objects.count() == 1
    # The same file from the city admin: the other district's outlet is found, and is in scope.
    result = do_import("column_issues", [ISSUE_HEADER, rows[6]], actor=personas.city_admin, dry_run=True)
    assert result.ok and result.created == 1 and ColumnIssue.objects.count() == 1


def test_outlets_of_the_same_name_need_the_region_code():
    make_column("500118", outlet_name="区融媒体中心", name="科普")
    make_column("500106", outlet_name="区融媒体中心", name="科普")
    result = do_import("column_issues", [ISSUE_HEADER, ["区融媒体中心", "科普", "2024-03-05", "甲", ""]])
    assert problems(result) == {(2, "媒体")} and "请填写区划代码" in result.errors[0].message
    result = do_import("column_issues", [[*ISSUE_HEADER, "区划代码"], ["区融媒体中心", "科普", "2024-03-05", "甲", "", "500106"]])
    assert result.ok and ColumnIssue.objects.get().column.outlet.region.code == "500106"


# --- 科普中国 information officers -------------------------------------------------------------------

# As the platform exports them: no year, its own headers, names instead of codes, a total row.
EXPORT_HEADER = ["序号", "地区", "注册信息员数", "年度总活跃人数", "分享量"]


def test_the_platform_export_imports_with_a_chosen_year(personas):
    rows = [EXPORT_HEADER, ["1", "重庆市永川区", "12,345", "6,000", "100000"], ["2", "青峰镇", "300", "120", ""],
            ["", "合计", "12645", "6120", "100000"]]
    result = do_import("info_officers", rows, actor=personas.yc_admin, default_year=2024)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.skipped) == (2, 0, 1)
    figure = InfoOfficerFigure.objects.get(region__code="500118", year=2024)
    assert (figure.registered, figure.active, figure.shares, figure.source) == (12345, 6000, 100000, FigureSource.IMPORTED)
    assert InfoOfficerFigure.objects.get(region__code="500118100").shares == 0
    # Without a year in the file or chosen, every row says so.
    result = do_import("info_officers", rows, actor=personas.yc_admin)
    assert problems(result) == {(2, "年度"), (3, "年度")}


def test_info_officers_upsert_by_region_and_year_and_a_year_column_wins(personas):
    set_info_officers("500118", 2023, registered=100, active=50)
    header = ["区划代码", "年度", "信息员人数", "活跃人数", "分享数"]
    rows = [header, ["500118", "2023", "110", "50", ""], ["500118", "2024", "120", "60", "5"]]
    result = do_import("info_officers", rows, actor=personas.yc_admin, default_year=2022)
    assert (result.created, result.updated) == (1, 1)
    figure = InfoOfficerFigure.objects.get(region__code="500118", year=2023)
    assert figure.registered == 110 and figure.source == FigureSource.IMPORTED
    assert not InfoOfficerFigure.objects.filter(year=2022).exists()


def test_a_bad_figures_file_changes_nothing_and_names_row_and_column(personas):
    spb_town()
    header = ["地区", "区划代码", "年度", "信息员人数", "年度活跃人数", "分享次数"]
    rows = [header, ["永川区", "", "2024", "100", "50", "1"],
            ["", "599999", "2024", "100", "50", "1"],
            ["火星区", "", "2024", "100", "50", "1"],
            ["永川区", "", "2024年度", "一百", "50", "1"],
            ["永川区", "", "24", "100", "50", "1"],
            ["", "500106", "2024", "100", "50", "1"],
            ["", "500106001", "2024", "100", "50", "1"],
            ["重庆市永川区", "", "2024", "100", "-50", "1"]]
    result = do_import("info_officers", rows, actor=personas.yc_admin)
    assert problems(result) == {(3, "区划代码"), (4, "地区"), (5, "信息员人数"), (6, "年度"), (7, "区划代码"),
                                (8, "区划代码"), (9, "年度活跃人数")}
    assert not InfoOfficerFigure.objects.exists()
    # The same region twice for a year (by two of its names) is an error too.
    result = do_import("info_officers", [header, rows[1], ["重庆市永川区", "", "2024", "1", "1", "1"]], actor=personas.yc_admin)
    assert problems(result) == {(3, "地区")} and "与第 2 行重复" in result.errors[0].message


def test_the_figures_page_offers_a_year_and_keeps_it_until_confirmed(client_for):
    client = client_for("yc_admin")
    page = client.get("/channels/info-officers/import/?year=2023").content.decode()
    assert 'name="year"' in page and '<option value="2023" selected>' in page
    rows = [EXPORT_HEADER, ["1", "永川区", "100", "50", "10"]]
    response = upload(client, "/channels/info-officers/import/", rows)
    assert "没有年度" in response.content.decode()
    response = upload(client, "/channels/info-officers/import/", rows, year="2023")
    assert "将新增 1 条" in response.content.decode() and not InfoOfficerFigure.objects.exists()
    response = client.post("/channels/info-officers/import/confirm/")
    assert response.status_code == 302 and response.url == "/channels/info-officers/"
    assert InfoOfficerFigure.objects.get().year == 2023
    template = client.get("/channels/info-officers/import/template.xlsx")
    assert headers_of_template(template.content)[:3] == ["区划代码", "地区", "年度"]


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 302), ("citizen", 403), ("yc_reviewer", 403),
                                                  ("yc_admin", 200), ("platform_admin", 200)])
def test_who_may_open_the_pages(client_for, persona, status):
    client = client_for(persona)
    for page in ("/channels/issues/import/", "/channels/info-officers/import/"):
        assert client.get(page).status_code == status
        assert client.get(page + "template.xlsx").status_code == status
    # The 科普中国 figures belong to regions, not units: a unit liaison may not import them.
    assert client_for("yc_liaison").get("/channels/info-officers/import/").status_code == 403


def test_the_command(tmp_path, capsys):
    make_column("500118", outlet_name="永川日报", name="科普周刊")
    figures, issues = tmp_path / "figures.xlsx", tmp_path / "issues.xlsx"
    figures.write_bytes(xlsx_bytes([["地区", "年度", "信息员人数", "年度活跃人数"], ["重庆市永川区", "2024", "100", "50"],
                                    ["永川区青峰镇", "2024", "10", "5"]]))
    issues.write_bytes(xlsx_bytes([ISSUE_HEADER, ["永川日报", "科普周刊", "2024-03-05", "甲", ""]]))
    call_command("import", "info_officers", str(figures), "--dry-run")
    assert "2 would be created" in capsys.readouterr().out and not InfoOfficerFigure.objects.exists()
    call_command("import", "info_officers", str(figures))
    call_command("import", "column_issues", str(issues))
    assert InfoOfficerFigure.objects.count() == 2 and ColumnIssue.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([["地区", "信息员人数", "年度活跃人数"], ["永川区", "100", "50"]]))
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "info_officers", str(bad))
    assert exit_info.value.code == 1 and "第 2 行「年度」" in capsys.readouterr().err
    call_command("import", "info_officers", str(bad), "--year", "2023")  # the year of rows that give none
    assert InfoOfficerFigure.objects.get(region__code="500118", year=2023).registered == 100
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="takes no --year"):
        call_command("import", "column_issues", str(issues), "--year", "2023")
    call_command("import", "info_officers", "--template", str(tmp_path / "t.xlsx"))
    assert headers_of_template((tmp_path / "t.xlsx").read_bytes())[3] == "信息员人数"
