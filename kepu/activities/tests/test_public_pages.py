"""The public pages under /events/: list, detail, registration, the registrant's page, QR, calendar."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kepu.activities import services
from kepu.activities.models import (
    ActivityStatus,
    Registration,
    RegistrationStatus,
    TargetGroup,
    ThemeDay,
)
from kepu.regions.models import Region

from .factories import ActivityFactory, finished, published

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    """The registration rate limit counts in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    return Client()


def register(client, activity, *, name="王小明", phone="13900000001", **extra):
    return client.post(reverse("public:register", args=[activity.pk]), {"name": name, "phone": phone, **extra})


# --- list ---------------------------------------------------------------------------------------------


def test_the_list_shows_published_activities_and_hides_drafts_and_cancelled(client):
    shown = published(title="公开的讲座")
    ActivityFactory(title="草稿讲座")
    ActivityFactory(title="取消的讲座", status=ActivityStatus.CANCELLED)
    response = client.get(reverse("public:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert shown.title in body and "草稿讲座" not in body and "取消的讲座" not in body
    assert reverse("public:detail", args=[shown.pk]) in body


def test_the_list_shows_upcoming_by_default_and_past_ones_on_request(client):
    published(title="明天的讲座")
    finished(title="昨天的讲座")
    assert "昨天的讲座" not in client.get(reverse("public:list")).content.decode()
    body = client.get(reverse("public:list"), {"upcoming": "0"}).content.decode()
    assert "昨天的讲座" in body and "明天的讲座" in body


def test_the_list_filters_by_region_subtree_theme_group_kind_and_words(client):
    water = ThemeDay.objects.get(name="世界水日")
    youth = TargetGroup.objects.exclude(key="public").first()
    published(title="永川街道讲座", region="500118001", theme_days=[water], target_groups=[youth])
    published(title="沙坪坝展览", region="500106", kind="exhibition")
    url = reverse("public:list")
    assert "永川街道讲座" in client.get(url, {"region": "500118"}).content.decode()
    assert "沙坪坝展览" not in client.get(url, {"region": "500118"}).content.decode()
    assert "沙坪坝展览" not in client.get(url, {"theme": water.pk}).content.decode()
    assert "沙坪坝展览" not in client.get(url, {"group": youth.key}).content.decode()
    body = client.get(url, {"kind": "exhibition"}).content.decode()
    assert "沙坪坝展览" in body and "永川街道讲座" not in body
    body = client.get(url, {"q": "街道"}).content.decode()
    assert "永川街道讲座" in body and "沙坪坝展览" not in body


def test_a_day_shows_that_days_activities(client):
    activity = finished(title="上周的讲座", start=timezone.now() - datetime.timedelta(days=7))
    day = timezone.localtime(activity.start).date()
    assert "上周的讲座" in client.get(reverse("public:list"), {"day": day.isoformat()}).content.decode()
    other = (day - datetime.timedelta(days=1)).isoformat()
    assert "上周的讲座" not in client.get(reverse("public:list"), {"day": other}).content.decode()


def test_bad_filters_are_named_in_chinese_and_the_rest_still_works(client):
    published(title="还在的讲座")
    response = client.get(reverse("public:list"), {"region": "999999", "theme": "abc", "day": "2025-13-01",
                                                   "kind": "magic", "group": "nobody", "page": "x"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "没有代码为“999999”的行政区划" in body and "主题日：请选择列表中的主题日。" in body
    assert "日期：请按" in body and "形式：请选择" in body and "人群：请选择" in body
    assert "还在的讲座" in body


def test_the_list_pages_without_counting(client):
    start = timezone.now() + datetime.timedelta(days=1)
    for n in range(23):
        published(title=f"分页讲座{n:02d}", start=start + datetime.timedelta(hours=n),
                  end=start + datetime.timedelta(hours=n + 1))
    first = client.get(reverse("public:list")).content.decode()
    assert "分页讲座00" in first and "分页讲座19" in first and "分页讲座20" not in first
    assert "page=2" in first
    with CaptureQueriesContext(connection) as queries:
        second = client.get(reverse("public:list"), {"page": "2"})
    body = second.content.decode()
    assert "分页讲座20" in body and "分页讲座22" in body and "page=3" not in body
    assert len(queries) <= 10 and not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_the_list_answers_htmx_with_the_results_only(client):
    published(title="局部刷新")
    response = client.get(reverse("public:list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "局部刷新" in body and "<html" not in body


def test_the_list_offers_calendar_feeds(client):
    body = client.get(reverse("public:list"), {"region": "500118"}).content.decode()
    assert "订阅日历" in body and reverse("public:feed_region", args=["500118"]) in body


# --- detail and registration ------------------------------------------------------------------------------


def test_a_draft_is_not_found(client):
    assert client.get(reverse("public:detail", args=[ActivityFactory().pk])).status_code == 404
    assert client.get(reverse("public:detail", args=[999999])).status_code == 404


def test_a_cancelled_activity_the_public_saw_shows_a_banner_and_no_form(client, personas):
    activity = published(registration_required=True)
    services.activity_cancel(actor=personas.yc_admin, activity=activity, reason="因暴雨取消")
    response = client.get(reverse("public:detail", args=[activity.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "已取消" in body and "因暴雨取消" in body
    assert 'name="phone"' not in body


def test_a_draft_called_off_before_publication_stays_hidden(client, personas):
    activity = ActivityFactory()
    services.activity_cancel(actor=personas.yc_admin, activity=activity)
    assert client.get(reverse("public:detail", args=[activity.pk])).status_code == 404


def test_the_form_is_there_only_while_registration_is_open(client):
    open_one = published(registration_required=True, capacity=10)
    body = client.get(reverse("public:detail", args=[open_one.pk])).content.decode()
    assert 'name="phone"' in body and "剩余 10 个" in body
    walk_up = published(registration_required=False)
    body = client.get(reverse("public:detail", args=[walk_up.pk])).content.decode()
    assert 'name="phone"' not in body and "无需报名" in body
    past = finished(registration_required=True)
    assert 'name="phone"' not in client.get(reverse("public:detail", args=[past.pk])).content.decode()


def test_registering_leads_to_the_registrants_page_with_a_qr_code(client):
    activity = published(registration_required=True, capacity=10)
    group = TargetGroup.objects.get(key="public")
    response = register(client, activity, group=group.pk)
    reg = Registration.objects.get(activity=activity)
    assert response.status_code == 302 and response["Location"] == reverse("public:registration", args=[reg.token])
    assert reg.group == group and reg.user is None
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and "已确认" in body and f'data-token="{reg.token}"' in body
    assert "<svg" in body and 'class="qr-code"' in body and "139****0001" in body and "13900000001" not in body
    assert "private" in page["Cache-Control"] and page["Referrer-Policy"] == "no-referrer"
    assert "报名成功" in body


def test_a_logged_in_citizen_registration_is_linked_to_the_account(client_for, personas):
    activity = published(registration_required=True)
    register(client_for("citizen"), activity)
    assert Registration.objects.get(activity=activity).user == personas.citizen


def test_the_same_phone_twice_gets_a_chinese_message_on_the_phone_field(client):
    activity = published(registration_required=True)
    register(client, activity)
    response = register(client, activity, name="另一个人")
    body = response.content.decode()
    assert response.status_code == 200 and "这个手机号码已经报名了该活动。" in body
    assert Registration.objects.filter(activity=activity).count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "", "phone": "13900000001"}, "请填写姓名。"),
    ({"name": "王小明", "phone": ""}, "请填写手机号码。"),
    ({"name": "王小明", "phone": "12345"}, "请填写 11 位手机号码。"),
    ({"name": "王小明", "phone": "13900000001", "group": "999999"}, "请选择列表中的人群。"),
])
def test_bad_input_is_named_on_the_form(client, data, message):
    activity = published(registration_required=True)
    response = client.post(reverse("public:register", args=[activity.pk]), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Registration.objects.filter(activity=activity).exists()


def test_a_full_activity_puts_people_on_the_waitlist_and_says_their_place(client):
    activity = published(registration_required=True, capacity=1)
    register(client, activity, phone="13900000001")
    body = client.get(reverse("public:detail", args=[activity.pk])).content.decode()
    assert "名额已满" in body
    response = register(client, activity, phone="13900000002")
    page = client.get(response["Location"]).content.decode()
    assert "候补第 1 位" in page and "名额已满" in page


@pytest.mark.parametrize("make", [
    lambda: ActivityFactory(registration_required=True, status=ActivityStatus.CANCELLED),
    lambda: finished(registration_required=True),
])
def test_registration_is_closed_for_cancelled_and_ended_activities(client, personas, make):
    activity = make()
    if activity.status == ActivityStatus.CANCELLED:  # the public saw it before it was called off
        activity.status = ActivityStatus.PUBLISHED
        activity.save()
        services.activity_cancel(actor=personas.yc_admin, activity=activity)
    response = register(client, activity)
    assert response.status_code == 302 and response["Location"] == reverse("public:detail", args=[activity.pk])
    assert "该活动目前不接受报名。" in client.get(response["Location"]).content.decode()
    assert not Registration.objects.filter(activity=activity).exists()


def test_an_ended_published_activity_refuses_registration(client):
    start = timezone.now() - datetime.timedelta(days=1)
    activity = published(registration_required=True, start=start, end=start + datetime.timedelta(hours=1))
    response = register(client, activity)
    assert "活动已经结束，不能再报名。" in client.get(response["Location"]).content.decode()


def test_registering_for_a_draft_is_not_found(client):
    assert register(client, ActivityFactory(registration_required=True)).status_code == 404


def test_registration_posts_are_rate_limited_per_address(client, settings):
    settings.KEPU_REGISTRATION_RATE = "3/min"
    activity = published(registration_required=True)
    codes = [register(client, activity, phone=f"1390000000{n}").status_code for n in range(4)]
    assert codes == [302, 302, 302, 429]
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert register(other, activity, phone="13900000009").status_code == 302
    response = register(client, activity, phone="13900000008")
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()


def test_the_registration_form_only_takes_posts(client):
    activity = published(registration_required=True)
    assert client.get(reverse("public:register", args=[activity.pk])).status_code == 405


# --- the registrant's page -------------------------------------------------------------------------------


def test_cancelling_on_the_registrants_page_promotes_the_waitlist(client):
    activity = published(registration_required=True, capacity=1)
    first = services.registration_create(activity=activity, name="甲", phone="13900000001")
    second = services.registration_create(activity=activity, name="乙", phone="13900000002")
    response = client.post(reverse("public:registration_cancel", args=[first.token]))
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    assert "已取消报名。" in body and "取消报名</summary>" not in body and "<svg" not in body
    second.refresh_from_db()
    assert second.status == RegistrationStatus.CONFIRMED
    assert "已确认" in client.get(reverse("public:registration", args=[second.token])).content.decode()


def test_a_checked_in_registration_cannot_be_cancelled_and_says_why(client, personas):
    activity = published(registration_required=True)
    reg = services.registration_create(activity=activity, name="甲", phone="13900000001")
    services.checkin(actor=personas.yc_admin, activity=activity, token=reg.token)
    page = client.get(reverse("public:registration", args=[reg.token])).content.decode()
    assert "已签到" in page and "取消报名</summary>" not in page
    response = client.post(reverse("public:registration_cancel", args=[reg.token]), follow=True)
    assert "已签到的报名不能取消。" in response.content.decode()


def test_an_unknown_token_is_not_found(client):
    for name in ("public:registration", "public:qr"):
        assert client.get(reverse(name, args=["no-such-token"])).status_code == 404
    assert client.post(reverse("public:registration_cancel", args=["no-such-token"])).status_code == 404


def test_the_qr_png_is_a_png_carrying_the_checkin_link(client):
    activity = published(registration_required=True)
    reg = services.registration_create(activity=activity, name="甲", phone="13900000001")
    response = client.get(reverse("public:qr", args=[reg.token]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n" and len(response.content) > 200
    assert "private" in response["Cache-Control"]
    width, height = int.from_bytes(response.content[16:20], "big"), int.from_bytes(response.content[20:24], "big")
    assert width == height and width >= 8 * 21


def test_the_qr_code_carries_a_url_ending_in_the_token():
    from kepu.activities.views.public import checkin_url

    class Request:
        def build_absolute_uri(self, location):
            return "https://kepu.example" + location

    url = checkin_url(Request(), "abcDEF_-123")
    assert url == "https://kepu.example/activities/checkin/t/abcDEF_-123/"
    assert url.rstrip("/").rsplit("/", 1)[-1] == "abcDEF_-123"


# --- calendar -----------------------------------------------------------------------------------------------


def test_the_calendar_shows_a_theme_day_and_its_activities(client):
    water = ThemeDay.objects.get(name="世界水日")
    tz = timezone.get_current_timezone()
    year = timezone.localdate().year + 1
    start = datetime.datetime(year, 3, 22, 9, 30, tzinfo=tz)
    published(title="世界水日进社区", theme_days=[water], start=start, end=start + datetime.timedelta(hours=2))
    published(title="三月的另一场", start=start + datetime.timedelta(days=3), end=start + datetime.timedelta(days=3, hours=1))
    response = client.get(reverse("public:calendar"), {"year": year, "month": 3})
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{year} 年 3 月" in body and "世界水日" in body and "世界水日进社区" in body and "三月的另一场" in body
    assert "09:30 世界水日进社区" in body
    assert f"year={year}&amp;month=2" in body and f"year={year}&amp;month=4" in body
    assert reverse("public:feed_theme", args=[water.pk]) in body


def test_the_calendar_filters_by_region_and_theme(client):
    water = ThemeDay.objects.get(name="世界水日")
    start = timezone.localtime().replace(day=15, hour=10, minute=0)
    published(title="永川的活动", start=start, end=start + datetime.timedelta(hours=1), theme_days=[water])
    published(title="沙坪坝的活动", region="500106", start=start, end=start + datetime.timedelta(hours=1))
    body = client.get(reverse("public:calendar"), {"region": "500118"}).content.decode()
    assert "永川的活动" in body and "沙坪坝的活动" not in body
    body = client.get(reverse("public:calendar"), {"theme": water.pk}).content.decode()
    assert "永川的活动" in body and "沙坪坝的活动" not in body


def test_the_calendar_counts_a_busy_day_and_links_to_the_rest(client):
    start = timezone.localtime().replace(day=10, hour=8, minute=0, second=0, microsecond=0)
    for n in range(6):
        published(title=f"忙碌的一天{n}", start=start + datetime.timedelta(minutes=n), end=start + datetime.timedelta(hours=1))
    body = client.get(reverse("public:calendar")).content.decode()
    assert "还有 2 场" in body and "6 场" in body
    assert f"day={timezone.localtime(start).date().isoformat()}" in body


def test_the_calendar_names_bad_input(client):
    response = client.get(reverse("public:calendar"), {"year": "abc", "month": "13", "region": "nowhere"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "年份：请填写数字。" in body and "月份应在 1 到 12 之间。" in body and "没有代码为“nowhere”的行政区划" in body


def test_variable_theme_days_appear_once_their_dates_are_set(client, personas):
    week = ThemeDay.objects.get(name="科技活动周")
    year = timezone.localdate().year
    services.theme_day_date_set(actor=None, theme_day=week, year=year,
                                start=datetime.date(year, 5, 17), end=datetime.date(year, 5, 23))
    body = client.get(reverse("public:calendar"), {"year": year, "month": 5}).content.decode()
    assert "科技活动周" in body and "5月17日–5月23日" in body


def test_the_region_choices_list_the_districts(client):
    body = client.get(reverse("public:calendar")).content.decode()
    assert Region.objects.get(code="500118").name in body and 'value="500118"' in body


# --- the selectors behind the pages (fast at 500,000 activities) ----------------------------------------------


def test_the_list_merges_the_statuses_latest_first_and_upcoming_includes_what_is_going_on():
    from kepu.activities import selectors

    now = timezone.now()
    future = published(title="下周", start=now + datetime.timedelta(days=7))
    going_on = published(title="进行中", start=now - datetime.timedelta(hours=1), end=now + datetime.timedelta(hours=1))
    over = published(title="已过但未标记结束", start=now - datetime.timedelta(days=3), end=now - datetime.timedelta(days=2))
    done = finished(title="昨天", start=now - datetime.timedelta(days=1), end=now + datetime.timedelta(hours=5))
    reported = ActivityFactory(title="上月", status=ActivityStatus.REPORTED, start=now - datetime.timedelta(days=30),
                               end=now - datetime.timedelta(days=30) + datetime.timedelta(hours=2))
    everything = selectors.public_activity_page(upcoming=False)
    assert [a.pk for a in everything] == [future.pk, going_on.pk, done.pk, over.pk, reported.pk]
    assert [a.pk for a in selectors.public_activity_page(upcoming=False, offset=1, limit=2)] == [going_on.pk, done.pk]
    # A finished activity is over, whatever its end says.
    assert [a.pk for a in selectors.public_activity_page(upcoming=True)] == [going_on.pk, future.pk]


def test_common_tags_are_filtered_row_by_row_with_the_same_result(monkeypatch):
    from kepu.activities import selectors

    water = ThemeDay.objects.get(name="世界水日")
    youth = TargetGroup.objects.exclude(key="public").first()
    tagged = published(theme_days=[water], target_groups=[youth])
    published()
    rare = [a.pk for a in selectors.public_activity_page(theme=water, group=youth)]
    monkeypatch.setattr(selectors, "COMMON_TAG", 1)
    assert selectors._is_common("theme_days", water)
    assert [a.pk for a in selectors.public_activity_page(theme=water, group=youth)] == rare == [tagged.pk]


def test_a_month_counts_activities_on_their_local_day():
    from kepu.activities import selectors

    tz = timezone.get_current_timezone()
    year = timezone.localdate().year + 1
    # 00:30 in Chongqing is 16:30 UTC the day before.
    early = published(title="凌晨", start=datetime.datetime(year, 6, 2, 0, 30, tzinfo=tz),
                      end=datetime.datetime(year, 6, 2, 2, 0, tzinfo=tz))
    late = published(title="深夜", start=datetime.datetime(year, 6, 30, 23, 30, tzinfo=tz),
                     end=datetime.datetime(year, 7, 1, 1, 0, tzinfo=tz))
    published(title="七月", start=datetime.datetime(year, 7, 1, 0, 10, tzinfo=tz),
              end=datetime.datetime(year, 7, 1, 1, 0, tzinfo=tz))
    rows, counts = selectors.month_activities(year=year, month=6)
    assert counts == {datetime.date(year, 6, 2): 1, datetime.date(year, 6, 30): 1}
    assert [a.pk for a in rows] == [early.pk, late.pk]


@pytest.mark.parametrize("all_up_to", [2000, 1])
def test_a_busy_month_lists_the_first_few_of_each_day(all_up_to):
    from kepu.activities import selectors

    tz = timezone.get_current_timezone()
    year = timezone.localdate().year + 1
    for day in (3, 4):
        for n in range(3):
            start = datetime.datetime(year, 8, day, 9 + n, 0, tzinfo=tz)
            published(title=f"{day}日第{n}场", start=start, end=start + datetime.timedelta(hours=1))
    rows, counts = selectors.month_activities(year=year, month=8, per_day=2, all_up_to=all_up_to)
    assert counts == {datetime.date(year, 8, 3): 3, datetime.date(year, 8, 4): 3}
    assert [a.title for a in rows] == ["3日第0场", "3日第1场", "4日第0场", "4日第1场"]


def test_a_feed_keeps_the_coming_events_when_it_is_full(monkeypatch):
    from kepu.activities import selectors

    monkeypatch.setattr(selectors, "FEED_LIMIT", 3)
    now = timezone.now()
    past = [finished(start=now - datetime.timedelta(days=d)) for d in (10, 5)]
    coming = [published(start=now + datetime.timedelta(days=d)) for d in (1, 2)]
    rows = selectors.feed_activities(since=now - datetime.timedelta(days=90))
    assert [a.pk for a in rows] == [past[1].pk, coming[0].pk, coming[1].pk]
