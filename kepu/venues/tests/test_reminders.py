"""`kepu remind_certifications`: one e-mail per threshold to the admins over the venue's region,
never twice, not even from two runs at once; a failed send is retried by the next run."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from kepu.accounts.models import Role
from kepu.accounts.tests.factories import UserFactory, grant

from .. import services
from ..management.commands import remind_certifications
from ..models import Certification, Level
from .factories import make_certification, make_venue

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 3, 1)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def run(*args, today=TODAY) -> str:
    out = io.StringIO()
    call_command("remind_certifications", f"--today={today.isoformat()}", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def admins(db):
    """Admins with e-mail over the city and Yongchuan, one without e-mail, one elsewhere, one inactive."""
    people = {}
    for name, region, email in (("city", "500000", "city@example.org"), ("yc", "500118", "yc@example.org"),
                                ("yc_mute", "500118", ""), ("spb", "500106", "spb@example.org"),
                                ("gone", "500118", "gone@example.org")):
        user = UserFactory(username=f"admin-{name}", email=email)
        grant(user, Role.REGION_ADMIN, region=region)
        people[name] = user
    people["gone"].is_active = False
    people["gone"].save()
    reviewer = UserFactory(username="reviewer", email="reviewer@example.org")
    grant(reviewer, Role.REVIEWER, region="500118")
    return people


@pytest.fixture
def cert(db):
    venue = make_venue("500118001", name="永川科技馆")
    return make_certification(venue, Level.MUNICIPAL, year=2020, valid_until=days(25), title="重庆市科普教育基地")


def test_a_certification_crossing_a_threshold_mails_the_admins_above_it_once(admins, cert):
    out = run()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["city@example.org", "yc@example.org"]
    assert "永川科技馆" in message.subject
    assert "重庆市科普教育基地" in message.body and "2025-03-26" in message.body and "25 天" in message.body
    assert f"/venues/{cert.venue_id}/" in message.body
    assert "sent 30-day reminder" in out and "yc@example.org" in out
    cert.refresh_from_db()
    assert cert.reminded_days == 30
    # The next day's run has nothing new to say.
    run(today=days(1))
    assert len(mail.outbox) == 1
    # Inside the 7-day threshold the second reminder goes out.
    run(today=days(19))
    assert len(mail.outbox) == 2 and "6 天" in mail.outbox[1].body
    cert.refresh_from_db()
    assert cert.reminded_days == 7
    run(today=days(20))
    assert len(mail.outbox) == 2


def test_the_re_evaluation_date_counts_and_links_are_absolute_with_a_base_url(admins):
    venue = make_venue("500118", name="复评基地")
    make_certification(venue, Level.NATIONAL, year=2021, review_on=days(80), valid_until=days(400))
    out = run("--base-url=https://kepu.example.org/")
    assert "sent 90-day reminder" in out
    assert "复评" in mail.outbox[0].body and f"https://kepu.example.org/venues/{venue.pk}/" in mail.outbox[0].body


def test_thresholds_come_from_the_option(admins, cert):
    run("--days", "20,10")
    assert mail.outbox == []
    run("--days", "60")
    assert len(mail.outbox) == 1
    with pytest.raises(CommandError):
        run("--days", "soon")


def test_a_dry_run_sends_and_marks_nothing(admins, cert):
    out = run("--dry-run")
    assert "would send 30-day reminder" in out and mail.outbox == []
    cert.refresh_from_db()
    assert cert.reminded_days is None


def test_revoked_far_off_expired_and_closed_are_left_alone(admins):
    venue = make_venue("500118", name="基地")
    revoked = make_certification(venue, Level.MUNICIPAL, year=2020, valid_until=days(10))
    services.certification_update(actor=None, certification=revoked, revoked_on=TODAY - datetime.timedelta(days=1))
    make_certification(venue, Level.DISTRICT, year=2020, valid_until=days(200))
    make_certification(venue, Level.NATIONAL, year=2015, valid_until=TODAY - datetime.timedelta(days=3))
    closed = make_venue("500118", name="已停用", opened_on=datetime.date(2010, 1, 1),
                        closed_on=TODAY - datetime.timedelta(days=30))
    make_certification(closed, Level.MUNICIPAL, year=2020, valid_until=days(5))
    assert "0 reminder(s) sent" in run()
    assert mail.outbox == []


def test_without_recipients_nothing_is_marked(cert):
    out = run()
    assert "no recipient" in out and mail.outbox == []
    cert.refresh_from_db()
    assert cert.reminded_days is None


def test_the_conditional_update_lets_only_one_run_claim_a_threshold(cert):
    claim = remind_certifications.Command._claim
    assert claim(cert, 30) is True
    assert claim(cert, 30) is False  # the other scheduler
    assert claim(cert, 90) is False  # an earlier threshold after a later one
    assert claim(cert, 7) is True


def test_a_run_that_loses_the_race_sends_nothing(admins, cert, monkeypatch):
    """Another scheduler marks the row between this run's read and its claim: no second mail."""
    real = remind_certifications.region_admin_emails

    def other_run_first(path, cache):
        Certification.objects.filter(pk=cert.pk).update(reminded_days=30)
        mail.send_mail("other run", "sent by the other run", None, ["yc@example.org"])
        return real(path, cache)

    monkeypatch.setattr(remind_certifications, "region_admin_emails", other_run_first)
    run()
    assert [m.subject for m in mail.outbox] == ["other run"]


def test_a_failed_send_gives_the_claim_back(admins, cert, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(remind_certifications, "send_mail", broken)
    with pytest.raises(CommandError):
        run()
    cert.refresh_from_db()
    assert cert.reminded_days is None
    monkeypatch.undo()
    run()
    assert len(mail.outbox) == 1


def test_a_new_date_starts_the_reminders_again(admins, cert):
    run(today=days(19))
    cert.refresh_from_db()
    assert cert.reminded_days == 7
    # The review date moves on (the service keeps reminded_days for review_on): the next run forgets.
    Certification.objects.filter(pk=cert.pk).update(valid_until=days(400), review_on=None)
    run(today=days(20))
    cert.refresh_from_db()
    assert cert.reminded_days is None
    run(today=days(400 - 60))
    assert len(mail.outbox) == 2 and "60 天" in mail.outbox[1].body
