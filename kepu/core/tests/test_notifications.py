"""The notification list, marking read, and the bell with the unread count."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from kepu.core.context_processors import notifications as bell
from kepu.core.models import Notification
from kepu.core.notifications import notify

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
READ = reverse("notifications:read")


def note(user, title="逾期提醒：第 1 项任务", url="/workplans/mine/", read=False):
    n = Notification.objects.create(user=user, title=title, body="请尽快报送。", url=url)
    if read:
        Notification.objects.filter(pk=n.pk).update(read_at=n.created_at)
    return n


def test_anonymous_is_sent_to_login(client):
    assert client.get(LIST).status_code == 302 and "/accounts/login/" in client.get(LIST)["Location"]
    response = client.post(READ)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_user_sees_only_their_own_notifications(personas, client_for):
    note(personas.citizen, title="您的报名已通过")
    note(personas.yc_liaison, title="逾期提醒：别人的通知")
    response = client_for("citizen").get(LIST)
    assert response.status_code == 200
    text = response.content.decode()
    assert "您的报名已通过" in text and "别人的通知" not in text


def test_unread_ones_are_bold_and_newest_first(personas, client_for):
    note(personas.yc_liaison, title="较早的已读通知", read=True)
    note(personas.yc_liaison, title="最新的未读通知")
    page = list(client_for("yc_liaison").get(LIST).context["page"])
    assert [n.title for n in page] == ["最新的未读通知", "较早的已读通知"]
    text = client_for("yc_liaison").get(LIST).content.decode()
    unread_at, read_at = text.index("最新的未读通知"), text.index("较早的已读通知")
    assert "fw-bold" in text[text.rfind("list-group-item", 0, unread_at):unread_at]
    assert "fw-bold" not in text[text.rfind("list-group-item", 0, read_at):read_at]


def test_the_list_is_paginated(personas, client_for):
    for i in range(25):
        note(personas.citizen, title=f"通知 {i}")
    client = client_for("citizen")
    assert len(client.get(LIST).context["page"]) == 20
    assert len(client.get(LIST, {"page": 2}).context["page"]) == 5
    assert client.get(LIST, {"page": "x"}).status_code == 200


def test_opening_a_notification_marks_it_read_and_follows_its_link(personas, client_for):
    n = note(personas.yc_liaison, url="/workplans/tasks/7/")
    response = client_for("yc_liaison").post(READ, {"id": n.pk, "next": n.url})
    assert response.status_code == 302 and response["Location"] == "/workplans/tasks/7/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_another_users_notification_is_not_marked(personas, client_for):
    theirs = note(personas.yc_liaison)
    response = client_for("citizen").post(READ, {"id": theirs.pk})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_all_can_be_marked_read(personas, client_for):
    mine = [note(personas.citizen), note(personas.citizen, url="")]
    theirs = note(personas.yc_liaison)
    response = client_for("citizen").post(READ)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_link_off_the_site_is_not_followed(personas, client_for):
    n = note(personas.citizen)
    response = client_for("citizen").post(READ, {"id": n.pk, "next": "https://evil.example.com/"})
    assert response["Location"] == LIST


def test_a_bad_id_is_a_message_not_an_error(personas, client_for):
    n = note(personas.citizen)
    response = client_for("citizen").post(READ, {"id": "abc"}, follow=True)
    assert response.status_code == 200 and "参数“id”应为通知编号" in response.content.decode()
    n.refresh_from_db()
    assert n.read_at is None


def test_reading_takes_a_post(personas, client_for):
    assert client_for("citizen").get(READ).status_code == 405


def test_the_bell_shows_the_unread_count(personas, client_for):
    notify(users=[personas.yc_liaison], title="提醒一")
    notify(users=[personas.yc_liaison], title="提醒二")
    note(personas.yc_liaison, read=True)
    text = client_for("yc_liaison").get(LIST).content.decode()
    bell_html = text[text.index('id="nav-bell"'):text.index("</a>", text.index('id="nav-bell"'))]
    assert 'bg-danger">2</span>' in bell_html
    text = client_for("citizen").get(LIST).content.decode()
    assert 'id="nav-bell"' in text and "bg-danger" not in text


def test_the_bell_costs_one_count_query_and_nothing_for_anonymous(personas, django_assert_num_queries):
    note(personas.citizen)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert bell(request) == {}
    request.user = personas.citizen
    with django_assert_num_queries(1):
        assert int(str(bell(request)["unread_notifications"])) == 1
    with django_assert_num_queries(0):
        bell(request)  # not counted until a template shows it


def test_the_anonymous_home_page_has_no_bell(client):
    assert 'id="nav-bell"' not in client.get(reverse("public:list")).content.decode()
