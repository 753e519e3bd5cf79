"""Joint meetings (联席会议) of a plan's member units: the meeting, its decisions, decisions that
become tasks, and the convener rotation of an alliance (西部科协联盟: a meeting a year, convened by
each member in turn)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kepu.core.audit import apply_changes, check_unchanged, log_action
from kepu.core.errors import Conflict
from kepu.orgs.models import Unit

from ..models import Decision, Meeting, Plan, PlanMember, Section, Task
from ..policies import meeting_policy, plan_policy
from .plans import _save, task_create

MEETING_FIELDS = ("title", "held_on", "convener", "location", "agenda", "minutes")


def _member_ids(plan: Plan) -> set[int]:
    return set(PlanMember.objects.filter(plan=plan).values_list("unit_id", flat=True))


def _check_members(plan: Plan, convener: Unit | None, attendees: list[Unit]) -> None:
    """The convener and the attendees must be member units of the plan."""
    members = _member_ids(plan)
    errors = {}
    if convener is not None and convener.pk not in members:
        errors["convener"] = _("召集单位“%(name)s”不是本计划的成员单位。") % {"name": convener.name}
    outside = [u.name for u in attendees if u.pk not in members]
    if outside:
        errors["attendees"] = _("这些单位不是本计划的成员单位：%(names)s") % {"names": "、".join(outside)}
    if errors:
        raise ValidationError(errors)


def _attendees_of(meeting: Meeting) -> list[int]:
    return sorted(meeting.attendees.values_list("pk", flat=True))


@transaction.atomic
def meeting_create(*, actor, plan: Plan, title: str, held_on: datetime.date, convener: Unit | None = None,
                   location: str = "", agenda: str = "", minutes: str = "", attendees=(),
                   is_demo: bool = False) -> Meeting:
    """Record a joint meeting of the plan's member units (in the plan's region)."""
    meeting = Meeting(plan=plan, region=plan.region, title=(title or "").strip(), held_on=held_on,
                      convener=convener, location=(location or "").strip(), agenda=agenda or "",
                      minutes=minutes or "", is_demo=is_demo)
    meeting_policy.check(actor, "add", meeting)
    units = list(attendees)
    _check_members(plan, convener, units)
    meeting.sync_region_path()
    _save(meeting)
    meeting.attendees.set(units)
    log_action(actor=actor, action="workplans.meeting.created", obj=meeting,
               changes={"plan": plan.pk, "held_on": str(held_on), "convener": convener.pk if convener else None,
                        "attendees": [u.pk for u in units]})
    return meeting


@transaction.atomic
def meeting_update(*, actor, meeting: Meeting, unchanged_since=None, attendees=None, **fields) -> Meeting:
    """Change a meeting's particulars, minutes or attendees (refused when it changed since it was read)."""
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"meeting_update does not take {sorted(unknown)}")
    meeting_policy.check(actor, "change", meeting)
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("plan").get(pk=meeting.pk)
    check_unchanged(meeting, unchanged_since)
    for name in ("title", "location"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    changes = apply_changes(meeting, fields)
    units = list(attendees) if attendees is not None else None
    _check_members(meeting.plan, meeting.convener if "convener" in changes else None, units or [])
    if units is not None:
        before, after = _attendees_of(meeting), sorted(u.pk for u in units)
        if before != after:
            changes["attendees"] = [before, after]
    if not changes:
        return meeting
    _save(meeting)  # also bumps updated_at when only the attendees changed
    if units is not None:
        meeting.attendees.set(units)
    log_action(actor=actor, action="workplans.meeting.updated", obj=meeting, changes=changes)
    return meeting


@transaction.atomic
def decision_add(*, actor, meeting: Meeting, text: str) -> Decision:
    """Add a decision (议定事项) to a meeting."""
    meeting_policy.check(actor, "change", meeting)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写议定事项的内容。")})
    last = meeting.decisions.order_by("-order").values_list("order", flat=True).first()
    decision = Decision(meeting=meeting, text=text, order=(last or 0) + 1)
    _save(decision)
    log_action(actor=actor, action="workplans.meeting.decision_added", obj=meeting,
               changes={"decision": decision.pk, "text": text[:200]})
    return decision


def suggested_task_number(decision: Decision) -> str:
    """"M<meeting id>-<n>" with n the decision's place in the meeting, moved on while it is taken."""
    meeting = decision.meeting
    ids = list(meeting.decisions.values_list("pk", flat=True))
    n = ids.index(decision.pk) + 1 if decision.pk in ids else len(ids) + 1
    taken = set(Task.objects.filter(plan_id=meeting.plan_id, number__startswith=f"M{meeting.pk}-")
                .values_list("number", flat=True))
    while f"M{meeting.pk}-{n}" in taken:
        n += 1
    return f"M{meeting.pk}-{n}"


@transaction.atomic
def decision_to_task(*, actor, decision: Decision, number: str, section: Section | None = None,
                     lead_unit: Unit | None = None, responsible_units=(), due_on: datetime.date | None = None,
                     is_demo: bool = False) -> Task:
    """Turn a decision into a task of the meeting's plan, starting on the meeting's date."""
    meeting = decision.meeting
    meeting_policy.check(actor, "change", meeting)
    decision = Decision.objects.select_for_update(of=("self",)).select_related("meeting__plan").get(pk=decision.pk)
    if decision.task_id is not None:
        raise Conflict(_("该议定事项已转为任务 %(number)s。") % {"number": decision.task.number}, code="already_task")
    meeting, plan = decision.meeting, decision.meeting.plan
    number = (number or "").strip()
    errors = {}
    if not number:
        errors["number"] = _("请填写任务编号。")
    elif plan.tasks.filter(number=number).exists():
        errors["number"] = _("本计划已有编号为 %(number)s 的任务。") % {"number": number}
    if due_on is not None and due_on < meeting.held_on:
        errors["due_on"] = _("完成时限不能早于会议日期（%(date)s）。") % {"date": meeting.held_on.isoformat()}
    if errors:
        raise ValidationError(errors)
    task = task_create(actor=actor, plan=plan, number=number, text=decision.text, section=section,
                       lead_unit=lead_unit, responsible_units=list(responsible_units), starts_on=meeting.held_on,
                       due_on=due_on, is_demo=is_demo)
    decision.task = task
    decision.save(update_fields=["task"])
    log_action(actor=actor, action="workplans.meeting.decision_to_task", obj=meeting,
               changes={"decision": decision.pk, "task": task.pk, "number": task.number})
    return task


def rotation(plan: Plan) -> list[Unit]:
    """The plan's convener rotation, in order (empty when the plan has none)."""
    rows = (PlanMember.objects.filter(plan=plan, rotation__isnull=False).select_related("unit")
            .order_by("rotation", "id"))
    return [m.unit for m in rows]


def next_convener(plan: Plan) -> Unit | None:
    """For a plan with a rotation: the member after the last meeting's convener (wrapping around;
    the first member when no meeting was convened by one of the rotation yet). None without one."""
    units = rotation(plan)
    if not units:
        return None
    last = (Meeting.objects.filter(plan=plan, convener__isnull=False).order_by("-held_on", "-id")
            .values_list("convener_id", flat=True).first())
    ids = [u.pk for u in units]
    if last not in ids:
        return units[0]
    return units[(ids.index(last) + 1) % len(units)]


@transaction.atomic
def rotation_set(*, actor, plan: Plan, unit_ids_in_order) -> list[Unit]:
    """Set the convener rotation to these member units in this order (an empty list: no rotation)."""
    plan_policy.check(actor, "change", plan)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    try:
        ids = [int(i) for i in unit_ids_in_order]
    except (TypeError, ValueError):
        raise ValidationError({"rotation": _("轮值顺序中有无效的单位。")}) from None
    if len(set(ids)) != len(ids):
        raise ValidationError({"rotation": _("同一单位在轮值顺序中只能出现一次。")})
    members = {m.unit_id: m for m in PlanMember.objects.filter(plan=plan).select_related("unit")}
    outside = [i for i in ids if i not in members]
    if outside:
        names = Unit.objects.filter(pk__in=outside).values_list("name", flat=True)
        raise ValidationError({"rotation": _("这些单位不是本计划的成员单位：%(names)s")
                               % {"names": "、".join(names) or "、".join(map(str, outside))}})
    before = [m.unit_id for m in sorted((m for m in members.values() if m.rotation is not None),
                                        key=lambda m: (m.rotation, m.pk))]
    if before == ids:
        return [members[i].unit for i in ids]
    order = {unit_id: n for n, unit_id in enumerate(ids, start=1)}
    changed = []
    for member in members.values():
        wanted = order.get(member.unit_id)
        if member.rotation != wanted:
            member.rotation = wanted
            changed.append(member)
    PlanMember.objects.bulk_update(changed, ["rotation"])
    log_action(actor=actor, action="workplans.meeting.rotation_set", obj=plan, changes={"rotation": [before, ids]})
    return [members[i].unit for i in ids]
