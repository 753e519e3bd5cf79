"""Staff pages of 科普阵地: the list and export, a venue's page (certifications, visitors, photos),
the forms, the map and the 站栏员 coverage page, each checked for scope and for masked phones."""

import datetime
import io
import random
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kepu.accounts.models import Role, RoleAssignment
from kepu.accounts.tests.factories import UserFactory, grant
from kepu.core.measures import get_measure
from kepu.core.models import AuditEntry
from kepu.regions.models import Region

from .. import services
from ..models import Certification, Level, Venue, VenuePhoto, VenueType, VisitorFigure
from .factories import appoint_officer, equip_village, make_certification, make_venue, make_village

pytestmark = pytest.mark.django_db
LIST = reverse("venues:list")
MAP = reverse("venues:map")
COVERAGE = reverse("venues:coverage")
TODAY = timezone.localdate()
THIS_YEAR = TODAY.year
PHONE = "13912345678"


def _names(response) -> list[str]:
    return sorted(v.name for v in response.context["page"])


def _png(size=(800, 600), noisy=False) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    if noisy:  # a photo-like image: its thumbnail is much smaller than the file
        Image.frombytes("RGB", size, random.Random(1).randbytes(size[0] * size[1] * 3)).save(out, "PNG")
    else:
        Image.new("RGB", size, (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def museum(db):
    return make_venue("500118001", VenueType.SCIENCE_MUSEUM, name="永川科技馆", address="永川区人民大道 1 号",
                      longitude=Decimal("105.927"), latitude=Decimal("29.356"), capacity=500)


@pytest.fixture
def spb_venue(db):
    return make_venue("500106", VenueType.EDUCATION_BASE, name="沙坪坝科普基地")


# --- every page renders ---------------------------------------------------------------------------------


def test_each_page_renders_for_a_district_admin(client_for, museum, media):
    cert = make_certification(museum, year=THIS_YEAR - 1)
    village = make_village("500118100")
    equip_village(village)
    client = client_for("yc_admin")
    photo = services.photo_add(actor=None, venue=museum, upload=SimpleUploadedFile("a.png", _png()))
    pages = [LIST, reverse("venues:create"), reverse("venues:detail", args=[museum.pk]),
             reverse("venues:edit", args=[museum.pk]), reverse("venues:delete", args=[museum.pk]),
             reverse("venues:certification_create", args=[museum.pk]),
             reverse("venues:certification_edit", args=[museum.pk, cert.pk]), MAP, COVERAGE]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b'name="csrfmiddlewaretoken"' in response.content or url in (MAP, LIST)
    for url in (reverse("venues:export"), reverse("venues:coverage_export")):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("venues:map_data")).json()["points"]
    assert client.get(reverse("venues:photo", args=[museum.pk, photo.pk])).status_code == 200


def test_list_pages_carry_the_base_data_tabs(client_for, museum):
    client = client_for("yc_admin")
    for url in (LIST, MAP, COVERAGE):
        page = client.get(url).content.decode()
        assert 'aria-label="基础数据"' in page and reverse("basedata:schools") in page, url


# --- scope ----------------------------------------------------------------------------------------------


def test_the_list_map_and_export_show_only_venues_in_scope(client_for, museum, spb_venue):
    assert _names(client_for("yc_admin").get(LIST)) == ["永川科技馆"]
    assert _names(client_for("spb_admin").get(LIST)) == ["沙坪坝科普基地"]
    assert _names(client_for("city_admin").get(LIST, {"region": ""})) == ["永川科技馆", "沙坪坝科普基地"]
    # Another district's code as the filter shows nothing of it.
    assert _names(client_for("spb_admin").get(LIST, {"region": "500118"})) == []
    data = client_for("spb_admin").get(reverse("venues:map_data"), {"region": "500118"}).json()
    assert all(p["name"] != "永川科技馆" for p in data["points"])
    book = openpyxl.load_workbook(io.BytesIO(client_for("spb_admin").get(reverse("venues:export"),
                                                                          {"region": ""}).content))
    names = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["沙坪坝科普基地"]


def test_a_venue_out_of_scope_is_not_found(client_for, museum, media):
    cert = make_certification(museum)
    photo = services.photo_add(actor=None, venue=museum, upload=SimpleUploadedFile("a.png", _png()))
    client = client_for("spb_admin")
    for url in (reverse("venues:detail", args=[museum.pk]), reverse("venues:edit", args=[museum.pk]),
                reverse("venues:delete", args=[museum.pk]),
                reverse("venues:certification_edit", args=[museum.pk, cert.pk]),
                reverse("venues:photo", args=[museum.pk, photo.pk])):
        assert client.get(url).status_code == 404, url
    for url in (reverse("venues:visitors", args=[museum.pk]), reverse("venues:photo_delete", args=[museum.pk, photo.pk]),
                reverse("venues:certification_delete", args=[museum.pk, cert.pk])):
        assert client.post(url, {"year": THIS_YEAR}).status_code == 404, url
    assert Venue.objects.filter(pk=museum.pk).exists() and VenuePhoto.objects.filter(pk=photo.pk).exists()


def test_a_certification_of_another_venue_is_not_found_under_this_one(client_for, museum):
    other = make_venue("500118", name="另一个阵地")
    cert = make_certification(other)
    response = client_for("yc_admin").get(reverse("venues:certification_edit", args=[museum.pk, cert.pk]))
    assert response.status_code == 404


def test_who_may_edit(client_for, museum, yc_education):
    edit = reverse("venues:edit", args=[museum.pk])
    # A reviewer sees the venue but may not change it.
    reviewer = client_for("yc_reviewer")
    assert reviewer.get(reverse("venues:detail", args=[museum.pk])).status_code == 200
    assert reviewer.get(edit).status_code == 403
    assert reviewer.get(reverse("venues:create")).status_code == 403
    assert reviewer.post(reverse("venues:visitors", args=[museum.pk]), {"year": THIS_YEAR, "m1": 5}).status_code == 403
    assert "新增阵地" not in reviewer.get(LIST).content.decode()
    # A unit liaison sees (and keeps) only the venues their unit runs.
    liaison = client_for("yc_liaison")
    assert liaison.get(edit).status_code == 404
    school_museum = make_venue("500118", VenueType.CAMPUS_MUSEUM, name="校园科技馆", unit=yc_education)
    assert _names(liaison.get(LIST)) == ["校园科技馆"]
    assert liaison.get(reverse("venues:edit", args=[school_museum.pk])).status_code == 200
    # Citizens and people without a role have no staff pages.
    for name in ("citizen", "outsider"):
        for url in (LIST, edit, MAP, COVERAGE, reverse("venues:create")):
            assert client_for(name).get(url).status_code == 403, (name, url)
    assert Client().get(LIST).status_code == 302


PERSONAS = ["platform_admin", "city_admin", "yc_admin", "spb_admin", "yc_liaison", "yc_reviewer", "citizen",
            "outsider", "anonymous"]
OUTSIDE = {"citizen": 403, "outsider": 403, "anonymous": 302}
MATRIX = [
    ("list", {**OUTSIDE, "*": 200}),
    ("create", {**OUTSIDE, "yc_reviewer": 403, "*": 200}),
    ("detail", {**OUTSIDE, "spb_admin": 404, "yc_liaison": 404, "*": 200}),
    ("edit", {**OUTSIDE, "spb_admin": 404, "yc_liaison": 404, "yc_reviewer": 403, "*": 200}),
    ("map", {**OUTSIDE, "*": 200}),
    ("coverage", {**OUTSIDE, "yc_liaison": 403, "*": 200}),
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client_for, persona, museum):
    client = client_for(persona)
    for name, table in MATRIX:
        url = reverse(f"venues:{name}", args=[museum.pk] if name in ("detail", "edit") else [])
        assert client.get(url).status_code == table.get(persona, table["*"]), (persona, name)


# --- the list -------------------------------------------------------------------------------------------


def test_the_list_starts_at_the_working_region_and_filters(client_for, museum):
    make_venue("500118100", VenueType.GALLERY, name="青峰画廊", is_public=False)
    make_venue("500118", VenueType.EDUCATION_BASE, name="旧基地", closed_on=datetime.date(THIS_YEAR - 1, 6, 1),
               opened_on=datetime.date(2010, 1, 1))
    make_venue("500106", name="沙区基地")
    yc = client_for("yc_admin")
    response = yc.get(LIST)
    assert response.context["form"].region_obj.code == "500118"
    assert _names(response) == ["旧基地", "永川科技馆", "青峰画廊"]
    # Someone working in two districts starts in the first; an empty code shows all they see.
    both = UserFactory(username="two-districts")
    grant(both, Role.REGION_ADMIN, region="500106")
    grant(both, Role.REGION_ADMIN, region="500118")
    client = Client()
    client.force_login(both)
    assert _names(client.get(LIST, {"region": ""})) == ["旧基地", "永川科技馆", "沙区基地", "青峰画廊"]
    assert _names(yc.get(LIST, {"region": "500118001"})) == ["永川科技馆"]
    assert _names(yc.get(LIST, {"type": VenueType.GALLERY})) == ["青峰画廊"]
    assert _names(yc.get(LIST, {"public": "0"})) == ["青峰画廊"]
    assert _names(yc.get(LIST, {"in_use": "1", "year": THIS_YEAR})) == ["永川科技馆", "青峰画廊"]
    assert _names(yc.get(LIST, {"in_use": "1", "year": THIS_YEAR - 2})) == ["旧基地", "永川科技馆", "青峰画廊"]
    assert _names(yc.get(LIST, {"q": "人民大道"})) == ["永川科技馆"]
    assert _names(yc.get(LIST, {"coords": "0"})) == ["旧基地", "青峰画廊"]


def test_type_counts_cover_the_filtered_set(client_for, museum):
    make_venue("500118100", VenueType.GALLERY, name="画廊一")
    make_venue("500118100", VenueType.GALLERY, name="画廊二")
    make_venue("500106", VenueType.GALLERY, name="沙区画廊")
    response = client_for("yc_admin").get(LIST, {"region": "500118"})
    counts = {key: n for key, _label, n in response.context["type_counts"]}
    assert counts == {VenueType.SCIENCE_MUSEUM: 1, VenueType.GALLERY: 2}
    response = client_for("yc_admin").get(LIST, {"region": "500118100", "type": VenueType.GALLERY})
    assert {key: n for key, _label, n in response.context["type_counts"]} == {VenueType.GALLERY: 2}


def test_certified_municipal_means_municipal_or_national_in_force_that_year(client_for, yongchuan):
    national = make_venue(name="国家级基地")
    make_certification(national, Level.NATIONAL, year=2020)
    municipal = make_venue(name="市级基地")
    make_certification(municipal, Level.MUNICIPAL, year=2021, valid_until=datetime.date(2026, 12, 31))
    district = make_venue(name="区级基地")
    make_certification(district, Level.DISTRICT, year=2021)
    expired = make_venue(name="过期基地")
    make_certification(expired, Level.MUNICIPAL, year=2018, valid_until=datetime.date(2021, 12, 31))
    revoked = make_venue(name="撤销基地")
    cert = make_certification(revoked, Level.MUNICIPAL, year=2019)
    services.certification_update(actor=None, certification=cert, revoked_on=datetime.date(2022, 3, 1))
    client = client_for("yc_admin")

    def names(**params):
        return _names(client.get(LIST, {"region": "500118", "year": 2023, **params}))

    assert names(certified="municipal") == ["国家级基地", "市级基地"]
    assert names(certified="national") == ["国家级基地"]
    assert names(certified="district") == ["区级基地", "国家级基地", "市级基地"]
    assert _names(client.get(LIST, {"region": "500118", "year": 2021, "certified": "municipal"})) == [
        "国家级基地", "市级基地", "撤销基地", "过期基地"]
    # The measure's drill-down opens the same list.
    value = get_measure("certified_bases_count").compute([yongchuan], 2023)["500118"]
    response = client.get(value.records_url)
    assert _names(response) == ["国家级基地", "市级基地"] and value.detail["bases"] == 2


@pytest.mark.parametrize("params", [{"region": "nonexistent"}, {"year": "abc"}, {"type": "castle"},
                                    {"certified": "galactic"}, {"page": "x"}, {"in_use": "maybe"}])
def test_bad_filters_are_explained_not_crashed(client_for, museum, params):
    response = client_for("yc_admin").get(LIST, params)
    assert response.status_code == 200
    if "page" not in params:
        assert response.context["errors"] and "筛选条件有误" in response.content.decode()
    response = client_for("yc_admin").get(reverse("venues:export"), params)
    assert response.status_code in (200, 302)


def test_the_list_renders_its_results_alone_for_htmx(client_for, museum):
    response = client_for("yc_admin").get(LIST, {"q": "科技"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "永川科技馆" in page and "<html" not in page and "即将到期的认定" not in page


def test_the_export_has_the_filtered_venues_and_their_certifications(client_for, museum):
    make_certification(museum, Level.NATIONAL, year=2022, title="全国科普教育基地")
    make_venue("500118100", VenueType.GALLERY, name="青峰画廊")
    response = client_for("yc_admin").get(reverse("venues:export"), {"type": VenueType.SCIENCE_MUSEUM})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1
    assert rows[0][0] == "永川科技馆" and rows[0][3] == "500118001" and "全国科普教育基地" in rows[0][-1]


def test_the_panel_lists_certifications_coming_due_in_scope(client_for, museum):
    make_certification(museum, year=2020, valid_until=TODAY + datetime.timedelta(days=20), title="二十天后到期")
    make_certification(museum, Level.NATIONAL, year=2021, review_on=TODAY + datetime.timedelta(days=80),
                       title="八十天后复评")
    make_certification(museum, Level.DISTRICT, year=2021, valid_until=TODAY + datetime.timedelta(days=200),
                       title="还早")
    make_certification(make_venue("500106"), year=2020, valid_until=TODAY + datetime.timedelta(days=10),
                       title="沙区的")
    response = client_for("yc_admin").get(LIST)
    assert [str(c) for c in response.context["expiring"]] == ["二十天后到期", "八十天后复评"]
    assert [c.days_left for c in response.context["expiring"]] == [20, 80]
    assert "即将到期的认定" in response.content.decode()


# --- add, edit, delete ----------------------------------------------------------------------------------


def _venue_post(**changes):
    data = {"name": "青峰镇科普e站", "type": VenueType.E_STATION, "region_code": "500118100", "unit": "",
            "address": "青峰场镇", "longitude": "105.8", "latitude": "29.3", "opening_hours": "9:00-17:00",
            "floor_area": "80", "exhibition_area": "50", "capacity": "30", "is_public": "on", "opened_on": "2020-05-01",
            "closed_on": "", "description": ""}
    data.update(changes)
    return data


def test_a_region_admin_adds_and_edits_a_venue(client_for, yc_education):
    client = client_for("yc_admin")
    form = client.get(reverse("venues:create")).content.decode()
    assert 'list="region-options"' in form and 'value="500118001"' in form
    response = client.post(reverse("venues:create"), _venue_post(unit=yc_education.pk))
    venue = Venue.objects.get(name="青峰镇科普e站")
    assert response.status_code == 302 and response["Location"] == reverse("venues:detail", args=[venue.pk])
    assert venue.region.code == "500118100" and venue.region_path.endswith("500118100/") and venue.unit == yc_education
    page = client.get(reverse("venues:edit", args=[venue.pk])).content.decode()
    assert 'name="loaded_at"' in page
    loaded = venue.updated_at.isoformat()
    response = client.post(reverse("venues:edit", args=[venue.pk]),
                           _venue_post(unit=yc_education.pk, name="青峰科普e站", loaded_at=loaded))
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.name == "青峰科普e站"
    assert AuditEntry.objects.filter(action="venue.updated", object_id=str(venue.pk)).exists()
    # A second edit from the page loaded before the first save is refused.
    response = client.post(reverse("venues:edit", args=[venue.pk]), _venue_post(name="过时的修改", loaded_at=loaded))
    assert response.status_code == 400 and "已被他人修改" in response.content.decode()
    venue.refresh_from_db()
    assert venue.name == "青峰科普e站"


@pytest.mark.parametrize("changes, field, message", [
    ({"closed_on": "2019-01-01"}, "closed_on", "停用日期不能早于建成日期"),
    ({"latitude": ""}, "latitude", "经度和纬度须同时填写"),
    ({"longitude": "200"}, "longitude", "180"),
    ({"name": "  "}, "name", "必填"),
    ({"region_code": "500106"}, "region_code", "不在您的工作范围内"),
    ({"region_code": "999999"}, "region_code", "不存在"),
    ({"capacity": "-3"}, "capacity", "0"),
    ({"opened_on": "2020-13-01"}, "opened_on", "日期"),
])
def test_the_venue_form_rejects_bad_input_in_chinese(client_for, changes, field, message):
    response = client_for("yc_admin").post(reverse("venues:create"), _venue_post(**changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not Venue.objects.filter(name="青峰镇科普e站").exists()


def test_a_duplicate_venue_is_named_on_the_name_field(client_for):
    make_venue("500118100", VenueType.E_STATION, name="青峰镇科普e站")
    response = client_for("yc_admin").post(reverse("venues:create"), _venue_post())
    assert response.status_code == 400 and "同名" in " ".join(response.context["form"].errors["name"])


def test_a_liaison_places_only_their_units_venues(client_for, yc_education, spb_education):
    client = client_for("yc_liaison")
    response = client.post(reverse("venues:create"), _venue_post(unit=""))
    assert response.status_code == 400 and "unit" in response.context["form"].errors
    response = client.post(reverse("venues:create"), _venue_post(region_code="500106001", unit=yc_education.pk))
    assert response.status_code == 400 and "region_code" in response.context["form"].errors
    response = client.post(reverse("venues:create"), _venue_post(unit=yc_education.pk))
    assert response.status_code == 302 and Venue.objects.get(name="青峰镇科普e站").unit == yc_education


def test_deleting_a_venue_asks_first(client_for, museum):
    client = client_for("yc_admin")
    make_certification(museum)
    page = client.get(reverse("venues:delete", args=[museum.pk])).content.decode()
    assert "1 项认定" in page and Venue.objects.filter(pk=museum.pk).exists()
    assert client_for("yc_reviewer").post(reverse("venues:delete", args=[museum.pk])).status_code == 403
    response = client.post(reverse("venues:delete", args=[museum.pk]))
    assert response.status_code == 302 and not Venue.objects.filter(pk=museum.pk).exists()


# --- the venue's page -----------------------------------------------------------------------------------


def test_the_page_shows_the_fields_and_certification_badges(client_for, museum, yc_education):
    services.venue_update(actor=None, venue=museum, unit=yc_education, opening_hours="周二至周日 9:00-17:00")
    make_certification(museum, Level.NATIONAL, year=2020, title="有效的")
    make_certification(museum, Level.MUNICIPAL, year=2019, valid_until=TODAY + datetime.timedelta(days=30),
                       title="快到期的")
    make_certification(museum, Level.DISTRICT, year=2015, valid_until=datetime.date(2018, 12, 31), title="过期的")
    response = client_for("yc_admin").get(reverse("venues:detail", args=[museum.pk]))
    page = response.content.decode()
    assert "周二至周日 9:00-17:00" in page and "区教委" in page and "105.927" in page and "29.356" in page
    statuses = {str(c): c.status.key for c in response.context["certifications"]}
    assert statuses == {"有效的": "valid", "快到期的": "expiring", "过期的": "expired"}
    assert 'data-status="expiring"' in page and "即将到期" in page and "已过期" in page


def test_certifications_are_added_edited_and_deleted(client_for, museum):
    client = client_for("yc_admin")
    url = reverse("venues:certification_create", args=[museum.pk])
    data = {"level": Level.MUNICIPAL, "title": "重庆市科普教育基地", "body": "重庆市科协", "year": 2022,
            "valid_until": "2026-12-31", "review_on": "2025-06-30", "document_number": "渝科协发〔2022〕1号"}
    assert client.post(url, data).status_code == 302
    cert = Certification.objects.get(venue=museum)
    # The same level and year twice, and an expiry before the year, are named on the field.
    response = client.post(url, data)
    assert response.status_code == 400 and "已有 2022 年的市级认定" in " ".join(response.context["form"].errors["year"])
    response = client.post(url, {**data, "year": 2023, "valid_until": "2020-01-01"})
    assert response.status_code == 400 and "有效期不能早于认定年度" in " ".join(response.context["form"].errors["valid_until"])
    response = client.post(url, {**data, "year": "abc"})
    assert response.status_code == 400 and "year" in response.context["form"].errors
    response = client.post(url, {**data, "year": 2023, "review_on": "2030-01-01"})
    assert response.status_code == 400 and "复评日期不能晚于有效期" in " ".join(response.context["form"].errors["review_on"])
    response = client.post(url, {**data, "year": 2023, "body": ""})
    assert response.status_code == 400 and "body" in response.context["form"].errors
    edit = reverse("venues:certification_edit", args=[museum.pk, cert.pk])
    response = client.post(edit, {**data, "valid_until": "2027-12-31", "revoked_on": "",
                                  "loaded_at": cert.updated_at.isoformat()})
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.valid_until == datetime.date(2027, 12, 31)
    # Correcting the document number keeps the reminders sent; a new date starts them again.
    Certification.objects.filter(pk=cert.pk).update(reminded_days=30)
    cert.refresh_from_db()
    data.update(valid_until="2027-12-31", revoked_on="")
    response = client.post(edit, {**data, "document_number": "渝科协发〔2022〕2号", "loaded_at": cert.updated_at.isoformat()})
    cert.refresh_from_db()
    assert response.status_code == 302 and cert.document_number.endswith("2号") and cert.reminded_days == 30
    client.post(edit, {**data, "review_on": "2026-06-30", "loaded_at": cert.updated_at.isoformat()})
    cert.refresh_from_db()
    assert cert.review_on == datetime.date(2026, 6, 30) and cert.reminded_days is None
    assert client_for("yc_reviewer").post(reverse("venues:certification_delete", args=[museum.pk, cert.pk])) \
        .status_code == 403
    assert client.post(reverse("venues:certification_delete", args=[museum.pk, cert.pk])).status_code == 302
    assert not Certification.objects.filter(pk=cert.pk).exists()


def test_visitor_figures_are_saved_month_by_month(client_for, museum):
    year = THIS_YEAR - 1
    services.visitors_set(actor=None, venue=museum, year=year, month=1, visitors=100)
    services.visitors_set(actor=None, venue=museum, year=year, month=2, visitors=200)
    client = client_for("yc_admin")
    page = client.get(reverse("venues:detail", args=[museum.pk]), {"year": year}).content.decode()
    assert 'id="venue-visitors-data"' in page and "echarts.min.js" in page
    assert 'name="m1" value="100"' in page
    before = AuditEntry.objects.filter(action__startswith="venue_visitors").count()
    response = client.post(reverse("venues:visitors", args=[museum.pk]),
                           {"year": year, "m1": "100", "m2": "250", "m3": "", "m4": "0", "m12": "40"})
    assert response.status_code == 302 and response["Location"].endswith(f"?year={year}#visitors")
    figures = dict(VisitorFigure.objects.filter(venue=museum, year=year).values_list("month", "visitors"))
    assert figures == {1: 100, 2: 250, 4: 0, 12: 40}
    # One service call per changed month: February, April and December.
    assert AuditEntry.objects.filter(action__startswith="venue_visitors").count() - before == 3
    chart = client.get(reverse("venues:detail", args=[museum.pk]), {"year": year}).context["chart"]
    assert chart["visitors"] == [100, 250, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40]


def test_bad_visitor_figures_are_refused_with_the_month_named(client_for, museum):
    client = client_for("yc_admin")
    response = client.post(reverse("venues:visitors", args=[museum.pk]), {"year": THIS_YEAR - 1, "m3": "-5"})
    assert response.status_code == 400
    assert "m3" in response.context["visitors_form"].errors
    if TODAY.month < 12:
        later = TODAY.month + 1
        response = client.post(reverse("venues:visitors", args=[museum.pk]), {"year": THIS_YEAR, f"m{later}": "5"})
        assert response.status_code == 400 and "尚未到来" in response.content.decode()
    response = client.post(reverse("venues:visitors", args=[museum.pk]), {"year": "1800", "m1": "5"})
    assert response.status_code == 302
    assert not VisitorFigure.objects.filter(venue=museum).exists()


def test_photos_are_uploaded_shown_as_thumbnails_and_removed(client_for, museum, media):
    client = client_for("yc_admin")
    response = client.post(reverse("venues:photo_upload", args=[museum.pk]),
                           {"photo": SimpleUploadedFile("门口.png", _png(noisy=True), content_type="image/png"),
                            "description": "正门"})
    assert response.status_code == 302
    photo = VenuePhoto.objects.get(venue=museum)
    page = client.get(reverse("venues:detail", args=[museum.pk])).content.decode()
    url = reverse("venues:photo", args=[museum.pk, photo.pk])
    assert f'src="{url}?thumb=1"' in page and "/media/" not in page
    thumb = client.get(url, {"thumb": "1"})
    assert thumb["Content-Type"] == "image/jpeg" and len(thumb.content) < len(_png(noisy=True)) / 5
    from PIL import Image

    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 480
    full = client.get(url)
    assert full["Content-Type"] == "image/png" and b"".join(full.streaming_content) == _png(noisy=True)
    assert "sandbox" in full["Content-Security-Policy"] and full["Cache-Control"].startswith("private")
    # A file that is not an image is refused with the reason.
    response = client.post(reverse("venues:photo_upload", args=[museum.pk]),
                           {"photo": SimpleUploadedFile("x.png", b"not an image")})
    assert response.status_code == 400 and "不是允许的类型" in response.content.decode()
    assert client.post(reverse("venues:photo_delete", args=[museum.pk, photo.pk])).status_code == 302
    assert not VenuePhoto.objects.filter(pk=photo.pk).exists()


def test_photos_are_not_reachable_by_outsiders(client_for, museum, media):
    photo = services.photo_add(actor=None, venue=museum, upload=SimpleUploadedFile("a.png", _png()))
    url = reverse("venues:photo", args=[museum.pk, photo.pk])
    assert client_for("spb_admin").get(url).status_code == 404
    assert client_for("citizen").get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page
    # The stored file has no public address.
    assert Client().get("/media/" + photo.file.name).status_code == 404
    assert client_for("yc_admin").get("/media/" + photo.file.name).status_code == 404
    # Under another venue's address the photo is not found either.
    other = make_venue("500118", name="别的阵地")
    assert client_for("yc_admin").get(reverse("venues:photo", args=[other.pk, photo.pk])).status_code == 404
    assert client_for("yc_reviewer").post(reverse("venues:photo_delete", args=[museum.pk, photo.pk])).status_code == 403


# --- the map --------------------------------------------------------------------------------------------


def test_the_map_plots_venues_with_coordinates_and_counts_the_rest(client_for, museum):
    make_venue("500118100", VenueType.GALLERY, name="无坐标画廊")
    make_venue("500118", VenueType.GALLERY, name="已停用画廊", longitude=Decimal("105.9"), latitude=Decimal("29.4"),
               opened_on=datetime.date(2010, 1, 1), closed_on=datetime.date(THIS_YEAR - 1, 1, 1))
    make_venue("500106", name="沙区基地", longitude=Decimal("106.4"), latitude=Decimal("29.6"))
    client = client_for("yc_admin")
    response = client.get(MAP, {"region": "500118", "year": THIS_YEAR})
    page = response.content.decode()
    assert response.context["counts"] == {"total": 2, "located": 1, "missing": 1}
    assert "1 个阵地缺少坐标" in page and "coords=0" in page and "tile" not in page.lower()
    data = client.get(response.context["data_url"]).json()
    assert [p["name"] for p in data["points"]] == ["永川科技馆"]
    point = data["points"][0]
    assert point["value"] == [105.927, 29.356] and point["type"] == VenueType.SCIENCE_MUSEUM
    assert point["url"] == reverse("venues:detail", args=[museum.pk])
    assert data["missing"] == 1 and not data["truncated"]
    assert {t["key"] for t in data["types"]} == set(VenueType.values)
    # In an earlier year the closed gallery was still in use.
    data = client.get(reverse("venues:map_data"), {"region": "500118", "year": THIS_YEAR - 2}).json()
    assert sorted(p["name"] for p in data["points"]) == ["已停用画廊", "永川科技馆"]


# --- 站栏员 coverage -----------------------------------------------------------------------------------


@pytest.fixture
def villages(db):
    full = make_village("500118001", name="齐全村")
    equip_village(full, officer=False)
    appoint_officer(full, phone=PHONE, name="张科普")
    no_board = make_village("500118100", name="缺栏村")
    equip_village(no_board, board=False)
    bare = make_village("500118100", name="空白村")
    make_village("500106001", name="沙区村") if Region.objects.filter(code="500106001").exists() else None
    return full, no_board, bare


def test_the_coverage_totals_match_the_measure(client_for, yongchuan, villages):
    year = THIS_YEAR
    response = client_for("yc_admin").get(COVERAGE, {"region": "500118", "year": year})
    value = get_measure("village_station_board_officer_coverage").compute([yongchuan], year)["500118"]
    totals = response.context["totals"]
    assert (totals["covered"], totals["n"]) == (value.numerator, value.denominator) == (1, 3)
    assert {"missing_station": totals["no_station"], "missing_board": totals["no_board"],
            "missing_officer": totals["no_officer"]} == value.detail
    page = response.content.decode()
    assert "33.33%" in page and 'id="measure-value">33.33%' in page
    rows = {v.name: (v.has_station, v.has_board, v.has_officer) for v in response.context["page"]}
    assert rows == {"齐全村": (True, True, True), "缺栏村": (True, False, True), "空白村": (False, False, False)}
    assert page.count('class="badge text-bg-danger">缺<') == 4
    # The measure's drill-down is this page.
    assert client_for("yc_admin").get(value.records_url).context["totals"] == totals


def test_the_coverage_page_lists_only_incomplete_villages_when_asked(client_for, villages):
    response = client_for("yc_admin").get(COVERAGE, {"region": "500118", "incomplete": "1"})
    assert sorted(v.name for v in response.context["page"]) == ["空白村", "缺栏村"]
    assert response.context["totals"]["n"] == 3
    response = client_for("yc_admin").get(COVERAGE, {"region": "500118100"})
    assert sorted(v.name for v in response.context["page"]) == ["空白村", "缺栏村"]


def test_the_coverage_export_has_every_village_with_masked_phones(client_for, villages):
    response = client_for("yc_admin").get(reverse("venues:coverage_export"), {"region": "500118"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    by_name = {r[1]: r for r in rows}
    assert set(by_name) == {"齐全村", "缺栏村", "空白村"}
    assert by_name["齐全村"][6] == "张科普（139****5678）" and by_name["齐全村"][7] == "是"
    assert by_name["空白村"][4:] == ("缺", "缺", "缺", "否")
    assert PHONE.encode() not in response.content
    assert AuditEntry.objects.filter(action="venue_coverage.exported").exists()


def test_an_admin_appoints_and_removes_an_officer(client_for, villages):
    _full, _no_board, bare = villages
    client = client_for("yc_admin")
    here = f"{COVERAGE}?region=500118100&incomplete=1"
    response = client.post(reverse("venues:officer_appoint", args=[bare.pk]),
                           {"name": "李四", "phone": "138 0000 1111", "next": here})
    assert response.status_code == 302 and response["Location"] == here
    assignment = RoleAssignment.objects.get(role=Role.VILLAGE_OFFICER, region=bare)
    assert assignment.user.phone == "13800001111" and assignment.user.display_name == "李四"
    page = client.get(here, follow=True).content.decode()
    assert "李四（138****1111）" in page and "13800001111" not in page
    # The officer's village now has an officer, though still no station or board.
    village = next(v for v in client.get(COVERAGE, {"region": "500118100"}).context["page"] if v.pk == bare.pk)
    assert village.has_officer and not village.has_station
    response = client.post(reverse("venues:officer_remove", args=[assignment.pk]), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"].startswith(COVERAGE)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_bad_officer_input_is_explained_and_nothing_is_granted(client_for, villages):
    _full, _no_board, bare = villages
    client = client_for("yc_admin")
    response = client.post(reverse("venues:officer_appoint", args=[bare.pk]), {"name": "王五", "phone": "12345"},
                           follow=True)
    assert "请输入 11 位中国大陆手机号码" in response.content.decode()
    response = client.post(reverse("venues:officer_appoint", args=[bare.pk]), {"name": " ", "phone": "13800002222"},
                           follow=True)
    assert "姓名" in response.content.decode()
    assert not RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER, region=bare).exists()


def test_only_admins_over_the_village_appoint_officers(client_for, villages):
    full, _no_board, bare = villages
    officer = RoleAssignment.objects.get(role=Role.VILLAGE_OFFICER, region=full)
    data = {"name": "赵六", "phone": "13800003333"}
    reviewer = client_for("yc_reviewer")
    assert reviewer.get(COVERAGE).status_code == 200
    assert "任命科普员" not in reviewer.get(COVERAGE, {"region": "500118"}).content.decode()
    assert reviewer.post(reverse("venues:officer_appoint", args=[bare.pk]), data).status_code == 403
    assert reviewer.post(reverse("venues:officer_remove", args=[officer.pk])).status_code == 403
    assert client_for("spb_admin").post(reverse("venues:officer_appoint", args=[bare.pk]), data).status_code == 404
    assert client_for("spb_admin").post(reverse("venues:officer_remove", args=[officer.pk])).status_code == 404
    assert client_for("yc_liaison").get(COVERAGE).status_code == 403
    assert client_for("yc_liaison").post(reverse("venues:officer_appoint", args=[bare.pk]), data).status_code == 403
    # A town (not a village) gets no officer from this page.
    town = Region.objects.get(code="500118100")
    assert client_for("yc_admin").post(reverse("venues:officer_appoint", args=[town.pk]), data).status_code == 404
    assert RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER).count() == 2
    # A district admin elsewhere is sent back to their own region, with a message.
    response = client_for("spb_admin").get(COVERAGE, {"region": "500118"})
    assert response.context["region"].code == "500106" and "不在您的工作范围内" in response.content.decode()


def test_no_page_shows_a_full_phone_number(client_for, villages, museum):
    full, _no_board, _bare = villages
    officer = RoleAssignment.objects.get(role=Role.VILLAGE_OFFICER, region=full).user
    officer.email = "officer@example.org"
    officer.save()
    station = Venue.objects.get(region=full, type=VenueType.ACTIVITY_ROOM)
    client = client_for("yc_admin")
    urls = [LIST, f"{LIST}?region=500118001", reverse("venues:detail", args=[station.pk]),
            reverse("venues:edit", args=[station.pk]), reverse("venues:create"), MAP, reverse("venues:map_data"),
            f"{COVERAGE}?region=500118", f"{COVERAGE}?region={full.code}", reverse("venues:export"),
            reverse("venues:coverage_export") + "?region=500118"]
    for url in urls:
        content = client.get(url).content
        assert PHONE.encode() not in content, url
    assert "139****5678" in client.get(COVERAGE, {"region": "500118"}).content.decode()
    # The officer's own view of their village's venue shows no number either.
    officer_client = Client()
    officer_client.force_login(officer)
    response = officer_client.get(reverse("venues:detail", args=[station.pk]))
    assert response.status_code == 200 and PHONE.encode() not in response.content


def test_a_village_officer_keeps_their_villages_venues(villages):
    full, _no_board, bare = villages
    officer = RoleAssignment.objects.get(role=Role.VILLAGE_OFFICER, region=full).user
    client = Client()
    client.force_login(officer)
    assert sorted(v.name for v in client.get(LIST, {"region": ""}).context["page"]) == [
        "齐全村科普活动室", "齐全村科普画廊"]
    response = client.post(reverse("venues:create"), _venue_post(region_code=full.code, name="齐全村科普e站"))
    assert response.status_code == 302
    response = client.post(reverse("venues:create"), _venue_post(region_code=bare.code, name="别村科普e站"))
    assert response.status_code == 400
