"""The staff check-in page: tokens, search, walk-ins, the QR link, counters, permissions."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from kepu.activities import services
from kepu.activities.models import CheckIn, TargetGroup

from .factories import published

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def activity():
    return published(title="永川科普讲座", registration_required=True, capacity=2)


def register(activity, n, **kw):
    return services.registration_create(activity=activity, name=f"市民{n}", phone=f"139{n:08d}", **kw)


def post_token(client, activity, token, method="token", htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("activities:checkin_token", args=[activity.pk]),
                       {"token": token, "method": method}, **headers)


def outcome(response) -> str:
    body = response.content.decode()
    return body.split('data-outcome="', 1)[1].split('"', 1)[0]


def test_the_page_has_the_token_field_scanner_search_walk_in_and_counters(client_for, activity):
    register(activity, 1)
    response = client_for("yc_admin").get(reverse("activities:checkin", args=[activity.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and activity.title in body
    assert 'name="token"' in body and "autofocus" in body and 'id="scan-button"' in body and " hidden" in body
    assert reverse("activities:checkin_search", args=[activity.pk]) in body
    assert reverse("activities:walk_in", args=[activity.pk]) in body
    assert 'data-checked-in="0"' in body and "activities/checkin.js" in body


def test_a_token_checks_in_once_and_a_repeat_says_so(client_for, activity):
    reg = register(activity, 1)
    client = client_for("yc_admin")
    first = post_token(client, activity, reg.token)
    assert outcome(first) == "checked_in" and "市民1 签到成功。" in first.content.decode()
    assert "alert-success" in first.content.decode() and first["HX-Trigger"] == "checkin-done"
    again = post_token(client, activity, reg.token)
    assert outcome(again) == "already" and "已经签到过了" in again.content.decode()
    assert "alert-warning" in again.content.decode() and "HX-Trigger" not in again
    assert CheckIn.objects.filter(registration=reg).count() == 1
    row = CheckIn.objects.get(registration=reg)
    assert row.method == "token" and row.by.username == "yc_admin"


def test_a_scanned_url_checks_in_by_its_last_part(client_for, activity):
    reg = register(activity, 1)
    url = "https://kepu.example" + reverse("activities:checkin_by_link", args=[reg.token])
    response = post_token(client_for("yc_admin"), activity, url, method="scan")
    assert outcome(response) == "checked_in" and CheckIn.objects.get(registration=reg).method == "scan"


def test_an_unknown_method_is_recorded_as_a_typed_token(client_for, activity):
    reg = register(activity, 1)
    post_token(client_for("yc_admin"), activity, reg.token, method="walk_in")
    assert CheckIn.objects.get(registration=reg).method == "token"


@pytest.mark.parametrize(("case", "expected", "text"), [
    ("other_activity", "other_activity", "这是另一个活动"),
    ("cancelled", "cancelled", "该报名已取消，不能签到。"),
    ("waitlisted", "waitlisted", "该报名仍在候补，未获得名额。"),
    ("forged", "unknown", "无效的签到凭证：没有这个报名。"),
    ("empty", "unknown", "请输入或扫描签到凭证。"),
])
def test_tokens_that_cannot_check_in_get_a_red_message(client_for, activity, case, expected, text):
    register(activity, 1)
    register(activity, 2)
    token = {
        "other_activity": lambda: register(published(registration_required=True), 3).token,
        "cancelled": lambda: services.registration_cancel(registration=register(activity, 4)).token,
        "waitlisted": lambda: register(activity, 5).token,
        "forged": lambda: "A" * 43,
        "empty": lambda: "  ",
    }[case]()
    response = post_token(client_for("yc_admin"), activity, token)
    body = response.content.decode()
    assert response.status_code == 200 and outcome(response) == expected and text in body
    assert "alert-danger" in body and not CheckIn.objects.exists()


def test_without_htmx_the_result_shows_on_the_whole_page(client_for, activity):
    reg = register(activity, 1)
    response = post_token(client_for("yc_admin"), activity, reg.token, htmx=False)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body and "签到成功" in body and 'data-checked-in="1"' in body


def test_token_guessing_is_rate_limited_per_user(client_for, activity, settings):
    settings.KEPU_CHECKIN_RATE = "3/min"
    client = client_for("yc_admin")
    codes = [post_token(client, activity, f"guess{n}").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    response = post_token(client, activity, "guess")
    assert response.status_code == 429 and "操作过于频繁" in response.content.decode()
    # Another staff member at the same door is not slowed down.
    assert post_token(client_for("city_admin"), activity, "guess").status_code == 200


def test_search_finds_by_name_full_phone_and_last_four_digits(client_for, activity):
    register(activity, 1)
    register(activity, 2)
    client = client_for("yc_admin")
    url = reverse("activities:checkin_search", args=[activity.pk])

    def found(q):
        body = client.get(url, {"q": q}, HTTP_HX_REQUEST="true").content.decode()
        return {n for n in ("市民1", "市民2") if n in body}

    assert found("市民1") == {"市民1"}
    assert found("139 0000 0002") == {"市民2"}
    assert found("0001") == {"市民1"}
    assert found("nobody") == set()
    assert client.get(url, {"q": ""}, HTTP_HX_REQUEST="true").content.decode().strip() == ""


def test_search_results_check_in_with_a_button(client_for, activity):
    reg = register(activity, 1)
    client = client_for("yc_admin")
    body = client.get(reverse("activities:checkin_search", args=[activity.pk]), {"q": "市民1"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert f'value="{reg.token}"' in body and 'name="method" value="search"' in body
    post_token(client, activity, reg.token, method="search")
    assert CheckIn.objects.get(registration=reg).method == "search"
    body = client.get(reverse("activities:checkin_search", args=[activity.pk]), {"q": "市民1"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert f'value="{reg.token}"' not in body and "bi-check-circle" in body


def test_search_without_htmx_is_a_page(client_for, activity):
    register(activity, 1)
    response = client_for("yc_admin").get(reverse("activities:checkin_search", args=[activity.pk]), {"q": "市民"})
    assert response.status_code == 200 and "<html" in response.content.decode() and "市民1" in response.content.decode()


def test_walk_ins_are_counted(client_for, activity):
    group = TargetGroup.objects.get(key="public")
    client = client_for("yc_admin")
    url = reverse("activities:walk_in", args=[activity.pk])
    response = client.post(url, {"people": "12", "group": group.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "已记录现场参与 12 人。" in response.content.decode()
    assert response["HX-Trigger"] == "checkin-done"
    row = CheckIn.objects.get(activity=activity)
    assert (row.method, row.people, row.group, row.registration) == ("walk_in", 12, group, None)
    counts = client.get(reverse("activities:checkin_counts", args=[activity.pk]), HTTP_HX_REQUEST="true")
    assert ">12<" in counts.content.decode()


@pytest.mark.parametrize(("people", "message"), [("0", "人数应在 1 到 100000 之间。"), ("abc", "人数：请填写整数。"),
                                                  ("", "人数：请填写人数。")])
def test_a_bad_walk_in_count_is_named(client_for, activity, people, message):
    response = client_for("yc_admin").post(reverse("activities:walk_in", args=[activity.pk]), {"people": people},
                                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and message in response.content.decode()
    assert not CheckIn.objects.exists()


def test_walk_ins_without_htmx_redirect_back_with_a_message(client_for, activity):
    client = client_for("yc_admin")
    response = client.post(reverse("activities:walk_in", args=[activity.pk]), {"people": "3"}, follow=True)
    assert "已记录现场参与 3 人。" in response.content.decode()


def test_the_counters_add_up(client_for, activity):
    one, two, waiting = register(activity, 1), register(activity, 2), register(activity, 3)
    client = client_for("yc_admin")
    post_token(client, activity, one.token)
    services.walkin_record(actor=None, activity=activity, people=5)
    body = client.get(reverse("activities:checkin_counts", args=[activity.pk])).content.decode()
    assert 'data-checked-in="1"' in body and "/ 2" in body and ">6<" in body  # 1 checked in + 5 walk-ins
    assert two and waiting


# --- permissions --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [
    ("yc_admin", 200), ("city_admin", 200), ("platform_admin", 200),
    ("spb_admin", 404), ("outsider", 404), ("citizen", 404),
    ("yc_reviewer", 403),
])
def test_who_may_check_people_in(client_for, activity, persona, status):
    client = client_for(persona)
    assert client.get(reverse("activities:checkin", args=[activity.pk])).status_code == status
    reg = register(activity, 1)
    assert post_token(client, activity, reg.token).status_code == status
    assert client.get(reverse("activities:checkin_search", args=[activity.pk]), {"q": "市民"}).status_code == status
    assert client.post(reverse("activities:walk_in", args=[activity.pk]), {"people": "1"}).status_code in (status, 302)
    assert client.get(reverse("activities:checkin_counts", args=[activity.pk])).status_code == status
    assert CheckIn.objects.exists() == (status == 200)


def test_the_organizers_liaison_may_check_in(client_for, yc_education):
    activity = published(organizer=yc_education, registration_required=True)
    assert client_for("yc_liaison").get(reverse("activities:checkin", args=[activity.pk])).status_code == 200


def test_anonymous_staff_pages_ask_to_log_in(client, activity):
    response = client.get(reverse("activities:checkin", args=[activity.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- the link in the QR code -------------------------------------------------------------------------------


def test_the_qr_link_asks_before_it_checks_in_and_checks_in_on_post(client_for, activity):
    reg = register(activity, 1)
    client = client_for("yc_admin")
    url = reverse("activities:checkin_by_link", args=[reg.token])
    page = client.get(url)
    assert page.status_code == 200 and "确认签到" in page.content.decode() and not CheckIn.objects.exists()
    done = client.post(url)
    assert "签到成功" in done.content.decode() and CheckIn.objects.get(registration=reg).method == "scan"
    again = client.post(url)
    assert "已经签到过了" in again.content.decode() and CheckIn.objects.count() == 1
    assert "已经签到过了" in client.get(url).content.decode()


def test_the_qr_link_tells_anonymous_visitors_what_it_is(client, activity):
    reg = register(activity, 1)
    url = reverse("activities:checkin_by_link", args=[reg.token])
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200 and "工作人员登录" in body and f"next=%2Factivities%2Fcheckin%2Ft%2F{reg.token}" in body
    assert "市民1" not in body
    client.post(url)
    assert not CheckIn.objects.exists()


def test_the_qr_link_of_a_forged_token_says_so(client_for):
    response = client_for("yc_admin").get(reverse("activities:checkin_by_link", args=["forged"]))
    assert response.status_code == 404 and "无效的签到凭证" in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("spb_admin", 404), ("yc_reviewer", 403), ("citizen", 404)])
def test_the_qr_link_checks_the_staff_members_scope(client_for, activity, persona, status):
    reg = register(activity, 1)
    client = client_for(persona)
    assert client.get(reverse("activities:checkin_by_link", args=[reg.token])).status_code == status
    assert client.post(reverse("activities:checkin_by_link", args=[reg.token])).status_code == status
    assert not CheckIn.objects.exists()
