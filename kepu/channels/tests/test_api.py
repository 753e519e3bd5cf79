"""The channels API: outlets, columns, issues, new-media accounts and 科普中国 figures, within scope."""

import datetime

import pytest

from kepu.core.models import AuditEntry
from kepu.regions.models import Region

from .. import services
from ..models import (
    AccountYear,
    Column,
    ColumnIssue,
    InfoOfficerFigure,
    MediaOutlet,
    NewMediaAccount,
)
from .factories import make_column, make_issue, set_info_officers

pytestmark = pytest.mark.django_db

OUTLETS, COLUMNS, ISSUES = "/api/v1/media-outlets/", "/api/v1/media-columns/", "/api/v1/column-issues/"
ACCOUNTS, ACCOUNT_YEARS = "/api/v1/media-accounts/", "/api/v1/media-account-years/"
FIGURES = "/api/v1/info-officer-figures/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def fields_of(response) -> dict:
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    return response.json()["extra"]["fields"]


@pytest.fixture
def admin(api_for):
    return api_for("yc_admin")


def make_account(region="500118", name=None, **fields):
    region = Region.objects.get(code=region) if isinstance(region, str) else region
    return services.account_create(actor=None, region=region, platform="wechat", name=name or f"{region.name}科协",
                                   **fields)


@pytest.fixture
def world():
    """An outlet with a column and an issue, an account with a year, and 科普中国 figures, in each district."""
    out = {}
    for key, region in (("yc", "500118"), ("spb", "500106")):
        column = make_column(region, outlet_name=f"{key}电视台", name="科普时间")
        account = make_account(region)
        out[key] = {"outlet": column.outlet, "column": column,
                    "issue": make_issue(column, datetime.date(2024, 3, 5)), "account": account,
                    "year": services.account_year_set(actor=None, account=account, year=2024, followers=1000),
                    "figure": set_info_officers(region, 2024, registered=1200, active=800)}
    return out


ENDPOINTS = [(OUTLETS, "outlet"), (COLUMNS, "column"), (ISSUES, "issue"), (ACCOUNTS, "account"),
             (ACCOUNT_YEARS, "year"), (FIGURES, "figure")]


# --- scope ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("endpoint", "kind"), ENDPOINTS)
def test_each_list_holds_the_callers_scope_only(api_for, world, endpoint, kind):
    yc, spb = world["yc"][kind].pk, world["spb"][kind].pk
    assert ids(api_for("yc_admin").get(endpoint)) == {yc}
    assert ids(api_for("yc_reviewer").get(endpoint)) == {yc}
    assert ids(api_for("spb_admin").get(endpoint)) == {spb}
    assert ids(api_for("city_admin").get(endpoint)) == {yc, spb}
    assert ids(api_for("platform_admin").get(endpoint)) == {yc, spb}
    assert ids(api_for("city_admin").get(endpoint, {"region": "500106"})) == {spb}
    response = api_for("yc_admin").get(f"{endpoint}{spb}/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert api_for("yc_admin").patch(f"{endpoint}{spb}/", {}, format="json").status_code == 404
    assert api_for("yc_admin").delete(f"{endpoint}{spb}/").status_code == 404
    assert api_for("yc_reviewer").delete(f"{endpoint}{yc}/").status_code == 403


@pytest.mark.parametrize(("endpoint", "kind"), ENDPOINTS)
def test_citizens_and_outsiders_are_refused(api_for, world, endpoint, kind):
    for persona in ("citizen", "outsider"):
        assert api_for(persona).get(endpoint).status_code == 403
        assert api_for(persona).post(endpoint, {}, format="json").status_code == 403
    assert api_for("anonymous").get(endpoint).status_code == 401


@pytest.mark.parametrize("endpoint", [e for e, _ in ENDPOINTS])
@pytest.mark.parametrize("bad", [{"year": "abc"}, {"region": "x" * 300}, {"unit": "-1"}, {"column": "1e5"},
                                 {"account": str(10**40)}])
def test_garbage_filters_never_fail(admin, world, endpoint, bad):
    response = admin.get(endpoint, bad)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert set(response.json()["extra"]["fields"]) == set(bad)


# --- outlets and columns ----------------------------------------------------------------------------------


def test_outlets_are_created_changed_and_deleted(admin, api_for):
    response = admin.post(OUTLETS, {"name": "永川日报", "kind": "newspaper", "region": "500118"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["region_name"], body["kind"], body["unit"]) == ("永川区", "newspaper", None)
    response = admin.post(OUTLETS, {"name": "永川日报", "kind": "website", "region": "500118"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "duplicate")
    url = f"{OUTLETS}{body['id']}/"
    response = admin.put(url, {"name": "永川日报社", "kind": "newspaper", "region": "500118001"}, format="json")
    assert (response.status_code, response.json()["name"], response.json()["region"]) == (
        200, "永川日报社", "500118001")
    assert api_for("yc_reviewer").patch(url, {"name": "x"}, format="json").status_code == 403
    assert admin.patch(url, {"region": "500106"}, format="json").status_code == 400  # not theirs to name
    assert admin.delete(url).status_code == 204
    assert not MediaOutlet.objects.exists()
    assert AuditEntry.objects.filter(action="media_outlet.deleted").exists()


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"name": "x", "kind": "blog", "region": "500118"}, "kind", "类型"),
    ({"name": "", "kind": "tv", "region": "500118"}, "name", "名称"),
    ({"name": "x", "kind": "tv", "region": "0"}, "region", "所属区划"),
    ({"name": "x", "kind": "tv"}, "region", "所属区划"),
    ({"name": "x", "kind": "tv", "region": "500118", "unit": "first"}, "unit", "主办单位"),
])
def test_bad_outlets_are_400s_naming_the_field(admin, data, field, words):
    fields = fields_of(admin.post(OUTLETS, data, format="json"))
    assert field in fields and words in fields[field][0]


def test_columns_hang_under_an_outlet_the_caller_sees(admin, world):
    outlet = world["yc"]["outlet"]
    data = {"outlet": outlet.pk, "name": "健康讲堂", "frequency": "weekly", "started_on": "2023-01-01"}
    response = admin.post(COLUMNS, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["outlet_name"], body["region"], body["frequency"]) == (outlet.name, "500118", "weekly")
    assert admin.post(COLUMNS, data, format="json").json()["code"] == "duplicate"
    url = f"{COLUMNS}{body['id']}/"
    response = admin.patch(url, {"ended_on": "2024-12-31", "outlet": world["spb"]["outlet"].pk}, format="json")
    assert (response.status_code, response.json()["outlet"]) == (200, outlet.pk)  # the outlet stays
    assert ids(admin.get(COLUMNS, {"outlet": outlet.pk})) == {world["yc"]["column"].pk, body["id"]}
    assert ids(admin.get(COLUMNS, {"frequency": "daily"})) == set()
    fields = fields_of(admin.post(COLUMNS, {**data, "outlet": world["spb"]["outlet"].pk}, format="json"))
    assert "媒体" in fields["outlet"][0]
    fields = fields_of(admin.post(COLUMNS, {**data, "name": "新栏目", "frequency": "hourly"}, format="json"))
    assert "刊播频次" in fields["frequency"][0]
    assert admin.delete(url).status_code == 204
    assert not Column.objects.filter(pk=body["id"]).exists()


# --- issues -----------------------------------------------------------------------------------------------


def test_issues_are_logged_filtered_and_corrected(admin, api_for, world):
    column = world["yc"]["column"]
    data = {"column": column.pk, "date": "2024-12-30", "title": "冬季用电安全", "url": "https://example.com/a"}
    response = admin.post(ISSUES, data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["iso_year"], body["iso_week"], body["outlet"]) == (2025, 1, column.outlet_id)
    older = make_issue(column, datetime.date(2023, 7, 1))
    assert ids(admin.get(ISSUES, {"column": column.pk, "year": 2024})) == {world["yc"]["issue"].pk, body["id"]}
    assert ids(admin.get(ISSUES, {"year": 2023})) == {older.pk}
    assert ids(admin.get(ISSUES, {"start": "2024-06-01", "end": "2024-12-31"})) == {body["id"]}
    assert [row["id"] for row in admin.get(ISSUES).json()["results"]] == [
        body["id"], world["yc"]["issue"].pk, older.pk]  # newest first
    url = f"{ISSUES}{body['id']}/"
    read = admin.get(url).json()
    response = admin.patch(url, {"date": "2025-01-06", "unchanged_since": read["updated_at"]}, format="json")
    assert (response.status_code, response.json()["iso_week"]) == (200, 2)
    response = admin.patch(url, {"title": "改标题", "unchanged_since": read["updated_at"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "stale")
    assert api_for("yc_reviewer").patch(url, {"title": "x"}, format="json").status_code == 403
    assert admin.delete(url).status_code == 204
    assert not ColumnIssue.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"date": "2024-02-30"}, "date", "刊播日期"),
    ({"date": "yesterday"}, "date", "刊播日期"),
    ({"date": None}, "date", "刊播日期"),
    ({"url": "not a link"}, "url", "链接"),
    ({"title": ""}, "title", "标题"),
    ({"column": 10**30}, "column", "栏目"),
])
def test_bad_issues_are_400s_naming_the_field(admin, world, change, field, words):
    data = {"column": world["yc"]["column"].pk, "date": "2024-05-01", "title": "第 12 期", **change}
    fields = fields_of(admin.post(ISSUES, data, format="json"))
    assert field in fields and words in fields[field][0]


# --- new-media accounts -----------------------------------------------------------------------------------


def test_accounts_and_their_yearly_figures(admin, api_for, world, yc_education):
    response = admin.post(ACCOUNTS, {"platform": "douyin", "name": "永川科普", "region": "500118",
                                     "unit": yc_education.pk}, format="json")
    assert response.status_code == 201, response.json()
    account = response.json()
    assert (account["platform"], account["unit_name"]) == ("douyin", "永川区教委")
    response = admin.post(ACCOUNT_YEARS, {"account": account["id"], "year": 2024, "followers": 5000, "posts": 120,
                                          "reads": 1_000_000}, format="json")
    assert response.status_code == 201, response.json()
    first = response.json()
    assert (first["account_name"], first["platform"]) == ("永川科普", "douyin")
    response = admin.post(ACCOUNT_YEARS, {"account": account["id"], "year": 2024, "followers": 5200}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["followers"], response.json()["posts"]) == (first["id"], 5200, 120)
    url = f"{ACCOUNT_YEARS}{first['id']}/"
    response = admin.patch(url, {"reads": 2_000_000, "year": 2020}, format="json")
    assert (response.status_code, response.json()["reads"], response.json()["year"]) == (200, 2_000_000, 2024)
    assert ids(admin.get(ACCOUNT_YEARS, {"account": account["id"]})) == {first["id"]}
    assert ids(admin.get(ACCOUNT_YEARS, {"year": 2024})) == {first["id"], world["yc"]["year"].pk}
    assert ids(admin.get(ACCOUNTS, {"platform": "douyin"})) == {account["id"]}
    fields = fields_of(admin.post(ACCOUNT_YEARS, {"account": account["id"], "year": 2024, "followers": -1},
                                  format="json"))
    assert "年末粉丝数" in fields["followers"][0]
    fields = fields_of(admin.post(ACCOUNT_YEARS, {"account": world["spb"]["account"].pk, "year": 2024},
                                  format="json"))
    assert "账号" in fields["account"][0]
    assert fields_of(admin.post(ACCOUNTS, {"platform": "myspace", "name": "x", "region": "500118"},
                                format="json")).keys() == {"platform"}
    assert api_for("yc_reviewer").delete(url).status_code == 403
    assert admin.delete(url).status_code == 204
    assert not AccountYear.objects.filter(pk=first["id"]).exists()
    assert admin.delete(f"{ACCOUNTS}{account['id']}/").status_code == 204
    assert not NewMediaAccount.objects.filter(pk=account["id"]).exists()


# --- 科普中国 information officers ---------------------------------------------------------------------------


def test_info_officer_figures_are_entered_once_per_region_and_year(admin, api_for, world):
    data = {"region": "500118001", "year": 2024, "registered": 150, "active": 90, "shares": 3000}
    response = admin.post(FIGURES, data, format="json")
    assert response.status_code == 201, response.json()
    first = response.json()
    assert (first["region_name"], first["source"]) == ("中山路街道", "entered")
    response = admin.post(FIGURES, {**data, "active": 95, "source": "imported"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["active"], response.json()["source"]) == (
        first["id"], 95, "imported")
    assert InfoOfficerFigure.objects.filter(region__code="500118001").count() == 1
    url = f"{FIGURES}{first['id']}/"
    read = admin.get(url).json()
    response = admin.patch(url, {"shares": 3100, "region": "500118100", "unchanged_since": read["updated_at"]},
                           format="json")
    assert (response.status_code, response.json()["shares"], response.json()["region"]) == (200, 3100, "500118001")
    response = admin.put(url, {"registered": 1, "active": 1, "unchanged_since": read["updated_at"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "stale")
    assert ids(admin.get(FIGURES, {"region": "500118001"})) == {first["id"]}
    assert ids(admin.get(FIGURES, {"year": 2024, "source": "entered"})) == {world["yc"]["figure"].pk}
    assert api_for("yc_reviewer").post(FIGURES, data, format="json").status_code == 403
    assert admin.post(FIGURES, {**data, "region": "500000"}, format="json").status_code == 403
    assert admin.delete(url).status_code == 204
    assert AuditEntry.objects.filter(action="info_officers.deleted").exists()


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"registered": "many"}, "registered", "信息员人数"),
    ({"registered": None}, "registered", "信息员人数"),
    ({"active": -3}, "active", "年度总活跃人数"),
    ({"shares": 1.5}, "shares", "分享次数"),
    ({"year": "2024年"}, "year", "年度"),
    ({"source": "guess"}, "source", "来源"),
    ({"region": "500106"}, "region", "所属区划"),
    ({"region": ""}, "region", "所属区划"),
])
def test_bad_info_officer_figures_are_400s_naming_the_field(admin, change, field, words):
    data = {"region": "500118", "year": 2024, "registered": 150, "active": 90, **change}
    fields = fields_of(admin.post(FIGURES, data, format="json"))
    assert field in fields and words in fields[field][0]
    assert not InfoOfficerFigure.objects.exists()
