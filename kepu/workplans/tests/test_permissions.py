"""Who may see and change what in work plans, pages and API alike.

Out of scope answers 404 (the same as "does not exist"); in scope but not allowed answers 403;
anonymous pages redirect to the login and anonymous API calls answer 401. A liaison sees the plans
of its unit and, of their tasks and reports, only its unit's.
"""

import datetime

import pytest

from kepu.tests.test_permission_matrix import PERSONAS, expect

from ..models import Assignment, Rhythm, Task
from ..periods import period_no
from .factories import make_plan, submit

YC_PLAN = {"platform_admin": 200, "city_admin": 200, "yc_admin": 200, "yc_reviewer": 200, "yc_liaison": 200,
           "spb_admin": 404, "citizen": 403, "outsider": 403, "anonymous": 302}
YC_PLAN_API = {**YC_PLAN, "anonymous": 401}
OWNERS = {**YC_PLAN, "yc_reviewer": 403, "yc_liaison": 403}
REVIEWERS = {**YC_PLAN, "yc_liaison": 403}
# A plan none of whose tasks are the liaison's unit's: the liaison does not see it at all.
OTHER_UNITS = {**YC_PLAN, "yc_liaison": 404}
STAFF = {"citizen": 403, "outsider": 403, "anonymous": 302, "*": 200}


@pytest.fixture
def plans(db):
    ours = make_plan(code="yc-ours", year=2025, tasks=2, units=("区科协", "区教委"))
    theirs = make_plan(code="yc-theirs", year=2025, tasks=1, units=("区科协", "区科技局"))
    a = Assignment.objects.get(task__plan=ours, task__number="1", unit__name="区教委")
    report = submit(a, period=period_no(Rhythm.QUARTERLY, datetime.date(2025, 1, 1)))
    return ours, theirs, report


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_workplan_pages_matrix(client_for, persona, plans):
    ours, theirs, _report = plans
    p, t, other = ours.pk, Task.objects.get(plan=ours, number="1").pk, Task.objects.get(plan=theirs).pk
    pages = [
        ("/workplans/", STAFF),
        ("/workplans/mine/", STAFF),
        (f"/workplans/plans/{p}/", YC_PLAN),
        (f"/workplans/plans/{p}/timeline/", YC_PLAN),
        (f"/workplans/plans/{p}/stats/", YC_PLAN),
        (f"/workplans/plans/{p}/members/", YC_PLAN),
        (f"/workplans/plans/{p}/meetings/", YC_PLAN),
        (f"/workplans/plans/{p}/report.docx", YC_PLAN),
        (f"/workplans/plans/{p}/tracking.xlsx", YC_PLAN),
        (f"/workplans/tasks/{t}/", YC_PLAN),
        (f"/workplans/tasks/{t}/report/", {**YC_PLAN, "yc_reviewer": 403}),
        (f"/workplans/plans/{p}/reviews/", REVIEWERS),
        (f"/workplans/plans/{p}/bulletin/", REVIEWERS),
        (f"/workplans/plans/{p}/bulletin.docx", REVIEWERS),
        (f"/workplans/plans/{p}/bulletin.xlsx", REVIEWERS),
        (f"/workplans/plans/{p}/edit/", OWNERS),
        (f"/workplans/plans/{p}/tasks/new/", OWNERS),
        (f"/workplans/tasks/{t}/edit/", OWNERS),
        (f"/workplans/plans/{theirs.pk}/", OTHER_UNITS),
        (f"/workplans/tasks/{other}/", OTHER_UNITS),
    ]
    client = client_for(persona)
    for url, table in pages:
        assert client.get(url).status_code == expect(table, persona), url


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_review_is_for_owners_and_reviewers(client_for, persona, plans):
    _ours, _theirs, report = plans
    response = client_for(persona).post(f"/workplans/reports/{report.pk}/review/", {"decision": "accept"})
    allowed = {**REVIEWERS, "platform_admin": 302, "city_admin": 302, "yc_admin": 302, "yc_reviewer": 302}
    assert response.status_code == expect(allowed, persona)
    report.refresh_from_db()
    assert (report.status == "accepted") == (response.status_code == 302 and persona != "anonymous")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_workplan_api_matrix(api_for, persona, plans):
    ours, _theirs, report = plans
    client = api_for(persona)
    task = Task.objects.get(plan=ours, number="1")
    for url in (f"/api/v1/plans/{ours.pk}/", f"/api/v1/tasks/{task.pk}/", f"/api/v1/progress-reports/{report.pk}/"):
        assert client.get(url).status_code == expect(YC_PLAN_API, persona), url
    listed = client.get("/api/v1/tasks/")
    if listed.status_code == 200:
        ids = {row["id"] for row in listed.json()["results"]}
        everything = set(Task.objects.values_list("pk", flat=True))
        assert ids == {"spb_admin": set(), "yc_liaison": set(ours.tasks.values_list("pk", flat=True))}.get(
            persona, everything)
