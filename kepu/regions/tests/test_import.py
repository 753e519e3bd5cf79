import csv
import io

import openpyxl
import pytest
from django.core.management import call_command

from kepu.core.imports import error_workbook, get_importer, run_import
from kepu.core.models import AuditEntry
from kepu.regions.models import Region


def csv_bytes(rows, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def do_import(data, name="regions.csv", dry_run=False):
    return run_import(get_importer("regions"), data, filename=name, actor=None, dry_run=dry_run)


NATIONAL = [
    ["统计用区划代码", "城乡分类代码", "名称"],
    ["510000000000", "", "四川省"],
    ["510100000000", "", "成都市"],
    ["510104000000", "", "锦江区"],
    ["510104020000", "", "春熙路街道"],
    ["510104020001", "111", "春熙路社区"],
    ["510104020200", "220", "某某村"],
]


@pytest.mark.django_db
def test_it_loads_a_national_table_with_twelve_digit_codes():
    logged = AuditEntry.objects.filter(action="import.regions").count()
    result = do_import(csv_bytes(NATIONAL))
    assert result.ok, result.errors
    assert result.created == 6
    village = Region.objects.get(code="510104020200")
    assert village.path == "510000/510100/510104/510104020/510104020200/"
    assert (village.level, village.kind, village.is_rural) == ("village", "village", True)
    assert Region.objects.get(code="510104").kind == "district"
    assert AuditEntry.objects.filter(action="import.regions").count() == logged + 1


@pytest.mark.django_db
def test_placeholder_rows_of_a_municipality_are_skipped():
    rows = [["code", "name"], ["500100000000", "市辖区"], ["500199000000", "测试新区"], ["500199001000", "测试街道"]]
    result = do_import(csv_bytes(rows))
    assert result.ok, result.errors
    assert result.skipped == 1
    assert Region.objects.get(code="500199").parent.code == "500000"
    assert not Region.objects.filter(name="市辖区").exists()


@pytest.mark.django_db
def test_a_file_with_any_bad_row_writes_nothing():
    rows = [
        ["代码", "名称", "城乡分类代码"],
        ["500118001010", "好村", "220"],
        ["500118001011", "", "220"],
        ["500118001010", "重复村", "220"],
        ["500118999001", "孤村", "9"],
    ]
    result = do_import(csv_bytes(rows))
    assert not result.ok
    messages = {(e.row, e.column) for e in result.errors}
    assert (3, "名称") in messages
    assert (5, "城乡分类代码") in messages
    assert not Region.objects.filter(code="500118001010").exists()


@pytest.mark.django_db
def test_duplicates_and_missing_parents_name_the_row():
    rows = [["代码", "名称"], ["500118001010", "好村"], ["500118001010", "重复村"]]
    result = do_import(csv_bytes(rows))
    assert [str(e) for e in result.errors] == ["第 3 行「统计用区划代码」: 代码 500118001010 与第 2 行重复"]
    result = do_import(csv_bytes([["代码", "名称"], ["500118999001", "孤村"]]))
    assert result.errors[0].row == 2 and "找不到上级区划 500118999" in result.errors[0].message


@pytest.mark.django_db
def test_a_missing_required_column_is_reported_on_the_header_row():
    result = do_import(csv_bytes([["名称"], ["某村"]]))
    assert [(e.row, e.column) for e in result.errors] == [(1, "统计用区划代码")]


@pytest.mark.django_db
def test_dry_run_counts_but_writes_nothing():
    result = do_import(csv_bytes([["代码", "名称"], ["500118001010", "好村"]]), dry_run=True)
    assert result.ok and result.created == 1
    assert not Region.objects.filter(code="500118001010").exists()


@pytest.mark.django_db
def test_it_reads_xlsx_and_gbk_csv():
    book = openpyxl.Workbook()
    book.active.append(["名称", "统计用区划代码"])  # any column order
    book.active.append(["好村", 500118001010])  # a number, as Excel stores it
    out = io.BytesIO()
    book.save(out)
    assert do_import(out.getvalue(), name="r.xlsx").ok
    assert do_import(csv_bytes([["代码", "名称"], ["500118001011", "甲村"]], "gbk")).ok
    assert Region.objects.filter(code__in=["500118001010", "500118001011"]).count() == 2


@pytest.mark.django_db
def test_a_file_that_is_not_a_table_gets_a_clear_error():
    result = do_import(b"PK\x03\x04garbage", name="r.xlsx")
    assert "无法读取 Excel 文件" in result.errors[0].message
    result = do_import(b"%PDF-1.4", name="r.pdf")
    assert "不支持的文件类型" in result.errors[0].message


@pytest.mark.django_db
def test_the_error_workbook_marks_each_bad_row():
    result = do_import(csv_bytes([["代码", "名称"], ["500118001010", ""], ["500118001011", "乙村"]]))
    sheet = openpyxl.load_workbook(io.BytesIO(error_workbook(result))).active
    rows = list(sheet.values)
    assert rows[0] == ("代码", "名称", "错误")
    assert "不能为空" in rows[1][2] and rows[2][2] in (None, "")


@pytest.mark.django_db
def test_reimport_updates_names_without_moving(tmp_path):
    result = do_import(csv_bytes([["代码", "名称", "城乡分类代码"], ["500118001", "中山路街道（新）", "111"]]))
    assert result.ok and result.updated == 1
    assert Region.objects.get(code="500118001").name == "中山路街道（新）"


def test_command_exit_status(tmp_path, db):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([["代码", "名称"], ["500118001020", "丙村"]]))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["代码", "名称"], ["500118001021", ""]]))
    with pytest.raises(SystemExit) as info:
        call_command("import", "regions", str(bad))
    assert info.value.code == 1
    assert not Region.objects.filter(code="500118001021").exists()
    call_command("import", "regions", str(good), "--dry-run")
    assert not Region.objects.filter(code="500118001020").exists()
    call_command("import", "regions", str(good))
    assert Region.objects.filter(code="500118001020").exists()
