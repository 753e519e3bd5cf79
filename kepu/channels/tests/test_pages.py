"""The channels staff pages: outlets and columns, the issue log with its weekly strip, new-media
accounts and the 科普中国 information officers, end to end through the HTTP client."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kepu.channels import services
from kepu.channels.models import (
    AccountYear,
    Column,
    ColumnIssue,
    ColumnIssueFile,
    FigureSource,
    InfoOfficerFigure,
    MediaOutlet,
    NewMediaAccount,
    Platform,
)
from kepu.channels.tests.factories import make_column, make_issue, set_info_officers
from kepu.core.measures import get_measure, reason_text
from kepu.regions.models import Region
from kepu.regions.services import population_set

pytestmark = pytest.mark.django_db

YEAR = 2024  # a past year of 52 ISO weeks: every week counts
PDF = b"%PDF-1.4\n% a tiny test document\n"
TABS = "nav nav-tabs"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def page(response) -> str:
    return response.content.decode()


def monday(week: int, year: int = YEAR) -> datetime.date:
    return datetime.date.fromisocalendar(year, week, 1)


def row_html(html: str, code: str) -> str:
    """The table row of a region on the 科普中国 page."""
    start = html.index(f'data-region="{code}"')
    return html[start:html.index("</tr>", start)]


def percent(value: Decimal, digits: int = 2) -> str:
    return f"{value * 100:,.{digits}f}%"


# --- who may use the pages --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["outlets", "issues", "accounts", "info_officers"])
def test_each_list_renders_for_a_district_admin_with_the_tab_bar(client_for, name):
    make_column("500118", outlet_name="永川日报", name="科普之窗")
    response = client_for("yc_admin").get(reverse(f"channels:{name}"))
    assert response.status_code == 200
    html = page(response)
    assert TABS in html and reverse("channels:info_officers") in html
    assert 'class="table-responsive"' in html


@pytest.mark.parametrize("name", ["outlets", "issues", "accounts", "info_officers"])
def test_citizens_and_outsiders_are_refused_and_anonymous_must_log_in(client_for, name):
    url = reverse(f"channels:{name}")
    assert client_for("citizen").get(url).status_code == 403
    assert client_for("outsider").get(url).status_code == 403
    assert client_for("anonymous").get(url).status_code == 302


def test_another_district_admin_gets_404_on_yongchuan_records(client_for, yongchuan):
    column = make_column("500118")
    issue = make_issue(column, monday(3))
    account = services.account_create(actor=None, region=yongchuan, platform=Platform.WECHAT, name="永川科协")
    spb = client_for("spb_admin")
    for url in (reverse("channels:outlet_edit", args=[column.outlet.pk]),
                reverse("channels:outlet_delete", args=[column.outlet.pk]),
                reverse("channels:column_create", args=[column.outlet.pk]),
                reverse("channels:column_edit", args=[column.pk]),
                reverse("channels:issue_edit", args=[issue.pk]),
                reverse("channels:issue_delete", args=[issue.pk]),
                reverse("channels:account_detail", args=[account.pk]),
                reverse("channels:account_edit", args=[account.pk]),
                reverse("channels:info_officer_entry") + f"?region=500118&year={YEAR}"):
        assert spb.get(url).status_code == 404, url
    assert spb.post(reverse("channels:account_year", args=[account.pk]),
                    {"year": YEAR, "followers": 1, "posts": 1, "reads": 1}).status_code == 404
    assert not AccountYear.objects.exists()


def test_nothing_of_yongchuan_leaks_into_another_districts_lists(client_for, yongchuan):
    make_issue(make_column("500118", outlet_name="永川日报", name="科普之窗"), monday(3), title="永川一期")
    services.account_create(actor=None, region=yongchuan, platform=Platform.WECHAT, name="永川科协公众号")
    spb = client_for("spb_admin")
    for name, secret in (("outlets", "永川日报"), ("issues", "永川一期"), ("accounts", "永川科协公众号")):
        html = page(spb.get(reverse(f"channels:{name}") + f"?year={YEAR}"))
        assert secret not in html, name
    # Asking for Yongchuan by its code is refused in words, never answered with its rows.
    html = page(spb.get(reverse("channels:issues") + f"?region=500118&year={YEAR}"))
    assert "不在您的工作范围内" in html and "永川一期" not in html


def test_a_reviewer_sees_but_may_not_change(client_for, yongchuan):
    column = make_column("500118", outlet_name="永川日报")
    issue = make_issue(column, monday(3))
    account = services.account_create(actor=None, region=yongchuan, platform=Platform.WECHAT, name="永川科协")
    reviewer = client_for("yc_reviewer")
    html = page(reviewer.get(reverse("channels:outlets")))
    assert "永川日报" in html and reverse("channels:outlet_edit", args=[column.outlet.pk]) not in html
    for url in (reverse("channels:outlet_create"), reverse("channels:outlet_edit", args=[column.outlet.pk]),
                reverse("channels:column_edit", args=[column.pk]), reverse("channels:issue_create"),
                reverse("channels:issue_edit", args=[issue.pk]), reverse("channels:account_edit", args=[account.pk]),
                reverse("channels:account_create"),
                reverse("channels:info_officer_entry") + f"?region=500118001&year={YEAR}"):
        assert reviewer.get(url).status_code == 403, url
    assert reviewer.post(reverse("channels:issue_delete", args=[issue.pk])).status_code == 403
    assert ColumnIssue.objects.filter(pk=issue.pk).exists()


def test_a_unit_liaison_keeps_their_units_outlets_but_not_the_officer_figures(client_for, yc_education):
    other = make_column("500118", outlet_name="永川电视台")
    liaison = client_for("yc_liaison")
    response = liaison.post(reverse("channels:outlet_create"), {"name": "永川教育", "kind": "website",
                                                                "region_code": "500118", "unit": yc_education.pk})
    outlet = MediaOutlet.objects.get(name="永川教育")
    assert response.status_code == 302 and outlet.unit == yc_education
    html = page(liaison.get(reverse("channels:outlets")))
    assert "永川教育" in html and "永川电视台" not in html
    assert liaison.get(reverse("channels:outlet_edit", args=[other.outlet.pk])).status_code == 404
    assert liaison.get(reverse("channels:info_officers")).status_code == 403
    assert liaison.post(reverse("channels:info_officer_entry") + f"?region=500118&year={YEAR}",
                        {"registered": 5, "active": 1}).status_code == 403
    assert not InfoOfficerFigure.objects.exists()


# --- outlets and columns ----------------------------------------------------------------------------


def test_the_outlet_list_shows_each_columns_issues_in_the_year_and_its_last_issue(client_for):
    column = make_column("500118", outlet_name="永川日报", name="科普之窗")
    for week in (2, 5, 9):
        make_issue(column, monday(week))
    make_issue(column, monday(40, YEAR - 1))
    later = make_column("500118", outlet_name="永川日报二", name="健康科普")
    make_issue(later, datetime.date(YEAR + 1, 3, 4))
    html = page(client_for("yc_admin").get(reverse("channels:outlets") + f"?region=500118&year={YEAR}"))
    issues_url = reverse("channels:issues") + f"?region=500118&amp;year={YEAR}&amp;column={column.pk}"
    assert f'<a href="{issues_url}">3</a>' in html
    assert monday(9).isoformat() in html and "每周" in html
    assert f"{YEAR + 1}-03-04" in html  # the last issue ever, whatever the year shown


def test_an_admin_creates_edits_and_deletes_an_outlet_and_its_columns(client_for, yongchuan):
    admin = client_for("yc_admin")
    response = admin.post(reverse("channels:outlet_create"), {"name": "永川电视台", "kind": "tv",
                                                              "region_code": "500118"})
    outlet = MediaOutlet.objects.get(name="永川电视台")
    assert response.status_code == 302 and outlet.region == yongchuan
    response = admin.post(reverse("channels:column_create", args=[outlet.pk]),
                          {"name": "科普大篷车", "frequency": "weekly", "started_on": "2023-01-02"})
    column = Column.objects.get(outlet=outlet)
    assert response.status_code == 302 and column.started_on == datetime.date(2023, 1, 2)
    form = admin.get(reverse("channels:outlet_edit", args=[outlet.pk])).context["form"]
    response = admin.post(reverse("channels:outlet_edit", args=[outlet.pk]),
                          {"name": "永川广播电视台", "kind": "tv", "region_code": "500118001",
                           "loaded_at": form.initial["loaded_at"]})
    outlet.refresh_from_db()
    assert response.status_code == 302 and outlet.name == "永川广播电视台" and outlet.region.code == "500118001"
    make_issue(column, monday(4))
    assert ColumnIssue.objects.get().region_path == outlet.region_path  # the service moved the issues along
    confirm = page(admin.get(reverse("channels:outlet_delete", args=[outlet.pk])))
    assert "1 个科普栏目和 1 期刊播记录" in confirm
    assert admin.post(reverse("channels:outlet_delete", args=[outlet.pk])).status_code == 302
    assert not MediaOutlet.objects.exists() and not Column.objects.exists()


def test_bad_outlet_and_column_input_is_named_in_chinese(client_for):
    admin = client_for("yc_admin")
    response = admin.post(reverse("channels:outlet_create"), {"name": "  ", "kind": "blog", "region_code": "999"})
    html = page(response)
    assert response.status_code == 200 and not MediaOutlet.objects.exists()
    assert "该字段是必填项。" in html and "区划代码“999”不存在，或不在您的工作范围内。" in html
    assert "选择一个有效的选项" in html  # the kind
    # Another district's region is refused the same way as an unknown one.
    html = page(admin.post(reverse("channels:outlet_create"), {"name": "沙坪坝报", "kind": "newspaper",
                                                               "region_code": "500106"}))
    assert "区划代码“500106”不存在，或不在您的工作范围内。" in html
    column = make_column("500118", name="科普之窗")
    html = page(admin.post(reverse("channels:column_create", args=[column.outlet.pk]),
                           {"name": "科普之窗", "frequency": "weekly"}))
    assert "科普栏目 已经存在" in html
    html = page(admin.post(reverse("channels:column_edit", args=[column.pk]),
                           {"name": "科普之窗", "frequency": "weekly", "started_on": "2024-05-01",
                            "ended_on": "2024-04-01"}))
    assert "停办日期不能早于开设日期。" in html


def test_a_stale_outlet_edit_is_refused(client_for):
    outlet = make_column("500118", outlet_name="永川日报").outlet
    admin = client_for("yc_admin")
    loaded = admin.get(reverse("channels:outlet_edit", args=[outlet.pk])).context["form"].initial["loaded_at"]
    services.outlet_update(actor=None, outlet=outlet, name="永川日报社")
    html = page(admin.post(reverse("channels:outlet_edit", args=[outlet.pk]),
                           {"name": "永川晚报", "kind": "tv", "region_code": "500118", "loaded_at": loaded}))
    assert "已被他人修改" in html
    outlet.refresh_from_db()
    assert outlet.name == "永川日报社"


# --- the issue log ----------------------------------------------------------------------------------


def test_the_weekly_strip_and_the_measure_agree(client_for, yongchuan):
    column = make_column("500118", outlet_name="永川日报", name="科普之窗")
    town_column = make_column("500118001", outlet_name="中山路街道报", name="社区科普")
    make_issue(column, monday(1))
    make_issue(column, monday(2))
    make_issue(column, monday(2) + datetime.timedelta(days=3))  # the same week twice
    make_issue(town_column, monday(10))  # a town's column counts for the district
    make_issue(column, datetime.date(YEAR, 12, 30))  # ISO week 1 of the next year
    make_issue(make_column("500106"), monday(20))  # another district
    html = page(client_for("yc_admin").get(reverse("channels:issues") + f"?region=500118&year={YEAR}"))
    value = get_measure("media_weekly_columns").compute([yongchuan], YEAR)["500118"]
    assert value.numerator == 3 and value.denominator == 52
    strip = html[html.index('id="week-strip"'):html.index("</ol>", html.index('id="week-strip"'))]
    assert strip.count('class="week week-') == 52
    assert strip.count('class="week week-yes"') == value.numerator
    assert re.findall(r'week-yes" data-week="(\d+)" data-issues="(\d+)"', strip) == [("1", "1"), ("2", "2"),
                                                                                    ("10", "1")]
    assert f'id="weekly-value">{percent(value.value, 1)}<' in html
    assert f'id="weekly-numerator">{value.numerator}<' in html and 'id="weekly-denominator">52<' in html
    # Filtering by a column adds its own strip; the measure stays the region's.
    html = page(client_for("yc_admin").get(reverse("channels:issues")
                                           + f"?region=500118&year={YEAR}&column={town_column.pk}"))
    column_strip = html[html.index('id="column-week-strip"'):]
    assert column_strip[:column_strip.index("</ol>")].count("week-yes") == 1
    assert f'id="weekly-value">{percent(value.value, 1)}<' in html


def test_a_year_of_53_weeks_has_53_squares_and_a_region_without_columns_says_why(client_for):
    html = page(client_for("yc_admin").get(reverse("channels:issues") + "?region=500118&year=2020"))
    strip = html[html.index('id="week-strip"'):html.index("</ol>", html.index('id="week-strip"'))]
    assert strip.count('class="week week-') == 53
    assert 'id="weekly-value">无数据<' in html and reason_text("no_columns") in html


def test_the_weekly_figures_are_shown_only_for_a_region_the_user_covers(client_for, yc_education):
    outlet = services.outlet_create(actor=None, region=yc_education.region, name="永川教育", kind="website",
                                    unit=yc_education)
    column = services.column_create(actor=None, outlet=outlet, name="教育科普")
    make_issue(column, monday(3), title="教育一期")
    html = page(client_for("yc_liaison").get(reverse("channels:issues") + f"?year={YEAR}"))
    assert "教育一期" in html and 'id="week-strip"' not in html


def test_an_issue_is_logged_with_a_file_that_only_staff_in_scope_can_download(client_for):
    column = make_column("500118", outlet_name="永川日报", name="科普之窗")
    admin = client_for("yc_admin")
    form = page(admin.get(reverse("channels:issue_create") + f"?column={column.pk}"))
    assert 'enctype="multipart/form-data"' in form and f'<option value="{column.pk}" selected>' in form
    response = admin.post(reverse("channels:issue_create"), {
        "column": column.pk, "date": monday(6).isoformat(), "title": "春季防病知识", "url": "www.example.com/a",
        "files": [SimpleUploadedFile("版面.pdf", PDF, content_type="application/pdf")]})
    issue = ColumnIssue.objects.get()
    assert response.status_code == 302 and issue.url == "https://www.example.com/a" and issue.iso_week == 6
    stored = ColumnIssueFile.objects.get(issue=issue)
    download = reverse("channels:issue_file", args=[issue.pk, stored.pk])
    html = page(admin.get(reverse("channels:issues") + f"?region=500118&year={YEAR}"))
    assert download in html and "版面.pdf" in html and stored.file.url not in html
    response = admin.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"].startswith("private")
    assert client_for("spb_admin").get(download).status_code == 404
    assert client_for("yc_liaison").get(download).status_code == 404
    assert client_for("outsider").get(download).status_code == 403
    assert client_for("citizen").get(download).status_code == 403
    assert client_for("anonymous").get(download).status_code == 302
    # Another issue's number with this file's id finds nothing.
    other = make_issue(column, monday(7))
    assert admin.get(reverse("channels:issue_file", args=[other.pk, stored.pk])).status_code == 404


def test_files_are_added_and_removed_on_the_issue_page(client_for):
    issue = make_issue(make_column("500118"), monday(6))
    admin = client_for("yc_admin")
    response = admin.post(reverse("channels:issue_file_add", args=[issue.pk]),
                          {"files": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.exe", b"MZ\x90\x00")],
                           "description": "版面"}, follow=True)
    html = page(response)
    assert "已上传 1 个文件。" in html and "“b.exe”未上传" in html and "内容不是允许的类型" in html
    stored = ColumnIssueFile.objects.get()
    assert stored.description == "版面"
    html = page(admin.post(reverse("channels:issue_file_add", args=[issue.pk]), {}, follow=True))
    assert "请选择要上传的文件。" in html
    assert client_for("yc_reviewer").post(reverse("channels:issue_file_delete", args=[issue.pk, stored.pk])) \
        .status_code == 403
    admin.post(reverse("channels:issue_file_delete", args=[issue.pk, stored.pk]))
    assert not ColumnIssueFile.objects.exists()


def test_bad_issue_input_is_named_in_chinese(client_for):
    column = make_column("500118")
    foreign = make_column("500106")
    admin = client_for("yc_admin")
    response = admin.post(reverse("channels:issue_create"), {"column": column.pk, "date": "2024-02-30",
                                                             "title": " ", "url": "not a url"})
    html = page(response)
    assert response.status_code == 200 and not ColumnIssue.objects.exists()
    assert "该字段是必填项。" in html and "输入一个有效的日期。" in html and "请输入合法的URL。" in html
    html = page(admin.post(reverse("channels:issue_create"), {"column": foreign.pk, "date": "2024-02-01",
                                                             "title": "越界"}))
    assert "选择一个有效的选项" in html and not ColumnIssue.objects.exists()
    html = page(admin.get(reverse("channels:issues") + "?region=abc&year=20x4&column=0"))
    assert "区划代码：区划代码“abc”不存在，或不在您的工作范围内。" in html
    assert "年度：" in html and "栏目：" in html


def test_an_issue_is_edited_and_deleted(client_for):
    issue = make_issue(make_column("500118"), monday(6), title="旧标题")
    admin = client_for("yc_admin")
    loaded = admin.get(reverse("channels:issue_edit", args=[issue.pk])).context["form"].initial["loaded_at"]
    response = admin.post(reverse("channels:issue_edit", args=[issue.pk]),
                          {"date": monday(8).isoformat(), "title": "新标题", "loaded_at": loaded})
    issue.refresh_from_db()
    assert response.status_code == 302 and issue.title == "新标题" and issue.iso_week == 8
    assert admin.post(reverse("channels:issue_delete", args=[issue.pk])).status_code == 302
    assert not ColumnIssue.objects.exists()


def test_the_issue_export_has_the_issues_the_weeks_and_the_measure(client_for, yongchuan):
    column = make_column("500118", outlet_name="永川日报", name="科普之窗")
    make_issue(column, monday(1), title="第一期", url="https://example.com/1")
    make_issue(column, monday(3), title="第二期")
    response = client_for("yc_admin").get(reverse("channels:issues_export") + f"?region=500118&year={YEAR}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    summary, issues, weeks = (book[name] for name in book.sheetnames)
    value = get_measure("media_weekly_columns").compute([yongchuan], YEAR)["500118"]
    assert summary.cell(2, 3).value == pytest.approx(float(value.value))
    assert summary.cell(2, 4).value == 2 and summary.cell(2, 5).value == 52
    assert [row[5] for row in issues.iter_rows(min_row=2, values_only=True)] == ["第二期", "第一期"]
    assert weeks.max_row == 53 and weeks.cell(2, 4).value == 1 and weeks.cell(3, 4).value == 0


# --- new-media accounts -----------------------------------------------------------------------------


def test_an_account_is_created_and_its_years_entered(client_for):
    admin = client_for("yc_admin")
    response = admin.post(reverse("channels:account_create"), {"platform": "wechat", "name": "永川科协",
                                                               "account_id": " yckx ", "region_code": "500118"})
    account = NewMediaAccount.objects.get()
    assert response.status_code == 302 and account.account_id == "yckx"
    year_url = reverse("channels:account_year", args=[account.pk])
    admin.post(year_url, {"year": YEAR, "followers": 12000, "posts": 150, "reads": 900000})
    admin.post(year_url, {"year": YEAR, "followers": 12500, "posts": 152, "reads": 910000})  # a correction
    admin.post(year_url, {"year": YEAR - 1, "followers": 9000, "posts": 120, "reads": 500000})
    assert AccountYear.objects.count() == 2
    assert AccountYear.objects.get(year=YEAR).followers == 12500
    services.account_year_set(actor=None, account=services.account_create(
        actor=None, region=account.region, platform=Platform.DOUYIN, name="永川科普"), year=YEAR, followers=500,
        posts=10, reads=100)
    html = page(admin.get(reverse("channels:accounts") + f"?region=500118&year={YEAR}"))
    assert "12,500" in html and "910,000" in html
    assert 'id="total-followers">13,000<' in html and 'id="total-reads">910,100<' in html
    html = page(admin.get(reverse("channels:account_detail", args=[account.pk])))
    assert "9,000" in html and "12,500" in html
    assert "同时删除它的 2 个年度数据" in page(admin.get(reverse("channels:account_delete", args=[account.pk])))
    assert admin.post(reverse("channels:account_delete", args=[account.pk])).status_code == 302
    assert not NewMediaAccount.objects.filter(pk=account.pk).exists() and AccountYear.objects.count() == 1


def test_bad_account_input_is_named_in_chinese(client_for, yongchuan):
    admin = client_for("yc_admin")
    html = page(admin.post(reverse("channels:account_create"), {"platform": "", "name": "", "region_code": ""}))
    assert html.count("该字段是必填项。") >= 2 and not NewMediaAccount.objects.exists()
    account = services.account_create(actor=None, region=yongchuan, platform=Platform.WECHAT, name="永川科协")
    response = admin.post(reverse("channels:account_year", args=[account.pk]),
                          {"year": 1800, "followers": -1, "posts": "许多", "reads": ""})
    html = page(response)
    assert response.status_code == 400 and not AccountYear.objects.exists()
    assert "确保该值大于或等于2000" in html and "确保该值大于或等于0" in html and "输入整数。" in html


def test_accounts_filter_by_platform_and_say_which_have_no_figures(client_for, yongchuan):
    services.account_create(actor=None, region=yongchuan, platform=Platform.WECHAT, name="永川科协")
    services.account_create(actor=None, region=yongchuan, platform=Platform.DOUYIN, name="永川科普抖音")
    html = page(client_for("yc_admin").get(reverse("channels:accounts") + f"?platform=douyin&year={YEAR}"))
    assert "永川科普抖音" in html and "永川科协" not in html and "未填报" in html
    html = page(client_for("yc_admin").get(reverse("channels:accounts") + "?platform=blog"))
    assert "平台：" in html and "永川科普抖音" not in html


# --- 科普中国 information officers ------------------------------------------------------------------

TOWNS = {  # code: (residents, registered, active)
    "500118001": (100_000, 1_500, 900),   # 1.5 %
    "500118002": (80_000, 400, 100),      # 0.5 %
    "500118003": (50_000, 600, 550),      # 1.2 %
    "500118004": (40_000, 100, 20),       # 0.25 %
    "500118005": (60_000, 300, 90),       # 0.5 %, shares the rank of 500118002
    "500118100": (30_000, 150, 30),       # 0.5 %
    "500118101": (20_000, 20, 5),         # 0.1 %
    "500118102": (10_000, 5, 1),          # 0.05 %
    "500118103": (None, 50, 10),          # no population
}


@pytest.fixture
def officer_data(db):
    for code, (residents, registered, active) in TOWNS.items():
        region = Region.objects.get(code=code)
        if residents:
            population_set(actor=None, region=region, year=YEAR, residents=residents)
        set_info_officers(region, YEAR, registered, active, shares=registered * 3)
    population_set(actor=None, region=Region.objects.get(code="500118"), year=YEAR, residents=1_150_000)


def test_the_officer_table_equals_the_measures_and_is_sorted_by_ratio(client_for, officer_data, yongchuan):
    html = page(client_for("yc_admin").get(reverse("channels:info_officers") + f"?region=500118&year={YEAR}"))
    towns = list(Region.objects.filter(parent=yongchuan))
    values = {key: get_measure(key).compute(towns, YEAR) for key in
              ("info_officer_ratio", "info_officer_active_ratio", "info_officer_rank_percentile")}
    for town in towns:
        row = row_html(html, town.code)
        for key in ("info_officer_ratio", "info_officer_active_ratio"):
            value = values[key][town.code]
            if value.value is None:
                assert "无数据" in row and reason_text(value.reason) in row, (town.code, key)
            else:
                assert percent(value.value) in row, (town.code, key)
        rank = values["info_officer_rank_percentile"][town.code]
        if rank.value is not None:
            assert f"第 {rank.detail['rank']} / {rank.detail['of']} 名" in row
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    order = re.findall(r'data-region="(\d+)"', body)
    assert order[:8] == ["500118001", "500118003", "500118002", "500118005", "500118100", "500118004",
                         "500118101", "500118102"]
    assert len(order) == len(towns)  # the towns without any figures are listed last
    # The top 30 % of the 8 ranked towns (rank / 8 <= 0.3: ranks 1 and 2) are highlighted, and the 1 % target.
    assert 'class="table-success" data-region="500118001"' in html
    assert 'class="table-success" data-region="500118003"' in html
    assert 'class="table-success" data-region="500118002"' not in html
    assert "≥1%" in row_html(html, "500118003") and "≥1%" not in row_html(html, "500118002")
    assert reason_text("no_population") in row_html(html, "500118103")
    assert reason_text("no_info_officer_figures") in row_html(html, "500118104")
    assert "1,500" in row_html(html, "500118001") and "4,500" in row_html(html, "500118001")


def test_the_regions_own_row_sums_its_towns_and_its_chart_data_is_on_the_page(client_for, officer_data):
    html = page(client_for("yc_admin").get(reverse("channels:info_officers") + f"?region=500118&year={YEAR}"))
    total = html[html.index("<tfoot>"):html.index("</tfoot>")]
    registered = sum(v[1] for v in TOWNS.values())
    assert f"{registered:,}" in total and "由 9 个下级区划汇总" in total
    assert percent(Decimal(registered) / 1_150_000) in total
    assert 'id="officer-chart-data"' in html and "echarts.min.js" in html


def test_the_city_sees_the_districts_ranked_and_a_district_without_population_says_why(client_for):
    for code, registered in (("500118", 12_000), ("500106", 9_000), ("500102", 5_000), ("500103", 3_000)):
        population_set(actor=None, region=Region.objects.get(code=code), year=YEAR, residents=1_000_000)
        set_info_officers(code, YEAR, registered, registered // 2)
    set_info_officers("500101", YEAR, 5_000, 100)  # 万州区: no population
    html = page(client_for("city_admin").get(reverse("channels:info_officers") + f"?region=500000&year={YEAR}"))
    yc = row_html(html, "500118")
    assert "1.20%" in yc and "第 1 / 4 名" in yc and "前 25.0%" in yc
    assert 'class="table-success" data-region="500118"' in html  # 1 / 4 = 25 %: the top 30 %
    assert 'class="table-success" data-region="500106"' not in html and "第 2 / 4 名" in row_html(html, "500106")
    assert reason_text("no_population") in row_html(html, "500101")


def test_officer_figures_are_entered_corrected_and_checked(client_for, yc_town):
    admin = client_for("yc_admin")
    url = reverse("channels:info_officer_entry") + f"?region={yc_town.code}&year={YEAR}"
    response = admin.post(url, {"registered": 800, "active": 300, "shares": "", "note": "平台导出核对"})
    figure = InfoOfficerFigure.objects.get(region=yc_town, year=YEAR)
    assert response.status_code == 302 and response["Location"].endswith(f"region=500118&year={YEAR}")
    assert (figure.registered, figure.active, figure.shares, figure.source) == (800, 300, 0, FigureSource.ENTERED)
    loaded = admin.get(url).context["form"].initial["loaded_at"]
    admin.post(url, {"registered": 820, "active": 310, "shares": 5, "loaded_at": loaded})
    figure.refresh_from_db()
    assert figure.registered == 820 and InfoOfficerFigure.objects.count() == 1
    # A second tab still holding the first version is refused.
    response = admin.post(url, {"registered": 1, "active": 1, "loaded_at": loaded})
    assert response.status_code == 400 and "已被他人修改" in page(response)
    response = admin.post(url, {"registered": "-5", "active": "很多"})
    html = page(response)
    assert response.status_code == 400 and "确保该值大于或等于0" in html and "输入整数。" in html
    figure.refresh_from_db()
    assert figure.registered == 820
    for bad in ("?region=500118001&year=abc", "?region=nowhere&year=2024", "?year=2024", "?region=500118001&year=1900"):
        assert admin.get(reverse("channels:info_officer_entry") + bad).status_code == 404, bad
    assert admin.post(reverse("channels:info_officer_delete") + f"?region={yc_town.code}&year={YEAR}") \
        .status_code == 302
    assert not InfoOfficerFigure.objects.exists()


def test_the_officer_export_has_every_row_and_the_measures(client_for, officer_data, yongchuan):
    response = client_for("yc_admin").get(reverse("channels:info_officers_export") + f"?region=500118&year={YEAR}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    towns = Region.objects.filter(parent=yongchuan).count()
    assert len(rows) == towns + 1 and rows[-1][0] == "合计（永川区）"
    assert rows[0][0] == "中山路街道" and rows[0][1] == 1_500 and rows[0][5] == pytest.approx(0.015)
    no_population = next(r for r in rows if r[0] == "何埂镇")
    assert no_population[5] is None and reason_text("no_population") in no_population[-1]


def test_a_bad_region_or_year_on_the_officer_page_is_explained_not_a_crash(client_for):
    html = page(client_for("yc_admin").get(reverse("channels:info_officers") + "?region=500106&year=20x"))
    assert "不在您的工作范围内" in html and "不是有效的年度" in html and "永川区" in html
