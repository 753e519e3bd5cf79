"""The iCalendar writer (RFC 5545) and the region and theme-day feeds."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kepu.activities import ics, services
from kepu.activities.models import ThemeDay

from .factories import ActivityFactory, finished, published


def unfold(text: str) -> list[str]:
    """The content lines of an iCalendar text (RFC 5545 3.1: CRLF followed by a space continues)."""
    assert text.endswith("\r\n")
    raw = text[:-2].split("\r\n")
    lines: list[str] = []
    for line in raw:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def props(lines: list[str], name: str) -> list[str]:
    return [line.split(":", 1)[1] for line in lines if line.split(":", 1)[0].split(";", 1)[0] == name]


# --- the writer ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a,b;c\\d", "a\\,b\\;c\\\\d"),
    ("第一行\n第二行\r\n第三行\r第四行", "第一行\\n第二行\\n第三行\\n第四行"),
    ("plain", "plain"),
])
def test_text_values_are_escaped(raw, escaped):
    assert ics.escape_text(raw) == escaped


def test_long_lines_fold_at_75_octets_without_splitting_a_character():
    line = "DESCRIPTION:" + "科普活动abc" * 40
    folded = ics.fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 1
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join([pieces[0], *(p[1:] for p in pieces[1:])]) == line
    for p in pieces:
        p.encode("utf-8").decode("utf-8")  # every piece is whole UTF-8


def test_a_line_of_exactly_75_octets_is_not_folded():
    line = "SUMMARY:" + "x" * 67
    assert len(line.encode()) == 75 and ics.fold(line) == line
    assert ics.fold(line + "y") == line + "\r\n y"


@pytest.mark.django_db
def test_an_event_has_the_required_properties_in_utc():
    tz = timezone.get_current_timezone()
    start = datetime.datetime(2031, 3, 22, 9, 30, tzinfo=tz)
    activity = published(title="水日讲座, 第一场; 永川", description="第一行\n第二行 \\ 完", venue="科技馆",
                         start=start, end=start + datetime.timedelta(hours=2))
    now = datetime.datetime(2030, 1, 1, 8, 0, tzinfo=datetime.UTC)
    text = ics.calendar([activity], name="永川区科普活动", url_for=lambda a: f"https://kepu.example/events/{a.pk}/",
                        now=now)
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(p.encode()) <= 75 for p in text[:-2].split("\r\n"))
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert props(lines, "VERSION") == ["2.0"] and props(lines, "PRODID")
    assert props(lines, "UID") == [f"activity-{activity.pk}@kepu"]
    assert props(lines, "DTSTAMP") == ["20300101T080000Z"]
    assert props(lines, "DTSTART") == ["20310322T013000Z"] and props(lines, "DTEND") == ["20310322T033000Z"]
    assert props(lines, "SUMMARY") == ["水日讲座\\, 第一场\\; 永川"]
    assert props(lines, "DESCRIPTION") == ["第一行\\n第二行 \\\\ 完"]
    assert props(lines, "LOCATION") == ["科技馆"]
    assert props(lines, "URL") == [f"https://kepu.example/events/{activity.pk}/"]
    assert props(lines, "STATUS") == ["CONFIRMED"]
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 1


@pytest.mark.django_db
def test_a_cancelled_event_says_so():
    activity = ActivityFactory(status="cancelled", cancel_reason="天气原因")
    lines = unfold(ics.calendar([activity], name="x", url_for=lambda a: "https://x/"))
    assert props(lines, "STATUS") == ["CANCELLED"] and "天气原因" in props(lines, "DESCRIPTION")[0]


@pytest.mark.django_db
def test_an_online_event_without_venue_is_located_at_its_link():
    activity = published(venue="", online_url="https://live.example/room?a=1,2")
    lines = unfold(ics.calendar([activity], name="x", url_for=lambda a: "https://x/"))
    assert props(lines, "LOCATION") == ["https://live.example/room?a=1\\,2"]


# --- the feeds ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_region_feed_has_the_subtrees_public_activities_from_90_days_back(client, personas):
    town = published(title="街道讲座", region="500118001")
    recent = finished(title="上月讲座", start=timezone.now() - datetime.timedelta(days=30))
    finished(title="半年前讲座", start=timezone.now() - datetime.timedelta(days=180))
    ActivityFactory(title="草稿讲座")
    published(title="沙坪坝讲座", region="500106")
    called_off = published(title="取消的讲座")
    services.activity_cancel(actor=personas.yc_admin, activity=called_off)
    draft_off = ActivityFactory(title="草稿时取消")
    services.activity_cancel(actor=personas.yc_admin, activity=draft_off)

    response = client.get(reverse("public:feed_region", args=["500118"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    lines = unfold(response.content.decode("utf-8"))
    uids = set(props(lines, "UID"))
    assert uids == {f"activity-{a.pk}@kepu" for a in (town, recent, called_off)}
    assert "CANCELLED" in props(lines, "STATUS")
    assert props(lines, "X-WR-CALNAME") == ["永川区科普活动"]
    assert f"http://testserver/events/{town.pk}/" in props(lines, "URL")


@pytest.mark.django_db
def test_the_theme_feed_has_the_theme_days_activities(client):
    water = ThemeDay.objects.get(name="世界水日")
    tagged = published(title="水日讲座", theme_days=[water])
    published(title="别的讲座")
    response = client.get(reverse("public:feed_theme", args=[water.pk]))
    lines = unfold(response.content.decode("utf-8"))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert props(lines, "UID") == [f"activity-{tagged.pk}@kepu"]
    assert props(lines, "X-WR-CALNAME") == ["世界水日科普活动"]


@pytest.mark.django_db
def test_unknown_feeds_are_not_found(client):
    assert client.get("/events/feeds/region/999999.ics").status_code == 404
    assert client.get("/events/feeds/theme/999999.ics").status_code == 404
    assert client.get(reverse("public:feed_region", args=["500118"])).status_code == 200
