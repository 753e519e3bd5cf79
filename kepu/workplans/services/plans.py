"""Writing plans: loading a plan file, editing a plan, its tasks and their units."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kepu.core.audit import apply_changes, check_unchanged, log_action
from kepu.core.errors import Conflict
from kepu.core.imports import DocumentInvalid
from kepu.orgs.models import Unit
from kepu.orgs.selectors import unit_name_index
from kepu.regions.models import Region

from ..models import (
    Assignment,
    Deliverable,
    Milestone,
    Phase,
    Plan,
    PlanMember,
    ProgressReport,
    Section,
    Task,
)
from ..periods import period_no
from ..plans import EVERY_MEMBER, PlanSpec
from ..policies import plan_policy, task_policy

PLAN_FIELDS = ("title", "kind", "issuer", "document_number", "issued_on", "year", "starts_on", "ends_on",
               "rhythm", "grace_days", "remind_days")
TASK_FIELDS = ("section", "number", "text", "starts_on", "due_on")


def _save(obj) -> None:
    obj.full_clean()
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:  # a concurrent writer won a unique constraint after full_clean
        raise Conflict(_("已有相同的%(what)s，请刷新后再试。") % {"what": obj._meta.verbose_name},
                       code="duplicate") from None


def sync_periods(plan: Plan) -> None:
    """Keep the period numbers the overdue scan reads in step with the plan's dates and rhythm."""
    plan.last_period = period_no(plan.rhythm, plan.ends_on)
    Plan.objects.filter(pk=plan.pk).update(last_period=plan.last_period)
    for task in plan.tasks.all().only("pk", "starts_on"):
        first = period_no(plan.rhythm, max(task.starts_on or plan.starts_on, plan.starts_on))
        Task.objects.filter(pk=task.pk).update(first_period=first)


def _first_period(plan: Plan, task: Task) -> int:
    return period_no(plan.rhythm, max(task.starts_on or plan.starts_on, plan.starts_on))


# --- units --------------------------------------------------------------------------------------------


class UnitResolver:
    """Unit names of a plan → units of its region (name, full name, alias, or the plan's own map)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        _units, self.by_name = unit_name_index(plan.region)
        mapped = Unit.objects.in_bulk([int(i) for i in plan.unit_map.values()])
        for name, unit_id in plan.unit_map.items():
            if int(unit_id) in mapped:
                self.by_name[name] = mapped[int(unit_id)]

    def find(self, name: str) -> Unit | None:
        return self.by_name.get(name)


def _assign(task: Task, lead: Unit | None, units: list[Unit]) -> None:
    """Bring the task's assignments to `lead` + `units`; units with reports are never dropped."""
    wanted = {u.pk: (u, False) for u in units}
    if lead is not None:
        wanted[lead.pk] = (lead, True)
    have = {a.unit_id: a for a in task.assignments.all()}
    Assignment.objects.bulk_create([Assignment(task=task, unit=u, lead=is_lead)
                                    for uid, (u, is_lead) in wanted.items() if uid not in have])
    for uid, a in have.items():
        if uid in wanted and a.lead != wanted[uid][1]:
            Assignment.objects.filter(pk=a.pk).update(lead=wanted[uid][1])
    gone = [a.pk for uid, a in have.items() if uid not in wanted]
    if gone:
        kept = set(ProgressReport.objects.filter(assignment_id__in=gone).values_list("assignment_id", flat=True))
        Assignment.objects.filter(pk__in=set(gone) - kept).delete()


def _units_of(task_names: dict, resolver: UnitResolver, members: list[Unit]) -> tuple[Unit | None, list[Unit], list[str]]:
    """(lead, responsible units, names matching nothing) for a task's names."""
    lead, units, missing = None, [], []
    for name in task_names.get("lead", []):
        lead = resolver.find(name)
        if lead is None:
            missing.append(name)
    for name in task_names.get("responsible", []):
        if name in EVERY_MEMBER:
            units.extend(members)
            continue
        unit = resolver.find(name)
        if unit is None:
            missing.append(name)
        else:
            units.append(unit)
    return lead, list({u.pk: u for u in units}.values()), missing


def resolve_plan_units(plan: Plan, member_names: list[str] | None = None) -> None:
    """Match every unit name of the plan again (after an import, or after an admin mapped a name):
    members first, then each task's lead and responsible units; names matching nothing are kept
    in `unmatched_units` for an admin to map."""
    resolver = UnitResolver(plan)
    if member_names is None:
        member_names = plan.member_names
    unmatched: dict[str, list[str]] = {}
    members: dict[int, Unit] = {}
    for name in member_names:
        unit = resolver.find(name)
        if unit is None:
            unmatched.setdefault(name, [])
        else:
            members[unit.pk] = unit
    tasks = list(plan.tasks.prefetch_related("assignments"))
    for task in tasks:
        lead, units, missing = _units_of(task.unit_names or {}, resolver, list(members.values()))
        for name in missing:
            unmatched.setdefault(name, []).append(task.number)
        for unit in ([lead] if lead else []) + units:
            members.setdefault(unit.pk, unit)
    member_list = list(members.values())
    for task in tasks:
        lead, units, _missing = _units_of(task.unit_names or {}, resolver, member_list)
        if task.lead_unit_id != (lead.pk if lead else None):
            Task.objects.filter(pk=task.pk).update(lead_unit=lead)
        _assign(task, lead, units)
    have = set(PlanMember.objects.filter(plan=plan).values_list("unit_id", flat=True))
    PlanMember.objects.bulk_create([PlanMember(plan=plan, unit=u) for uid, u in members.items() if uid not in have])
    plan.unmatched_units, plan.member_names = unmatched, member_names
    Plan.objects.filter(pk=plan.pk).update(unmatched_units=unmatched, member_names=member_names)


@transaction.atomic
def plan_map_unit(*, actor, plan: Plan, name: str, unit: Unit) -> Plan:
    """Map a unit name of the plan that matched nothing to a unit, and assign its tasks to it."""
    plan_policy.check(actor, "change", plan)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if name not in plan.unmatched_units and name not in plan.unit_map:
        raise ValidationError({"name": _("计划中没有名为“%(name)s”的单位。") % {"name": name}})
    if not unit.region.path.startswith(plan.region.path):
        raise ValidationError({"unit": _("请选择%(region)s的单位。") % {"region": plan.region.name}})
    plan.unit_map = {**plan.unit_map, name: unit.pk}
    Plan.objects.filter(pk=plan.pk).update(unit_map=plan.unit_map)
    resolve_plan_units(plan)
    log_action(actor=actor, action="workplans.plan.unit_mapped", obj=plan, changes={"name": name, "unit": unit.pk})
    return plan


# --- loading a plan file --------------------------------------------------------------------------------


def _region(spec: PlanSpec) -> Region:
    region = Region.objects.filter(code=spec.region_code).first()
    if region is None:
        raise DocumentInvalid([_("plan.region_code：区划代码“%(code)s”不存在。") % {"code": spec.region_code}])
    return region


@transaction.atomic
def plan_load(*, actor, spec: PlanSpec, is_demo: bool = False) -> tuple[Plan, str]:
    """Create the plan of a file, or bring the plan with its code up to the file (tasks matched by
    number; a task with progress reports is never deleted). Returns (plan, created/updated/unchanged)."""
    region = _region(spec)
    plan = Plan.objects.select_for_update().filter(code=spec.code).first()
    if plan is not None and plan.source_digest == spec.digest:
        return plan, "unchanged"
    fields = {"title": spec.title, "kind": spec.kind, "issuer": spec.issuer, "document_number": spec.document_number,
              "issued_on": spec.issued_on, "year": spec.year, "starts_on": spec.starts_on, "ends_on": spec.ends_on,
              "rhythm": spec.rhythm, "grace_days": spec.grace_days, "remind_days": spec.remind_days,
              "source_file": spec.source_file}
    created = plan is None
    if created:
        plan = Plan(code=spec.code, region=region, is_demo=is_demo, **fields)
        plan.sync_region_path()  # the policy decides by the region path, set otherwise only on save
        plan_policy.check(actor, "change", plan)
    else:
        plan_policy.check(actor, "change", plan)
        if plan.region_id != region.pk:
            raise DocumentInvalid([_("plan.region_code：已有代码为 %(code)s 的计划属于%(region)s，不能改到其他区划。")
                                   % {"code": plan.code, "region": plan.region.name}])
        if plan.rhythm != spec.rhythm and ProgressReport.objects.filter(assignment__task__plan=plan).exists():
            raise DocumentInvalid([_("plan.rhythm：计划已有进展报送，不能再改报送频次。")])
        for name, value in fields.items():
            setattr(plan, name, value)
    plan.source_digest = spec.digest
    try:
        _save(plan)
    except ValidationError as exc:
        raise DocumentInvalid([f"plan.{k}：{'；'.join(v)}" for k, v in exc.message_dict.items()]) from None

    sections: list[Section] = []
    old_sections = {(s.parent.number if s.parent_id else None, s.number, s.title): s
                    for s in plan.sections.select_related("parent")}
    for order, item in enumerate(spec.sections):
        parent = sections[item.parent] if item.parent is not None else None
        key = (parent.number if parent else None, item.number, item.title)
        section = old_sections.pop(key, None) or Section(plan=plan, number=item.number, title=item.title)
        section.parent, section.order = parent, order
        section.save()
        sections.append(section)

    # Tasks a joint meeting decided on are the plan's own, not the file's: a new load keeps them.
    existing = {t.number: t for t in plan.tasks.filter(decision__isnull=True)}
    for order, item in enumerate(spec.tasks):
        task = existing.pop(item.number, None) or Task(plan=plan, number=item.number, is_demo=is_demo)
        task.text, task.section, task.order = item.text, sections[item.section], order
        task.starts_on, task.due_on = item.starts_on, item.due_on
        task.unit_names = {"lead": [item.lead] if item.lead else [], "responsible": item.responsible}
        task.first_period = _first_period(plan, task)
        task.save()
        have = set(task.deliverables.values_list("name", flat=True))
        Deliverable.objects.bulk_create([Deliverable(task=task, name=name, due_on=due, order=i)
                                         for i, (name, due) in enumerate(item.deliverables) if name not in have])
        task.milestones.all().delete()
        Milestone.objects.bulk_create([Milestone(plan=plan, task=task, title=t, due_on=d) for t, d in item.milestones])
    reported = sorted(n for n, t in existing.items() if ProgressReport.objects.filter(assignment__task=t).exists())
    if reported:
        raise DocumentInvalid([_("任务 %(number)s：文件中已没有该任务，但它已有进展报送，不能删除。") % {"number": n}
                               for n in reported])
    Task.objects.filter(pk__in=[t.pk for t in existing.values()]).delete()
    Section.objects.filter(pk__in=[s.pk for s in old_sections.values()]).delete()

    plan.phases.all().delete()
    Phase.objects.bulk_create([Phase(plan=plan, order=i, **p) for i, p in enumerate(spec.phases)])
    plan.milestones.filter(task__isnull=True).delete()
    numbers = {t.number: t for t in plan.tasks.all()}
    Milestone.objects.bulk_create([Milestone(plan=plan, task=numbers.get(m["task"]), title=m["title"],
                                             due_on=m["date"]) for m in spec.milestones])
    sync_periods(plan)
    resolve_plan_units(plan, spec.member_names())
    log_action(actor=actor, action="workplans.plan.created" if created else "workplans.plan.loaded", obj=plan,
               changes={"source": spec.source_file, "tasks": len(spec.tasks)})
    return plan, "created" if created else "updated"


# --- editing --------------------------------------------------------------------------------------------


@transaction.atomic
def plan_create(*, actor, region: Region, code: str, title: str, starts_on: datetime.date,
                ends_on: datetime.date, **fields) -> Plan:
    """A plan entered by hand (its tasks are added one by one)."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"plan_create does not take {sorted(unknown)}")
    plan = Plan(region=region, code=code, title=title, starts_on=starts_on, ends_on=ends_on, **fields)
    plan.sync_region_path()  # before the check: the policy reads region_path
    plan_policy.check(actor, "change", plan)
    plan.last_period = period_no(plan.rhythm, plan.ends_on)
    _save(plan)
    log_action(actor=actor, action="workplans.plan.created", obj=plan, changes={"title": title})
    return plan


@transaction.atomic
def plan_update(*, actor, plan: Plan, unchanged_since=None, **fields) -> Plan:
    """Change a plan's particulars; the rhythm is fixed once progress has been reported."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"plan_update does not take {sorted(unknown)}")
    plan_policy.check(actor, "change", plan)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    check_unchanged(plan, unchanged_since)
    if "rhythm" in fields and fields["rhythm"] != plan.rhythm and ProgressReport.objects.filter(
            assignment__task__plan=plan).exists():
        raise ValidationError({"rhythm": _("计划已有进展报送，不能再改报送频次。")})
    changes = apply_changes(plan, fields)
    if not changes:
        return plan
    _save(plan)
    if {"rhythm", "starts_on", "ends_on"} & set(changes):
        sync_periods(plan)
    log_action(actor=actor, action="workplans.plan.updated", obj=plan, changes=changes)
    return plan


@transaction.atomic
def section_save(*, actor, plan: Plan, title: str, number: str = "", parent: Section | None = None,
                 section: Section | None = None) -> Section:
    """Add a section to a plan, or rename one."""
    plan_policy.check(actor, "change", plan)
    if parent is not None and (parent.plan_id != plan.pk or parent.parent_id is not None):
        raise ValidationError({"parent": _("上级章节应为本计划的一级章节。")})
    if section is None:
        last = plan.sections.order_by("-order").values_list("order", flat=True).first()
        section = Section(plan=plan, order=(last or 0) + 1)
    section.title, section.number, section.parent = title, number, parent
    _save(section)
    log_action(actor=actor, action="workplans.section.saved", obj=plan, changes={"section": str(section)})
    return section


def _check_units(plan: Plan, units: list[Unit]) -> None:
    outside = [u.name for u in units if not u.region.path.startswith(plan.region.path)]
    if outside:
        raise ValidationError({"responsible_units": _("这些单位不属于%(region)s：%(names)s") % {
            "region": plan.region.name, "names": "、".join(outside)}})


@transaction.atomic
def task_create(*, actor, plan: Plan, number: str, text: str, section: Section | None = None,
                lead_unit: Unit | None = None, responsible_units: list[Unit] = (),
                starts_on: datetime.date | None = None, due_on: datetime.date | None = None,
                is_demo: bool = False) -> Task:
    """Add a task to a plan with its units (they become members of the plan)."""
    task = Task(plan=plan, number=str(number).strip(), text=text, section=section, starts_on=starts_on,
                due_on=due_on, is_demo=is_demo)
    task_policy.check(actor, "change", task)
    if section is not None and section.plan_id != plan.pk:
        raise ValidationError({"section": _("章节不属于该计划。")})
    units = list(responsible_units)
    _check_units(plan, [*units, *([lead_unit] if lead_unit else [])])
    if lead_unit is None and not units:
        raise ValidationError({"responsible_units": _("请至少选择一个牵头单位或责任单位。")})
    last = plan.tasks.order_by("-order").values_list("order", flat=True).first()
    task.order = (last or 0) + 1
    task.lead_unit = lead_unit
    task.unit_names = {"lead": [lead_unit.name] if lead_unit else [], "responsible": [u.name for u in units]}
    task.first_period = _first_period(plan, task)
    _save(task)
    _assign(task, lead_unit, units)
    _add_members(plan, [*units, *([lead_unit] if lead_unit else [])])
    log_action(actor=actor, action="workplans.task.created", obj=task,
               changes={"number": task.number, "units": [u.pk for u in units]})
    return task


def _add_members(plan: Plan, units: list[Unit]) -> None:
    have = set(PlanMember.objects.filter(plan=plan).values_list("unit_id", flat=True))
    PlanMember.objects.bulk_create([PlanMember(plan=plan, unit=u) for u in {u.pk: u for u in units}.values()
                                    if u.pk not in have])


@transaction.atomic
def task_update(*, actor, task: Task, unchanged_since=None, lead_unit: Unit | None = ...,
                responsible_units: list[Unit] | None = None, **fields) -> Task:
    """Change a task's text, number, section, dates or units (a unit with reports stays assigned)."""
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"task_update does not take {sorted(unknown)}")
    task_policy.check(actor, "change", task)
    task = Task.objects.select_for_update(of=("self",)).select_related("plan__region").get(pk=task.pk)
    check_unchanged(task, unchanged_since)
    changes = apply_changes(task, fields)
    units_changed = lead_unit is not ... or responsible_units is not None
    if units_changed:
        lead = task.lead_unit if lead_unit is ... else lead_unit
        units = (list(responsible_units) if responsible_units is not None
                 else [a.unit for a in task.assignments.filter(lead=False).select_related("unit")])
        _check_units(task.plan, [*units, *([lead] if lead else [])])
        if lead is None and not units:
            raise ValidationError({"responsible_units": _("请至少选择一个牵头单位或责任单位。")})
        task.lead_unit = lead
        task.unit_names = {"lead": [lead.name] if lead else [], "responsible": [u.name for u in units]}
        changes["units"] = [u.pk for u in units] + ([f"lead:{lead.pk}"] if lead else [])
    if not changes:
        return task
    task.first_period = _first_period(task.plan, task)
    _save(task)
    if units_changed:
        _assign(task, task.lead_unit, units)
        _add_members(task.plan, [*units, *([task.lead_unit] if task.lead_unit else [])])
    log_action(actor=actor, action="workplans.task.updated", obj=task, changes=changes)
    return task


@transaction.atomic
def task_delete(*, actor, task: Task) -> None:
    """Delete a task; refused once a unit has reported progress on it."""
    task_policy.check(actor, "change", task)
    if ProgressReport.objects.filter(assignment__task=task).exists():
        raise Conflict(_("任务 %(number)s 已有进展报送，不能删除。") % {"number": task.number}, code="protected")
    log_action(actor=actor, action="workplans.task.deleted", obj=task, changes={"number": task.number})
    task.delete()


@transaction.atomic
def phase_save(*, actor, plan: Plan, name: str, start: datetime.date, end: datetime.date, description: str = "",
               phase: Phase | None = None) -> Phase:
    plan_policy.check(actor, "change", plan)
    if phase is None:
        phase = Phase(plan=plan, order=plan.phases.count())
    elif phase.plan_id != plan.pk:
        raise ValidationError({"phase": _("阶段不属于该计划。")})
    phase.name, phase.start, phase.end, phase.description = name, start, end, description
    _save(phase)
    log_action(actor=actor, action="workplans.phase.saved", obj=plan, changes={"phase": name})
    return phase


@transaction.atomic
def milestone_save(*, actor, plan: Plan, title: str, due_on: datetime.date, task: Task | None = None,
                   done_on: datetime.date | None = None, milestone: Milestone | None = None) -> Milestone:
    plan_policy.check(actor, "change", plan)
    if task is not None and task.plan_id != plan.pk:
        raise ValidationError({"task": _("任务不属于该计划。")})
    milestone = milestone or Milestone(plan=plan)
    if milestone.plan_id != plan.pk:
        raise ValidationError({"milestone": _("时间节点不属于该计划。")})
    milestone.title, milestone.due_on, milestone.task, milestone.done_on = title, due_on, task, done_on
    _save(milestone)
    log_action(actor=actor, action="workplans.milestone.saved", obj=plan, changes={"milestone": title})
    return milestone


@transaction.atomic
def deliverable_create(*, actor, task: Task, name: str, due_on: datetime.date | None = None) -> Deliverable:
    task_policy.check(actor, "change", task)
    deliverable = Deliverable(task=task, name=name, due_on=due_on, order=task.deliverables.count())
    _save(deliverable)
    log_action(actor=actor, action="workplans.deliverable.created", obj=task, changes={"name": name})
    return deliverable
