"""Work plans under concurrency, proven on PostgreSQL (skipped on SQLite).

Run with `bash scripts/test-pg.sh kepu/workplans/tests/test_postgres.py`.
"""

import datetime

import pytest
from django.db import connection

from kepu.accounts.models import Role
from kepu.accounts.tests.factories import UserFactory, grant
from kepu.core.models import Notification
from kepu.tests.test_postgres import reference_data, run_together  # noqa: F401 - the fixture is used by name

from ..models import Reminder, ReminderKind
from ..services.reminders import send_reminders
from .factories import make_plan, unit

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (make test-pg)")

TODAY = datetime.date(2026, 4, 20)  # Q1's reports were due on 10 April, the tasks on 31 March


def _liaisons():
    users = []
    for name in ("区教委", "区科协"):
        user = UserFactory(username=f"liaison-{name}", email=f"{len(users)}@example.cn")
        grant(user, Role.UNIT_LIAISON, unit=unit(name))
        users.append(user)
    return users


@pytest.mark.parametrize("schedulers", [2, 4])
@pytest.mark.django_db(transaction=True)
def test_schedulers_running_at_once_send_each_reminder_once(reference_data, schedulers, mailoutbox):  # noqa: F811
    liaisons = _liaisons()
    for n in range(3):
        make_plan(code=f"yc-plan-{n}", title=f"永川区科普工作要点（{n}）", tasks=5, year=2026, due_on=datetime.date(2026, 3, 31))

    results = run_together(*[lambda: send_reminders(today=TODAY)] * schedulers)

    failed = [r for r in results if isinstance(r, Exception)]
    assert not failed, failed
    # 3 plans × 5 tasks × 2 units, each overdue for Q1 and past its due date: 60 reminders, sent once
    assert sum(sum(r.counts().values()) for r in results) == 60
    assert Reminder.objects.count() == 60
    assert set(Reminder.objects.values_list("kind", flat=True)) == {ReminderKind.OVERDUE, ReminderKind.TASK_DUE}
    assert set(Reminder.objects.values_list("notified", "emailed")) == {(1, 1)}
    # one notification (and e-mail) per plan, unit and kind: 3 × 2 × 2, none doubled
    assert Notification.objects.count() == 12
    for user in liaisons:
        titles = list(Notification.objects.filter(user=user).values_list("title", flat=True))
        assert len(titles) == len(set(titles)) == 6
    assert len(mailoutbox) == 12
    assert sum(r.already for r in results) == 60 * (schedulers - 1)

    assert sum(sum(r.counts().values()) for r in run_together(lambda: send_reminders(today=TODAY))) == 0
