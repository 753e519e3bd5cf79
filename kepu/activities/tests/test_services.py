"""The activity lifecycle and the participation report, at the service level."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kepu.activities import services
from kepu.activities.models import (
    Activity,
    ActivityStatus,
    ParticipationReport,
    TargetGroup,
    ThemeDay,
)
from kepu.core.errors import KepuError
from kepu.core.models import AuditEntry
from kepu.orgs.models import Unit
from kepu.regions.models import Region


def plan(actor, *, days=-1, hours=2, **extra):
    start = timezone.now() + datetime.timedelta(days=days)
    fields = {"title": "青少年科普讲座", "kind": "lecture",
              "organizer": Unit.objects.get(region__code="500118", name="区科协"),
              "region": Region.objects.get(code="500118001"),
              "start": start, "end": start + datetime.timedelta(hours=hours), **extra}
    return services.activity_create(actor=actor, **fields)


@pytest.mark.django_db
def test_the_whole_lifecycle_is_audited(personas):
    admin = personas.yc_admin
    activity = plan(admin, theme_days=[ThemeDay.objects.get(name="世界水日")])
    assert activity.status == ActivityStatus.DRAFT and activity.region_path == "500000/500118/500118001/"
    services.activity_publish(actor=admin, activity=activity)
    services.activity_finish(actor=admin, activity=activity)
    youth = TargetGroup.objects.get(key="youth")
    services.report_save(actor=admin, activity=activity, narrative="顺利", counts={youth.pk: (30, 120)})
    services.report_submit(actor=admin, activity=activity)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.REPORTED
    assert activity.report.person_times == 150
    actions = list(AuditEntry.objects.filter(object_id=str(activity.pk), content_type__model="activity")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["activity.created", "activity.publish", "activity.finish", "activity.report"]


@pytest.mark.django_db
def test_steps_out_of_order_are_refused(personas):
    admin = personas.yc_admin
    activity = plan(admin)
    with pytest.raises(KepuError) as info:
        services.activity_finish(actor=admin, activity=activity)
    assert info.value.code == "wrong_status"
    services.activity_cancel(actor=admin, activity=activity, reason="天气")
    with pytest.raises(KepuError):
        services.activity_publish(actor=admin, activity=activity)


@pytest.mark.django_db
def test_an_activity_cannot_finish_before_it_starts(personas):
    activity = plan(personas.yc_admin, days=3)
    services.activity_publish(actor=personas.yc_admin, activity=activity)
    with pytest.raises(KepuError) as info:
        services.activity_finish(actor=personas.yc_admin, activity=activity)
    assert info.value.code == "not_started"


@pytest.mark.django_db
def test_end_before_start_names_the_field(personas):
    with pytest.raises(ValidationError) as info:
        plan(personas.yc_admin, hours=-1)
    assert "end" in info.value.message_dict


@pytest.mark.django_db
def test_only_the_scope_may_plan_and_act(personas):
    with pytest.raises(PermissionDenied):
        plan(personas.spb_admin)
    with pytest.raises(PermissionDenied):
        plan(personas.yc_liaison)  # 区教委's liaison cannot plan for 区科协
    education = Unit.objects.get(region__code="500118", name="区教委")
    own = plan(personas.yc_liaison, organizer=education)
    services.activity_publish(actor=personas.yc_liaison, activity=own)
    activity = plan(personas.yc_admin)
    with pytest.raises(PermissionDenied):
        services.activity_publish(actor=personas.yc_reviewer, activity=activity)


@pytest.mark.django_db
def test_region_admins_return_reports_with_a_comment(personas):
    liaison, admin = personas.yc_liaison, personas.yc_admin
    activity = plan(liaison, organizer=Unit.objects.get(region__code="500118", name="区教委"))
    services.activity_publish(actor=liaison, activity=activity)
    services.activity_finish(actor=liaison, activity=activity)
    public = TargetGroup.objects.get(key="public")
    services.report_save(actor=liaison, activity=activity, narrative="", counts={public.pk: (10, 0)})
    services.report_submit(actor=liaison, activity=activity)
    with pytest.raises(PermissionDenied):
        services.report_return(actor=liaison, activity=activity, comment="自己退回")
    with pytest.raises(ValidationError):
        services.report_return(actor=admin, activity=activity, comment=" ")
    services.report_return(actor=admin, activity=activity, comment="请补充照片")
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.FINISHED
    assert activity.report.status == ParticipationReport.Status.RETURNED
    assert activity.report.return_comment == "请补充照片"


@pytest.mark.django_db
def test_report_counts_fill_in_check_ins(personas):
    admin = personas.yc_admin
    activity = plan(admin, registration_required=True, capacity=5, days=1)
    services.activity_publish(actor=admin, activity=activity)
    youth = TargetGroup.objects.get(key="youth")
    one = services.registration_create(activity=activity, name="张三", phone="13800000011", group=youth)
    services.registration_create(activity=activity, name="李四", phone="13800000012")
    services.checkin(actor=admin, activity=activity, token=one.token)
    services.walkin_record(actor=admin, activity=activity, people=4, group=youth)
    Activity.objects.filter(pk=activity.pk).update(start=timezone.now() - datetime.timedelta(hours=1))
    activity.refresh_from_db()
    services.activity_finish(actor=admin, activity=activity)
    report = services.report_save(actor=admin, activity=activity, narrative="", counts={youth.pk: (2, 50)})
    row = report.counts.get(group=youth)
    assert (row.registered, row.walk_ins, row.online) == (1, 6, 50)
    assert report.person_times == 57


@pytest.mark.django_db
def test_capacity_cannot_drop_below_confirmed(personas):
    admin = personas.yc_admin
    activity = plan(admin, registration_required=True, capacity=3, days=1)
    services.activity_publish(actor=admin, activity=activity)
    for i in range(2):
        services.registration_create(activity=activity, name=f"人{i}", phone=f"1380000002{i}")
    with pytest.raises(ValidationError) as info:
        services.activity_update(actor=admin, activity=activity, capacity=1)
    assert "capacity" in info.value.message_dict


@pytest.mark.django_db
def test_theme_day_dates_are_set_by_province_level_admins(personas):
    week = ThemeDay.objects.get(name="科技活动周")
    with pytest.raises(PermissionDenied):
        services.theme_day_date_set(actor=personas.yc_admin, theme_day=week, year=2026,
                                    start=datetime.date(2026, 5, 16), end=datetime.date(2026, 5, 22))
    row = services.theme_day_date_set(actor=personas.city_admin, theme_day=week, year=2026,
                                      start=datetime.date(2026, 5, 16), end=datetime.date(2026, 5, 22))
    assert row.end == datetime.date(2026, 5, 22)
