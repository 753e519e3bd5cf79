"""The base-data pages of the orgs app: school profiles, agriculture-related towns and 农技协, funding."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from kepu.accounts.models import Role
from kepu.accounts.tests.factories import UserFactory, grant
from kepu.core.measures import get_measure
from kepu.orgs.models import (
    FundingDocument,
    FundingRecord,
    RuralTechAssociation,
    SchoolProfile,
    UnitType,
)
from kepu.orgs.tests.factories import make_association, make_funding, make_profile, make_school
from kepu.regions.models import Population, Region
from kepu.venues.tests.factories import make_village

YEAR = 2024
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _url(name, *args, **params):
    return reverse(f"basedata:{name}", args=args) + ("?" + urlencode(params) if params else "")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def schools(db):
    """Four schools of Yongchuan in 2024: compliant with a room, compliant by tutors without a room,
    short of staff, and one without a profile."""
    a = make_school("500118001", "中山路小学")
    b = make_school("500118100", "青峰中学", type=UnitType.SECONDARY_SCHOOL)
    c = make_school("500118101", "金龙小学")
    d = make_school("500118101", "金龙中学", type=UnitType.SECONDARY_SCHOOL)
    make_profile(a, YEAR, science_teachers=2, has_tech_room=True)
    make_profile(b, YEAR, science_teachers=0, tutors_full_time=1, tutors_part_time=2, has_tech_room=False)
    make_profile(c, YEAR, science_teachers=1, tutors_part_time=1, has_tech_room=True, district_run=False)
    make_profile(d, YEAR - 1, science_teachers=3, has_tech_room=True, feature_level="municipal")
    return a, b, c, d


# --- every page renders, with the tab bar -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["yc_admin", "yc_liaison"])
@pytest.mark.parametrize("name", ["schools", "agri_towns", "funding", "associations"])
def test_the_pages_render_with_the_tab_bar(client_for, persona, name, schools):
    response = client_for(persona).get(_url(name, region="500118", year=YEAR))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="nav nav-tabs' in html and reverse("venues:list") in html
    assert "table-responsive" in html


def test_the_pages_need_a_staff_role(client_for):
    assert client_for("outsider").get(_url("schools")).status_code == 403
    assert client_for("citizen").get(_url("funding")).status_code == 403
    response = client_for("anonymous").get(_url("agri_towns"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- schools ------------------------------------------------------------------------------------------------


def test_every_school_is_listed_with_its_profile_or_a_missing_badge(client_for, schools):
    response = client_for("yc_admin").get(_url("schools", region="500118", year=YEAR))
    html = response.content.decode()
    for school in schools:
        assert school.name in html
    rows = {row["school"].name: row for row in response.context["rows"]}
    assert rows["金龙中学"]["profile"] is None and "未填报" in html
    assert rows["中山路小学"]["profile"].staff_compliant
    assert rows["青峰中学"]["profile"].staff_compliant  # 1 full-time + 2 part-time tutors
    assert not rows["金龙小学"]["profile"].staff_compliant


def test_the_school_totals_equal_the_measures(client_for, schools, yongchuan):
    response = client_for("yc_admin").get(_url("schools", region="500118", year=YEAR))
    totals = response.context["totals"]
    assert (totals["schools"], totals["profiles"], totals["missing"], totals["compliant"]) == (4, 3, 1, 2)
    assert (totals["district_profiles"], totals["district_rooms"]) == (2, 1)
    compliance, rooms = (f.value for f in response.context["figures"])
    assert compliance.value == Decimal(totals["compliant"]) / totals["schools"]
    assert rooms.value == Decimal(totals["district_rooms"]) / totals["district_profiles"]
    measured = get_measure("school_science_staff_compliance").compute([yongchuan], YEAR)["500118"]
    assert (measured.numerator, measured.denominator) == (totals["compliant"], totals["schools"])
    measured = get_measure("school_tech_room_ratio").compute([yongchuan], YEAR)["500118"]
    assert (measured.numerator, measured.denominator) == (totals["district_rooms"], totals["district_profiles"])
    html = response.content.decode()
    assert "50.00%" in html  # both measures are 1/2 and 2/4


def test_the_school_filters_match_the_measures_drill_down(client_for, schools):
    client = client_for("yc_admin")

    def names(**params):
        response = client.get(_url("schools", region="500118", year=YEAR, **params))
        return sorted(row["school"].name for row in response.context["rows"])

    assert names(compliant=0) == ["金龙中学", "金龙小学"]  # the school without a profile counts as short
    assert names(compliant=1) == ["中山路小学", "青峰中学"]
    assert names(district_run=1) == ["中山路小学", "青峰中学"]
    assert names(district_run=1, room=0) == ["青峰中学"]
    assert names(missing=1) == ["金龙中学"]
    assert names(q="金龙") == ["金龙中学", "金龙小学"]


def test_a_bad_filter_value_is_explained(client_for, schools):
    response = client_for("yc_admin").get(_url("schools", region="500118", year=YEAR, room="maybe"))
    assert response.status_code == 200
    assert "科技活动室：" in response.content.decode()


def test_a_region_admin_enters_a_profile(client_for, schools):
    school = schools[3]
    response = client_for("yc_admin").post(_url("school_profile", school.pk, YEAR), {
        "district_run": "on", "science_teachers": "2", "tutors_full_time": "0", "tutors_part_time": "1",
        "has_tech_room": "on", "feature_level": "district", "note": "",
    })
    assert response.status_code == 302
    profile = SchoolProfile.objects.get(unit=school, year=YEAR)
    assert (profile.science_teachers, profile.feature_level, profile.has_tech_room) == (2, "district", True)


def test_negative_numbers_are_refused_in_chinese(client_for, schools):
    school = schools[0]
    profile = SchoolProfile.objects.get(unit=school, year=YEAR)
    response = client_for("yc_admin").post(_url("school_profile", school.pk, YEAR), {
        "science_teachers": "-1", "tutors_full_time": "0", "tutors_part_time": "-3",
        "loaded_at": profile.updated_at.isoformat(),
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "科学教师人数不能为负数。" in html and "兼职科技辅导员人数不能为负数。" in html
    profile.refresh_from_db()
    assert profile.science_teachers == 2


def test_a_stale_profile_form_is_refused(client_for, schools):
    school = schools[0]
    profile = SchoolProfile.objects.get(unit=school, year=YEAR)
    loaded = profile.updated_at.isoformat()
    make_profile(school, YEAR, science_teachers=5)
    response = client_for("yc_admin").post(_url("school_profile", school.pk, YEAR), {
        "science_teachers": "1", "tutors_full_time": "0", "tutors_part_time": "0", "loaded_at": loaded,
    })
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    assert SchoolProfile.objects.get(pk=profile.pk).science_teachers == 5


def test_last_years_profile_is_the_start_of_this_years(client_for, schools):
    school = schools[3]  # has only a 2023 profile
    client = client_for("yc_admin")
    page = client.get(_url("school_profile", school.pk, YEAR))
    assert "以 2023 年数据为起点填写" in page.content.decode()
    copied = client.get(_url("school_profile", school.pk, YEAR, copy=1))
    form = copied.context["form"]
    assert form["science_teachers"].value() == 3 and form["feature_level"].value() == "municipal"
    assert not SchoolProfile.objects.filter(unit=school, year=YEAR).exists()  # nothing saved yet


def test_another_district_gets_404_for_a_school(client_for, schools):
    school = schools[0]
    assert client_for("spb_admin").get(_url("school_profile", school.pk, YEAR)).status_code == 404
    response = client_for("spb_admin").post(_url("school_profile", school.pk, YEAR), {"science_teachers": "9"})
    assert response.status_code == 404
    assert SchoolProfile.objects.get(unit=school, year=YEAR).science_teachers == 2


def test_the_education_bureau_liaison_cannot_edit_a_school_that_is_not_his_unit(client_for, schools, personas):
    school = schools[0]
    client = client_for("yc_liaison")
    assert client.get(_url("school_profile", school.pk, YEAR)).status_code == 404
    listed = client.get(_url("schools", region="500118", year=YEAR))
    assert school.name not in listed.content.decode()
    # The school's own liaison may.
    teacher = UserFactory(username="school_liaison")
    grant(teacher, Role.UNIT_LIAISON, unit=school)
    own = Client()
    own.force_login(teacher)
    page = own.get(_url("schools", region="500118", year=YEAR))
    assert [row["school"] for row in page.context["rows"]] == [school]
    assert page.context["rows"][0]["can_edit"]
    assert "不显示该区域的指标值" in page.content.decode()  # he sees one school, not the district
    response = own.post(_url("school_profile", school.pk, YEAR),
                        {"science_teachers": "4", "tutors_full_time": "0", "tutors_part_time": "0"})
    assert response.status_code == 302
    assert SchoolProfile.objects.get(unit=school, year=YEAR).science_teachers == 4


def test_a_school_under_the_bureau_is_not_the_bureau_liaisons_either(client_for, schools, yc_education):
    school = schools[1]
    school.parent = yc_education
    school.save()
    client = client_for("yc_liaison")
    assert client.get(_url("school_profile", school.pk, YEAR)).status_code == 404
    response = client.post(_url("school_profile", school.pk, YEAR), {"science_teachers": "9"})
    assert response.status_code == 404
    assert SchoolProfile.objects.get(unit=school, year=YEAR).science_teachers == 0


def test_a_reviewer_sees_the_school_but_may_not_edit_it(client_for, schools):
    assert client_for("yc_reviewer").get(_url("school_profile", schools[0].pk, YEAR)).status_code == 403


def test_the_school_export_lists_every_school(client_for, schools):
    response = client_for("yc_admin").get(_url("schools_export", region="500118", year=YEAR))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(r[2] for r in rows) == sorted(s.full_name for s in schools)
    assert next(r for r in rows if r[2] == "金龙中学")[5] == "未填报"


# --- agriculture-related towns and 农技协 ---------------------------------------------------------------


@pytest.fixture
def agri(db):
    """金龙镇 is agriculture-related by a rural village and has a 农技协; 青峰镇 is by a rural village and
    has none; 中山路街道 has only a community."""
    make_village("500118101", rural=True)
    make_village("500118100", rural=True)
    make_village("500118001", rural=False)
    association = make_association("500118101", name="金龙柑橘协会", members=120, on_smart_platform=True)
    return association


def test_agri_towns_say_why_and_match_the_measure(client_for, agri, yongchuan):
    response = client_for("yc_admin").get(_url("agri_towns", region="500118", year=YEAR))
    assert response.status_code == 200
    rows = {row["town"].code: row for row in response.context["rows"]}
    assert rows["500118101"]["town"].is_agri and rows["500118101"]["town"].covered
    assert "含乡村（2xx）村 1 个" in rows["500118101"]["reason"]
    assert [a.name for a in rows["500118101"]["associations"]] == ["金龙柑橘协会"]
    assert rows["500118100"]["town"].is_agri and not rows["500118100"]["town"].covered
    assert not rows["500118001"]["town"].is_agri
    totals = response.context["totals"]
    assert (totals["agri"], totals["covered"], totals["on_platform"]) == (2, 1, 1)
    figure = response.context["figure"].value
    assert figure.value == Decimal(1) / 2
    measured = get_measure("agri_town_association_ratio").compute([yongchuan], YEAR)["500118"]
    assert (measured.numerator, measured.denominator) == (totals["covered"], totals["agri"])
    html = response.content.decode()
    assert "金龙柑橘协会" in html and "50.00%" in html


def test_an_association_dissolved_during_the_year_does_not_cover_the_town(client_for, agri):
    agri.dissolved_on = datetime.date(YEAR, 6, 30)
    agri.save()
    response = client_for("yc_admin").get(_url("agri_towns", region="500118", year=YEAR, agri=1, covered=0))
    assert {row["town"].code for row in response.context["rows"]} == {"500118100", "500118101"}
    assert response.context["totals"]["covered"] == 0


def test_a_region_admin_overrides_the_class_codes(client_for, agri):
    town = Region.objects.get(code="500118001")
    client = client_for("yc_admin")
    response = client.post(_url("agri_override", "500118001"),
                           {"agri": "yes", "loaded_at": town.updated_at.isoformat(),
                            "next": _url("agri_towns", region="500118", year=YEAR)})
    assert response.status_code == 302
    town.refresh_from_db()
    assert town.agri_related_override is True
    page = client.get(_url("agri_towns", region="500118", year=YEAR))
    row = next(r for r in page.context["rows"] if r["town"].code == "500118001")
    assert row["reason"] == "人工认定" and row["override"] == "yes"
    assert page.context["totals"]["agri"] == 3
    assert page.context["figure"].value.denominator == 3
    # Back to the class codes.
    client.post(_url("agri_override", "500118001"), {"agri": "auto"})
    town.refresh_from_db()
    assert town.agri_related_override is None


def test_a_stale_override_is_refused(client_for, agri):
    town = Region.objects.get(code="500118001")
    loaded = town.updated_at.isoformat()
    client = client_for("yc_admin")
    client.post(_url("agri_override", "500118001"), {"agri": "no"})
    response = client.post(_url("agri_override", "500118001"), {"agri": "yes", "loaded_at": loaded}, follow=True)
    assert "已被他人修改" in response.content.decode()
    town.refresh_from_db()
    assert town.agri_related_override is False


def test_the_override_is_scoped(client_for, agri):
    assert client_for("spb_admin").post(_url("agri_override", "500118001"), {"agri": "yes"}).status_code == 404
    assert client_for("yc_reviewer").post(_url("agri_override", "500118001"), {"agri": "yes"}).status_code == 403
    assert Region.objects.get(code="500118001").agri_related_override is None


def test_an_association_is_entered_edited_and_deleted(client_for, agri):
    client = client_for("yc_admin")
    response = client.post(_url("association_create"), {
        "name": "青峰茶叶协会", "region_code": "500118100", "founded_on": "2020-03-01", "members": "35",
        "industry": "茶叶", "on_smart_platform": "on",
    })
    assert response.status_code == 302
    association = RuralTechAssociation.objects.get(name="青峰茶叶协会")
    assert association.region.code == "500118100" and association.on_smart_platform
    listed = client.get(_url("associations", region="500118100"))
    assert [a.name for a in listed.context["page"]] == ["青峰茶叶协会"]
    response = client.post(_url("association_edit", association.pk), {
        "name": "青峰茶叶协会", "region_code": "500118100", "founded_on": "2020-03-01", "members": "40",
        "loaded_at": association.updated_at.isoformat(),
    })
    assert response.status_code == 302
    association.refresh_from_db()
    assert association.members == 40 and not association.on_smart_platform
    assert client.post(_url("association_delete", association.pk)).status_code == 302
    assert not RuralTechAssociation.objects.filter(pk=association.pk).exists()


def test_bad_association_input_is_named_in_chinese(client_for, agri):
    response = client_for("yc_admin").post(_url("association_create"), {
        "name": "某协会", "region_code": "500118", "founded_on": "2021-01-01", "dissolved_on": "2020-01-01",
        "members": "-5",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "会员数不能为负数。" in html and "注销日期不能早于成立日期。" in html
    response = client_for("yc_admin").post(_url("association_create"), {
        "name": "某协会", "region_code": "500118", "members": "5"})
    assert "农技协须登记在镇（街）或村（社区）。" in response.content.decode()
    response = client_for("yc_admin").post(_url("association_create"), {
        "name": "某协会", "region_code": "500106001", "members": "5"})
    assert "不存在，或不在您的工作范围内" in response.content.decode()
    assert not RuralTechAssociation.objects.filter(name="某协会").exists()


def test_associations_are_scoped(client_for, agri):
    assert client_for("spb_admin").get(_url("association_edit", agri.pk)).status_code == 404
    assert client_for("spb_admin").post(_url("association_delete", agri.pk)).status_code == 404
    listed = client_for("spb_admin").get(_url("associations"))
    assert "金龙柑橘协会" not in listed.content.decode()
    assert client_for("yc_reviewer").get(_url("association_edit", agri.pk)).status_code == 403


def test_the_agri_exports(client_for, agri):
    client = client_for("yc_admin")
    response = client.get(_url("agri_towns_export", region="500118", year=YEAR))
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    jinlong = next(r for r in rows if r[0] == "500118101")
    assert jinlong[3] == "是" and jinlong[5] == "是" and jinlong[7] == "金龙柑橘协会"
    response = client.get(_url("associations_export", region="500118"))
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in rows] == ["金龙柑橘协会"]


# --- funding ------------------------------------------------------------------------------------------------


@pytest.fixture
def funding(db, yongchuan):
    Population.objects.create(region=yongchuan, year=YEAR, residents=1_000_000)
    own = make_funding("500118", YEAR, "fiscal_budget", budgeted="1500000", received=Decimal("1200000"),
                       purpose="区本级科普经费")
    special = make_funding("500118", YEAR, "fiscal_special", budgeted="500000", purpose="科普专项")
    donation = make_funding("500118101", YEAR, "donation", received=Decimal("20000"), use="activities",
                            purpose="企业捐赠")
    make_funding("500118", YEAR - 1, "fiscal_budget", budgeted="999", purpose="去年的")
    make_funding("500106", YEAR, "fiscal_budget", budgeted="777", purpose="沙坪坝的")
    return own, special, donation


def test_funding_totals_by_group_and_the_per_capita_value(client_for, funding, yongchuan):
    response = client_for("yc_admin").get(_url("funding", region="500118", year=YEAR))
    assert response.status_code == 200
    assert sorted(r.purpose for r in response.context["page"]) == ["企业捐赠", "区本级科普经费", "科普专项"]
    totals = response.context["totals"]
    groups = {g["label"]: g for g in totals["groups"]}
    assert groups["政府拨款"]["budgeted"] == Decimal("2000000") and groups["政府拨款"]["received"] == Decimal("1200000")
    assert groups["捐赠"]["received"] == Decimal("20000") and groups["捐赠"]["budgeted"] is None
    assert totals["total"]["n"] == 3
    figure = response.context["figure"].value
    measured = get_measure("fiscal_funding_per_capita").compute([yongchuan], YEAR)["500118"]
    assert figure.value == measured.value == Decimal(2)
    html = response.content.decode()
    assert "2.00 元/人" in html and "沙坪坝的" not in html and "去年的" not in html


def test_the_source_filter(client_for, funding):
    response = client_for("yc_admin").get(_url("funding", region="500118", year=YEAR, source="donation"))
    assert [r.purpose for r in response.context["page"]] == ["企业捐赠"]


def test_no_funding_gives_the_reason(client_for, db):
    response = client_for("yc_admin").get(_url("funding", region="500118", year=YEAR))
    assert response.context["figure"].display == "—"
    assert "没有该年度本级的科普经费记录" in response.content.decode()


def test_funding_is_entered_and_edited(client_for, funding):
    client = client_for("yc_admin")
    response = client.post(_url("funding_create"), {
        "region_code": "500118", "year": str(YEAR), "source": "fiscal_special", "use": "activities",
        "budgeted": "100000.50", "received": "", "purpose": "科普日活动",
    })
    assert response.status_code == 302
    record = FundingRecord.objects.get(purpose="科普日活动")
    assert record.budgeted == Decimal("100000.50") and record.received is None
    response = client.post(_url("funding_edit", record.pk), {
        "region_code": "500118", "year": str(YEAR), "source": "fiscal_special", "use": "activities",
        "budgeted": "100000.50", "received": "90000", "purpose": "科普日活动",
        "loaded_at": record.updated_at.isoformat(),
    })
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.received == Decimal("90000")


def test_bad_funding_input_is_named_in_chinese(client_for, funding):
    client = client_for("yc_admin")
    base = {"region_code": "500118", "year": str(YEAR), "source": "fiscal_budget", "use": "activities",
            "purpose": "x"}
    response = client.post(_url("funding_create"), {**base, "budgeted": "", "received": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("预算金额和到位金额至少填写一项。") == 2  # the hint and the one error
    assert "funding_amount_present" not in html
    response = client.post(_url("funding_create"), {**base, "budgeted": "-10", "received": "-1"})
    html = response.content.decode()
    assert "预算金额不能为负数。" in html and "到位金额不能为负数。" in html
    response = client.post(_url("funding_create"), {**base, "region_code": "500106", "budgeted": "1"})
    assert "不存在，或不在您的工作范围内" in response.content.decode()
    assert not FundingRecord.objects.filter(purpose="x").exists()


def test_funding_is_scoped(client_for, funding):
    own = funding[0]
    client = client_for("spb_admin")
    for name in ("funding_detail", "funding_edit"):
        assert client.get(_url(name, own.pk)).status_code == 404
    assert client.post(_url("funding_delete", own.pk)).status_code == 404
    assert client_for("yc_reviewer").get(_url("funding_edit", own.pk)).status_code == 403
    assert FundingRecord.objects.filter(pk=own.pk).exists()


def test_documents_are_attached_and_served_only_within_scope(client_for, funding, media, settings):
    own = funding[0]
    client = client_for("yc_admin")
    response = client.post(_url("funding_document_upload", own.pk),
                           {"file": SimpleUploadedFile("预算批复.pdf", PDF, content_type="application/pdf"),
                            "description": "批复"})
    assert response.status_code == 302
    document = FundingDocument.objects.get(record=own)
    assert document.original_name == "预算批复.pdf"
    download = client.get(_url("funding_document", own.pk, document.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert client_for("spb_admin").get(_url("funding_document", own.pk, document.pk)).status_code == 404
    assert client_for("yc_liaison").get(_url("funding_document", own.pk, document.pk)).status_code == 404
    assert client_for("outsider").get(_url("funding_document", own.pk, document.pk)).status_code == 403
    assert client_for("anonymous").get(_url("funding_document", own.pk, document.pk)).status_code == 302
    # The stored file is not reachable under MEDIA_URL.
    assert client_for("anonymous").get(settings.MEDIA_URL + document.file.name).status_code == 404
    # The document of another record's number is not found through this one.
    other = funding[1]
    assert client.get(_url("funding_document", other.pk, document.pk)).status_code == 404
    assert client_for("spb_admin").post(_url("funding_document_delete", own.pk, document.pk)).status_code == 404
    assert client.post(_url("funding_document_delete", own.pk, document.pk)).status_code == 302
    assert not FundingDocument.objects.filter(pk=document.pk).exists()


def test_only_checked_document_types_are_stored(client_for, funding, media):
    own = funding[0]
    response = client_for("yc_admin").post(
        _url("funding_document_upload", own.pk),
        {"file": SimpleUploadedFile("预算.pdf", b"<html>not a pdf</html>", content_type="application/pdf")},
        follow=True)
    assert "内容不是允许的类型" in response.content.decode()
    assert not FundingDocument.objects.filter(record=own).exists()


def test_the_funding_export(client_for, funding):
    response = client_for("yc_admin").get(_url("funding_export", region="500118", year=YEAR))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    records, summary = book.worksheets
    assert sorted(r[9] for r in records.iter_rows(min_row=2, values_only=True)) == ["企业捐赠", "区本级科普经费", "科普专项"]
    last = list(summary.iter_rows(min_row=2, values_only=True))[-1]
    assert last[0] == "合计" and last[1] == 3 and Decimal(str(last[2])) == Decimal("2000000")
