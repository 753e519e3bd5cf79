"""`kepu import volunteers` (the roster) and `kepu import service_records`: the importers and the command."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kepu.activities.tests.factories import finished
from kepu.core import pii
from kepu.core.imports import error_workbook, get_importer, run_import
from kepu.core.models import AuditEntry

from ..models import Membership, NumberSequence, RecordStatus, ServiceRecord, Volunteer
from .factories import add_member, make_id_number, make_team, make_volunteer

HEADER = ["姓名", "性别", "出生日期", "身份证号码", "手机号码", "区域代码", "服务队", "专业特长", "学历", "监护人姓名",
          "监护人电话"]
ADULT = datetime.date(1990, 5, 17)


def minor_birth() -> datetime.date:
    return timezone.localdate().replace(month=1, day=1) - datetime.timedelta(days=365 * 12)


def person(serial: int, *, name="王五", gender="男", birth: datetime.date = ADULT, id_number=None, phone=None,
           region="500118", teams="", skills="科普讲解", education="本科", guardian="", guardian_phone="",
           write_birth=True) -> list[str]:
    id_number = id_number or make_id_number(birth, "male" if gender in ("男", "") else "female", serial=serial)
    return [name, gender, birth.isoformat() if write_birth else "", id_number, phone or f"1391234{serial:04d}", region,
            teams, skills, education, guardian, guardian_phone]


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def do_import(rows, *, kind="volunteers", actor=None, dry_run=False, name="roster.xlsx"):
    importer = get_importer(kind)
    importer.actor = actor
    data = xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows)
    return run_import(importer, data, filename=name, actor=actor, dry_run=dry_run)


def problems(result) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in result.errors}


def messages(result) -> dict[tuple[int, str], str]:
    return {(e.row, e.column): e.message for e in result.errors}


# --- the roster ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_good_file_registers_volunteers_with_encrypted_numbers_and_teams():
    team = make_team(name="永川区科普讲解志愿服务队")
    child = minor_birth()
    child_id = make_id_number(child, "female", serial=3)
    rows = [
        HEADER,
        person(1, teams="永川区科普讲解志愿服务队", education="硕士"),
        person(2, name="赵六", gender="", write_birth=False, region="500118001", education="专科", skills=""),
        person(3, name="小红", gender="女", birth=child, id_number=child_id, teams="永川区科普讲解志愿服务队",
               education="初中", guardian="红妈妈", guardian_phone="139 8888 0000"),
    ]
    logged = AuditEntry.objects.filter(action="import.volunteers").count()
    result = do_import(rows)
    assert result.ok, result.errors
    assert result.created == 3
    adult = Volunteer.objects.get(name="王五")
    assert adult.number == "5001180000001" and adult.region.code == "500118" and adult.education == "master"
    assert pii.decrypt(adult.id_encrypted) == rows[1][3] and adult.id_hash == pii.lookup_hash(rows[1][3])
    assert adult.id_masked == pii.mask_id(rows[1][3]) and "*" in adult.id_masked
    assert pii.decrypt(adult.phone_encrypted) == "13912340001" and adult.phone_masked == "139****0001"
    assert adult.registered_on == timezone.localdate() and adult.guardian_name == "" and not adult.guardian_phone_encrypted
    assert [m.team for m in adult.memberships.all()] == [team]
    derived = Volunteer.objects.get(name="赵六")  # gender and birth date from the ID number
    assert (derived.gender, derived.birth_date, derived.region_path) == ("male", ADULT, "500000/500118/500118001/")
    assert derived.education == "college" and derived.skills == ""
    minor = Volunteer.objects.get(name="小红")
    assert (minor.gender, minor.birth_date, minor.education) == ("female", child, "junior")
    assert minor.guardian_name == "红妈妈" and pii.decrypt(minor.guardian_phone_encrypted) == "13988880000"
    assert minor.guardian_consent_on == timezone.localdate()  # no 监护人同意 column: name and phone imply it
    assert sorted(Volunteer.objects.values_list("number", flat=True)) == [
        "5001180000001", "5001180000002", "5001180000003"]
    assert NumberSequence.objects.get(prefix="500118").last == 3
    assert Membership.objects.filter(team=team).count() == 2
    assert AuditEntry.objects.filter(action="import.volunteers").count() == logged + 1
    assert not AuditEntry.objects.filter(action="volunteer.registered").exists()


@pytest.mark.django_db
def test_numbers_are_handed_out_in_one_block_per_district(monkeypatch):
    from .. import services

    calls = []
    real = services.allocate_numbers
    monkeypatch.setattr(services, "allocate_numbers", lambda prefix, count: calls.append((prefix, count)) or
                        real(prefix, count))
    rows = [HEADER, person(1), person(2, region="500106"), person(3, region="500118001"), person(4)]
    assert do_import(rows).ok
    assert sorted(calls) == [("500106", 1), ("500118", 3)]
    assert Volunteer.objects.get(name="王五", region__code="500106").number == "5001060000001"


@pytest.mark.django_db
def test_imported_rows_read_back_like_registered_ones():
    """The roster is written with executemany, not the ORM: every column must come back the same way."""
    registered = make_volunteer(name="登记", id_number=make_id_number(serial=50))
    assert do_import([HEADER, person(51, name="导入")]).ok
    imported = Volunteer.objects.get(name="导入")
    registered.refresh_from_db()
    for field in Volunteer._meta.concrete_fields:
        mine, theirs = getattr(imported, field.attname), getattr(registered, field.attname)
        if field.attname in ("id", "number", "name", "id_encrypted", "id_hash", "id_masked", "phone_encrypted",
                             "phone_hash", "phone_masked", "skills", "education", "guardian_phone_encrypted"):
            continue  # differ by design
        assert type(mine) is type(theirs), field.attname
        if field.attname not in ("created_at", "updated_at"):
            assert mine == theirs, field.attname
    assert abs(imported.created_at - timezone.now()) < datetime.timedelta(minutes=1)
    assert Volunteer.objects.filter(created_at__lte=timezone.now(), hours=0, stars=0, is_demo=False).count() == 2


@pytest.mark.django_db
def test_columns_in_any_order_with_extra_ones_and_optional_columns():
    header = ["备注", "手机号码", "区域代码", "身份证号码", "姓名", "所在单位", "注册日期", "学历"]
    row = ["老队员", "13900001111", "500118", make_id_number(serial=1), "钱七", "区教委", "2021年3月5日", "大学本科"]
    result = do_import([header, row], name="roster.csv")
    assert result.ok, result.errors
    volunteer = Volunteer.objects.get()
    assert volunteer.unit.name == "区教委" and volunteer.registered_on == datetime.date(2021, 3, 5)
    assert volunteer.education == "bachelor" and volunteer.gender == "male"


@pytest.mark.django_db
def test_a_bad_file_writes_nothing_and_names_each_row_and_column():
    make_team(name="永川区科普讲解志愿服务队")
    good_17 = f"500118{ADULT:%Y%m%d}123"
    rows = [
        HEADER,
        person(1),  # good
        person(2, id_number="50011819900517"),  # too short
        person(3, id_number="50011819900230123" + pii.id_check_digit("50011819900230123")),  # no such date
        person(4, id_number=good_17 + ("0" if pii.id_check_digit(good_17) != "0" else "1")),  # check digit
        person(5, birth=ADULT, id_number=make_id_number(datetime.date(1991, 1, 1), serial=5)),  # birth mismatch
        person(6, gender="女", id_number=make_id_number(ADULT, "male", serial=6)),  # gender mismatch
        person(7, phone="12345"),
        person(8, region="599999"),
        person(9, teams="永川区科普讲解志愿服务队、火星服务队"),
        person(10, education="研究生"),
        person(11, education="幼儿园"),
        person(12, birth=minor_birth()),  # a minor without a guardian
        person(13, name=""),
        [*person(14)[:2], "1990-13-45", *person(14)[3:]],  # no such birth date
    ]
    result = do_import(rows)
    assert not result.ok
    assert problems(result) == {
        (3, "身份证号码"), (4, "身份证号码"), (5, "身份证号码"), (6, "出生日期"), (7, "性别"), (8, "手机号码"),
        (9, "区域代码"), (10, "服务队"), (11, "学历"), (12, "学历"), (13, "监护人姓名"), (13, "监护人电话"),
        (14, "姓名"), (15, "出生日期"),
    }
    found = messages(result)
    assert "18 位" in found[(3, "身份证号码")]
    assert "19900230" in found[(4, "身份证号码")] and "不存在" in found[(4, "身份证号码")]
    assert found[(5, "身份证号码")] == "身份证号码校验位错误"
    assert "1991-01-01" in found[(6, "出生日期")]
    assert "男" in found[(7, "性别")]
    assert found[(8, "手机号码")] == "应为 11 位手机号码"
    assert "599999" in found[(9, "区域代码")]
    assert "火星服务队" in found[(10, "服务队")] and "永川区科普讲解志愿服务队" not in found[(10, "服务队")]
    assert "硕士研究生" in found[(11, "学历")] and "幼儿园" in found[(12, "学历")]
    assert str(result.errors[0]).startswith("第 3 行「身份证号码」")
    assert not Volunteer.objects.exists() and not NumberSequence.objects.exists()
    # No message repeats an ID number: the uploader's cells stay in their own columns.
    for error in result.errors:
        assert not any(row[3] in error.message for row in rows[1:] if len(row[3]) == 18)


@pytest.mark.django_db
def test_a_duplicate_id_in_the_file_names_the_other_row():
    rows = [HEADER, person(1), person(2), person(3, name="重复", id_number=person(1)[3], phone="13800000000")]
    result = do_import(rows)
    assert problems(result) == {(4, "身份证号码")}
    assert messages(result)[(4, "身份证号码")] == "与第 2 行的身份证号码重复"
    assert not Volunteer.objects.exists()


@pytest.mark.django_db
def test_an_id_already_registered_is_an_error_not_an_update():
    existing = make_volunteer(name="老志愿者", id_number=make_id_number(serial=1))
    before = Volunteer.objects.count()
    result = do_import([HEADER, person(2), person(1, name="改名")])
    assert problems(result) == {(3, "身份证号码")}
    assert existing.number in messages(result)[(3, "身份证号码")]
    assert Volunteer.objects.count() == before
    existing.refresh_from_db()
    assert existing.name == "老志愿者"


@pytest.mark.django_db
def test_minors_need_a_guardian_and_consent():
    child = minor_birth()

    def kid(serial, **kw):
        return person(serial, birth=child, id_number=make_id_number(child, "male", serial=serial), **kw)

    header = [*HEADER, "监护人同意"]
    rows = [
        header,
        [*kid(1, guardian="家长", guardian_phone="13900000001"), "是"],
        [*kid(2, guardian="家长", guardian_phone="13900000002"), "否"],
        [*kid(3, guardian="家长", guardian_phone="13900000003"), "也许"],
        [*kid(4, guardian="", guardian_phone="123"), ""],
        [*person(5, guardian="成年人不需要", guardian_phone="bad"), ""],  # ignored for an adult
    ]
    result = do_import(rows)
    assert problems(result) == {(3, "监护人同意"), (4, "监护人同意"), (5, "监护人姓名"), (5, "监护人电话")}
    assert messages(result)[(3, "监护人同意")] == "未满 18 周岁的志愿者须经监护人同意"
    assert messages(result)[(5, "监护人电话")] == "应为 11 位手机号码"
    result = do_import([rows[0], rows[1], [*kid(6, guardian="家长", guardian_phone="13900000006"), ""], rows[5]])
    assert result.ok, result.errors
    assert Volunteer.objects.filter(guardian_consent_on__isnull=False).count() == 2
    adult = Volunteer.objects.get(guardian_consent_on__isnull=True)
    assert adult.guardian_name == "" and adult.guardian_phone_masked == ""


@pytest.mark.django_db
def test_a_dry_run_counts_and_writes_nothing():
    make_team(name="永川区科普讲解志愿服务队")
    result = do_import([HEADER, person(1, teams="永川区科普讲解志愿服务队"), person(2)], dry_run=True)
    assert result.ok and result.created == 2
    assert not Volunteer.objects.exists() and not Membership.objects.exists()
    assert not NumberSequence.objects.exists()
    assert not AuditEntry.objects.filter(action="import.volunteers").exists()


@pytest.mark.django_db
def test_rows_outside_the_uploaders_scope_are_errors(personas, yc_education):
    association_team = make_team(name="区科协科普志愿服务队")
    education_team = make_team(name="区教委科技志愿服务队", unit=yc_education)
    rows = [HEADER, person(1), person(2, region="500106")]
    result = do_import(rows, actor=personas.yc_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [(3, "区域代码", "不在您的管理范围内")]
    assert not Volunteer.objects.exists()
    # A unit liaison registers the volunteers of the unit's teams, or of the unit itself.
    header = [*HEADER, "所在单位"]
    rows = [
        header,
        [*person(1, teams=education_team.name), ""],
        [*person(2, teams=association_team.name), ""],
        [*person(3), ""],
        [*person(4), "区教委"],
        [*person(5), "区科协"],
    ]
    result = do_import(rows, actor=personas.yc_liaison)
    assert [(e.row, e.column) for e in result.errors] == [(3, "服务队"), (4, "区域代码"), (6, "区域代码")]
    assert "区科协科普志愿服务队" in result.errors[0].message
    result = do_import([header, rows[1], rows[4]], actor=personas.yc_liaison)
    assert result.ok, result.errors
    assert Volunteer.objects.count() == 2 and Membership.objects.get().team == education_team


@pytest.mark.django_db
def test_the_error_workbook_echoes_the_rows_with_their_errors():
    rows = [HEADER, person(1), person(2, phone="12345")]
    result = do_import(rows)
    sheet = openpyxl.load_workbook(io.BytesIO(error_workbook(result))).active
    assert [c.value for c in sheet[1]] == [*HEADER, "错误"]
    assert sheet.cell(3, len(HEADER) + 1).value == "「手机号码」应为 11 位手机号码"
    assert sheet.cell(2, len(HEADER) + 1).value in (None, "")


@pytest.mark.django_db
def test_the_command(tmp_path, capsys):
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(xlsx_bytes([HEADER, person(1), person(2)]))
    bad.write_bytes(xlsx_bytes([HEADER, person(3, region="599999")]))
    call_command("import", "volunteers", str(good), "--dry-run")
    assert "2 would be created" in capsys.readouterr().out
    assert not Volunteer.objects.exists()
    call_command("import", "volunteers", str(good))
    assert Volunteer.objects.count() == 2
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "volunteers", str(bad), "--errors-to", str(tmp_path / "errors.xlsx"))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "第 2 行「区域代码」" in err and person(3)[3] not in err
    assert openpyxl.load_workbook(tmp_path / "errors.xlsx").active.cell(1, len(HEADER) + 1).value == "错误"
    with pytest.raises(CommandError) as error:
        call_command("import", "volunteers", str(tmp_path / "missing.xlsx"))
    assert error.value.returncode == 2
    call_command("import", "volunteers", "--template", str(tmp_path / "t.xlsx"))
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert [c.value for c in book.worksheets[0][1]][:11] == HEADER
    help_rows = {r[0]: r[2] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert "视为已取得书面同意" in help_rows["监护人同意"]
    assert Volunteer.objects.count() == 2


@pytest.mark.django_db
def test_a_missing_required_column_is_reported_on_the_header_row():
    result = do_import([["姓名", "手机号码"], ["王五", "13900000000"]])
    assert problems(result) == {(1, "身份证号码"), (1, "区域代码")}


# --- service records ------------------------------------------------------------------------------------------

RECORD_HEADER = ["志愿者编号", "身份证号码", "服务日期", "服务时长", "服务内容", "服务地点", "服务队", "服务人数", "已认定"]


@pytest.fixture
def crew(db):
    team = make_team(name="永川区科普讲解志愿服务队")
    member = make_volunteer(name="队员甲", id_number=make_id_number(serial=901), teams=[team])
    loner = make_volunteer(name="散客乙", id_number=make_id_number(serial=902))
    return team, member, loner


@pytest.mark.django_db
def test_records_import_pending_or_verified_with_hours_credited(crew):
    team, member, loner = crew
    day = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    rows = [
        RECORD_HEADER,
        [member.number, "", day, "2.5", "科普讲解", "科技馆", team.name, "120", "是"],
        ["", make_id_number(serial=902), day, "3小时", "科普讲座", "", "", "", ""],
    ]
    result = do_import(rows, kind="service_records")
    assert result.ok, result.errors
    verified = ServiceRecord.objects.get(volunteer=member)
    assert (verified.status, verified.hours, verified.team, verified.source) == ("verified", Decimal("2.5"), team, "import")
    assert verified.served_people == 120 and verified.region_path == team.region_path and verified.verified_at
    pending = ServiceRecord.objects.get(volunteer=loner)
    assert (pending.status, pending.hours, pending.team, pending.region_path) == ("pending", Decimal("3.0"), None,
                                                                                  loner.region_path)
    member.refresh_from_db()
    loner.refresh_from_db()
    assert member.hours == Decimal("2.5") and loner.hours == 0
    # The same file again would count the hours twice.
    again = do_import(rows, kind="service_records")
    assert problems(again) == {(2, "服务内容"), (3, "服务内容")}
    assert ServiceRecord.objects.count() == 2


@pytest.mark.django_db
def test_record_rows_are_checked(crew):
    team, member, loner = crew
    day = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    rows = [
        RECORD_HEADER,
        ["5001189999999", "", day, "2", "讲解", "", "", "", ""],
        ["", make_id_number(serial=999), day, "2", "讲解", "", "", "", ""],
        [member.number, make_id_number(serial=902), day, "2", "讲解", "", "", "", ""],
        [loner.number, "", day, "2", "讲解", "", team.name, "", ""],
        [member.number, "", tomorrow, "30", "", "", "", "很多", "也许"],
        [member.number, "", day, "2", "讲解", "", "", "", ""],
        [member.number, "", day, "2", "讲解", "", "", "", ""],
    ]
    result = do_import(rows, kind="service_records")
    assert problems(result) == {
        (2, "志愿者编号"), (3, "身份证号码"), (4, "身份证号码"), (5, "服务队"), (6, "服务日期"), (6, "服务时长"),
        (6, "服务内容"), (6, "服务人数"), (6, "已认定"), (8, "服务内容"),
    }
    assert messages(result)[(5, "服务队")] == f"散客乙 不是服务队“{team.name}”的成员"
    assert messages(result)[(8, "服务内容")] == "与第 7 行重复"
    assert not ServiceRecord.objects.exists()
    no_person = do_import([["服务日期", "服务时长", "服务内容"], [day, "2", "讲解"], [day, "3", "讲解"]],
                          kind="service_records")
    assert [(e.row, e.column) for e in no_person.errors] == [(1, "志愿者编号")]


@pytest.mark.django_db
def test_records_link_to_the_activity_of_that_day(crew):
    _team, member, _loner = crew
    activity = finished(title="节水知识讲座", is_volunteer_service=True)
    day = timezone.localdate(activity.start).isoformat()
    header = ["志愿者编号", "服务日期", "服务时长", "服务内容", "活动名称"]
    rows = [header, [member.number, day, "2", "讲解", "节水知识讲座"], [member.number, day, "1", "布展", "节水知识讲座"]]
    result = do_import(rows, kind="service_records")
    assert [(e.row, e.column, e.message) for e in result.errors] == [(3, "服务内容", "与第 2 行重复")]
    result = do_import(rows[:2], kind="service_records")
    assert result.ok, result.errors
    assert ServiceRecord.objects.get().activity == activity
    missing = do_import([header, [member.number, "2020-01-01", "2", "讲解", "节水知识讲座"]], kind="service_records")
    assert [(e.row, e.column) for e in missing.errors] == [(2, "活动名称")]
    again = do_import([header, [member.number, day, "3", "另一段", "节水知识讲座"]], kind="service_records")
    assert [(e.row, e.column) for e in again.errors] == [(2, "活动名称")]


@pytest.mark.django_db
def test_record_rows_outside_the_uploaders_scope_are_errors(crew, personas, yc_education):
    team, member, loner = crew
    day = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    rows = [RECORD_HEADER, [member.number, "", day, "2", "讲解", "", team.name, "", "是"],
            [loner.number, "", day, "2", "讲解", "", "", "", ""]]
    result = do_import(rows, kind="service_records", actor=personas.spb_admin)
    assert problems(result) == {(2, "服务队"), (3, "志愿者编号")}
    result = do_import(rows, kind="service_records", actor=personas.yc_liaison)  # 区教委 does not run this team
    assert problems(result) == {(2, "服务队"), (3, "志愿者编号")}
    own = make_team(name="区教委科技志愿服务队", unit=yc_education)
    add_member(own, member)
    result = do_import([RECORD_HEADER, [member.number, "", day, "2", "讲解", "", own.name, "", "是"]],
                       kind="service_records", actor=personas.yc_liaison)
    assert result.ok, result.errors
    record = ServiceRecord.objects.get()
    assert record.status == RecordStatus.VERIFIED and record.recorded_by == personas.yc_liaison
    assert record.verified_by == personas.yc_liaison
