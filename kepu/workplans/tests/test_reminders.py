"""Reminders before and after deadlines: what is due, once only, in-app and by e-mail, and `kepu remind`."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from kepu.accounts.models import Role
from kepu.accounts.tests.factories import UserFactory, grant
from kepu.core.models import Notification

from ..models import Assignment, Reminder, ReminderKind, Rhythm
from ..periods import period_no
from ..services.reminders import send_reminders
from .factories import make_plan, submit, unit

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))
Q1 = period_no(Rhythm.QUARTERLY, datetime.date(2026, 1, 1))
Q2 = Q1 + 1


def at(*args):
    return datetime.datetime(*args, 9, tzinfo=TZ)


@pytest.fixture
def liaison(personas):
    """The liaison of 永川区 区教委 (the lead unit of make_plan's tasks), with an e-mail address."""
    user = personas.yc_liaison
    user.email = "jiaowei@example.cn"
    user.save(update_fields=["email"])
    return user


def lead(plan, number: str) -> Assignment:
    return Assignment.objects.get(task__plan=plan, task__number=number, lead=True)


def claims(**filters):
    return set(Reminder.objects.filter(**filters).values_list("assignment__task__number", "assignment__unit__name",
                                                              "period", "kind"))


def test_a_report_coming_due_is_reminded_within_the_plans_reminder_days(liaison):
    plan = make_plan(year=2026, tasks=2)  # quarterly, 10 grace days: Q1 is due on 10 April; 5 reminder days
    submit(lead(plan, "1"), period=Q1, when=at(2026, 3, 30))

    assert send_reminders(today=datetime.date(2026, 4, 4)).sent == []  # six days before: not yet
    result = send_reminders(today=datetime.date(2026, 4, 5))

    assert result.counts() == {"upcoming": 1, "overdue": 0, "task_due": 0}
    assert claims(assignment__unit__name="区教委") == {("2", "区教委", Q1, ReminderKind.UPCOMING)}
    note = Notification.objects.get(user=liaison)
    assert "永川区科普工作要点" in note.title and "第 2 项任务" in note.title
    assert "2026 年第一季度" in note.title and "2026-04-10" in note.title
    assert note.url == f"/workplans/tasks/{lead(plan, '2').task_id}/"
    # 区科协 has no liaison: nothing claimed, listed for the plan owners
    assert [(g.unit.name, g.task_numbers) for g in result.no_liaison] == [("区科协", ["1", "2"])]
    assert not Reminder.objects.filter(assignment__unit__name="区科协").exists()


def test_overdue_reminds_the_most_recent_missing_period(liaison):
    plan = make_plan(year=2026, tasks=2)
    submit(lead(plan, "1"), period=Q2, when=at(2026, 7, 1))  # task 1 owes Q1 only, task 2 owes Q1 and Q2

    result = send_reminders(today=datetime.date(2026, 7, 15))

    assert result.counts()["overdue"] == 2
    assert claims(kind=ReminderKind.OVERDUE, assignment__unit__name="区教委") == {
        ("1", "区教委", Q1, ReminderKind.OVERDUE), ("2", "区教委", Q2, ReminderKind.OVERDUE)}
    note = Notification.objects.get(user=liaison)  # one notification listing both tasks
    assert "第 1、2 项任务" in note.title and note.url == "/workplans/mine/"
    assert "2026 年第一季度" in note.body and "2026 年第二季度" in note.body
    # a report for Q2 sent in late: the Q1 of task 2 is missing now, a new reminder
    submit(lead(plan, "2"), period=Q2, when=at(2026, 7, 16))
    again = send_reminders(today=datetime.date(2026, 7, 17))
    assert claims(kind=ReminderKind.OVERDUE, assignment__task__number="2", assignment__unit__name="区教委") == {
        ("2", "区教委", Q2, ReminderKind.OVERDUE), ("2", "区教委", Q1, ReminderKind.OVERDUE)}
    assert again.counts()["overdue"] == 1 and again.already == 1


def test_tasks_past_due_are_reminded_unless_the_unit_finished(liaison):
    plan = make_plan(year=2026, tasks=2, due_on=datetime.date(2026, 3, 31))
    submit(lead(plan, "1"), period=Q1, percent=100, when=at(2026, 3, 30), accept=True)

    result = send_reminders(today=datetime.date(2026, 4, 2))

    assert result.counts() == {"upcoming": 0, "overdue": 0, "task_due": 1}
    assert claims(assignment__unit__name="区教委") == {("2", "区教委", 0, ReminderKind.TASK_DUE)}
    note = Notification.objects.get(user=liaison)
    assert "超过完成时限" in note.title and "2026-03-31" in note.body


def test_running_twice_sends_nothing_the_second_time(liaison):
    make_plan(year=2026, tasks=2)
    first = send_reminders(today=datetime.date(2026, 4, 20))
    assert first.counts()["overdue"] == 2 and Notification.objects.count() == 1

    second = send_reminders(today=datetime.date(2026, 4, 20))

    assert second.sent == [] and second.already == 2
    assert Reminder.objects.count() == 2 and Notification.objects.count() == 1


def test_a_liaison_gets_one_notification_per_plan_unit_and_kind(liaison):
    grant(liaison, Role.UNIT_LIAISON, unit=unit("区科协"))
    make_plan(year=2026, tasks=3, due_on=datetime.date(2026, 3, 31))

    send_reminders(today=datetime.date(2026, 4, 20))

    # two units × (overdue Q1, task past due), three tasks each
    assert Notification.objects.filter(user=liaison).count() == 4
    assert Reminder.objects.count() == 12
    assert set(Reminder.objects.values_list("notified", flat=True)) == {1}


def test_other_units_liaisons_are_not_told(liaison):
    other = UserFactory(username="spb_liaison")
    grant(other, Role.UNIT_LIAISON, unit=unit("区教委", "500106"))
    make_plan(year=2026, tasks=1)
    send_reminders(today=datetime.date(2026, 4, 20))
    assert not Notification.objects.filter(user=other).exists()


def test_plans_ended_long_ago_are_not_scanned(liaison):
    make_plan(year=2025, tasks=1)
    assert send_reminders(today=datetime.date(2026, 4, 20)).sent == []
    assert send_reminders(today=datetime.date(2026, 3, 20)).counts()["overdue"] == 1  # 79 days after its end


def test_email_goes_out_when_an_smtp_server_is_configured(liaison, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = "smtp.example.cn"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.KEPU_BASE_URL = "https://kepu.example.cn"
    make_plan(year=2026, tasks=1)

    with django_capture_on_commit_callbacks(execute=True):
        result = send_reminders(today=datetime.date(2026, 4, 20))

    assert result.emailed == 1
    assert [m.to for m in mail.outbox] == [["jiaowei@example.cn"]]
    assert "逾期提醒" in mail.outbox[0].subject and "https://kepu.example.cn/workplans/tasks/" in mail.outbox[0].body
    assert Reminder.objects.get(assignment__unit__name="区教委").emailed == 1


def test_no_email_without_an_smtp_server(liaison, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = ""  # as configured without KEPU_SMTP_HOST
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    make_plan(year=2026, tasks=1)

    with django_capture_on_commit_callbacks(execute=True):
        result = send_reminders(today=datetime.date(2026, 4, 20))

    assert result.notified == 1 and result.emailed == 0 and mail.outbox == []
    assert Reminder.objects.get(assignment__unit__name="区教委").emailed == 0


def test_a_dry_run_writes_nothing(liaison):
    make_plan(year=2026, tasks=2)
    result = send_reminders(today=datetime.date(2026, 4, 20), dry_run=True)
    assert result.counts()["overdue"] == 2 and result.sent[0].notified == 1
    assert not Reminder.objects.exists() and not Notification.objects.exists()


def test_the_command_prints_what_it_sent(liaison):
    make_plan(year=2026, tasks=2)
    out = StringIO()
    call_command("remind", "--date", "2026-04-20", stdout=out)
    text = out.getvalue()
    assert "reminders sent: upcoming 0, overdue 2, task_due 0" in text
    assert "notifications 1" in text
    assert "units without liaisons (1;" in text and "区科协" in text
    out = StringIO()
    call_command("remind", "--date", "2026-04-20", stdout=out)
    assert "overdue 0" in out.getvalue() and "already sent before: 2" in out.getvalue()


def test_the_command_dry_run_sends_nothing(liaison):
    make_plan(year=2026, tasks=1)
    out = StringIO()
    call_command("remind", "--date", "2026-04-20", "--dry-run", stdout=out)
    assert "would send overdue" in out.getvalue() and not Reminder.objects.exists()


def test_a_bad_date_names_the_option():
    with pytest.raises(CommandError) as exc:
        call_command("remind", "--date", "2026-02-30")
    assert "--date" in str(exc.value) and "YYYY-MM-DD" in str(exc.value)
