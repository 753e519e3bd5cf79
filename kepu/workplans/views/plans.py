"""Read pages of plans: list, board, timeline, statistics, members and unit-name mapping, import."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kepu.core.errors import KepuError
from kepu.core.forms import (
    BootstrapMixin,
    FilterForm,
    RegionFilterForm,
    UnitChoiceField,
    YamlFileField,
    add_service_errors,
)
from kepu.core.imports import DocumentInvalid, get_document_importer, run_document_import
from kepu.core.views_common import CappedPaginator, staff_required
from kepu.orgs.selectors import unit_list
from kepu.regions.models import Region

from .. import selectors
from ..models import Milestone, Plan, TaskStatus
from ..plans import parse_plan
from ..policies import assignment_policy, plan_policy, task_policy
from ..services import plans as plan_services
from ..templatetags.workplans import BOARD_STATUSES

PAGE_SIZE = 50
# The filter chips of the board, the most urgent first.
CHIP_ORDER = ("overdue", "returned", TaskStatus.IN_PROGRESS, TaskStatus.NOT_STARTED, TaskStatus.DONE)


def _visible_plan(request, pk) -> Plan:
    """The plan if the user sees it, else 404 (the same as if it did not exist)."""
    return plan_policy.get_visible(request.user, pk=pk)


def plan_context(request, plan: Plan, tab: str) -> dict:
    """What the plan header (partials/_plan_header.html) needs; the other plan pages use it too:
    `{**plan_context(request, plan, "meetings"), ...}` with tab board/timeline/stats/members/meetings/
    reviews/bulletin."""
    user = request.user
    return {"plan": plan, "tab": tab, "owner": plan_policy.owns(user, plan),
            "can_review": plan_policy.can(user, "review", plan), "today": timezone.localdate()}


# --- list ---------------------------------------------------------------------------------------------


class PlanFilterForm(RegionFilterForm):
    region = forms.CharField(label=gettext_lazy("区划代码"), required=False, max_length=20)
    year = forms.IntegerField(label=gettext_lazy("年度"), required=False, min_value=1949, max_value=2100)


@staff_required
@require_GET
def plan_list(request):
    user = request.user
    form = PlanFilterForm(request.GET, user=user)
    if form.is_valid():
        qs = selectors.visible_plans(user, region=form.region_obj, year=form.cleaned_data.get("year"))
    else:
        qs = Plan.objects.none()
    page = CappedPaginator(selectors.plan_with_counts(qs, request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workplans/plan_list.html", {
        "form": form, "errors": form.error_list(), "page": page, "can_add": plan_policy.can(user, "add")})


# --- the board ----------------------------------------------------------------------------------------


class BoardFilterForm(FilterForm):
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    unit = forms.TypedChoiceField(label=gettext_lazy("责任单位"), required=False, coerce=int, empty_value=None,
                                  error_messages={"invalid_choice": gettext_lazy("所选单位不是本计划的成员单位。")})

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部状态")), *((s, BOARD_STATUSES[s][1]) for s in CHIP_ORDER)]
        self.fields["unit"].choices = [("", _("全部单位")), *((u.pk, u.full_name) for u in units)]


def _board_units(plan: Plan, user) -> list:
    """The member units the user may filter the board by (a liaison: its own units)."""
    answering = assignment_policy.visible_to(user).filter(task__plan=plan).values("unit_id")
    return [m.unit for m in plan.members.filter(unit_id__in=answering).select_related("unit__region")]


@staff_required
@require_GET
def plan_detail(request, pk):
    user = request.user
    plan = _visible_plan(request, pk)
    units = _board_units(plan, user)
    form = BoardFilterForm(request.GET, units=units)
    form.is_valid()  # a bad filter is dropped with a message; the good ones apply
    status = form.cleaned_data.get("status") or ""
    unit_id = form.cleaned_data.get("unit")
    rows = selectors.task_rows(plan, user, unit_id=unit_id)
    sections = selectors.board(plan, user, status=status, rows=rows)
    counts = selectors.board_counts(rows)  # the chips count every status, not only the one shown
    context = {**plan_context(request, plan, "board"), "sections": sections, "form": form,
               "errors": form.error_list(), "status": status, "unit_id": unit_id, "units": units,
               "chips": [(s, BOARD_STATUSES[s][1], counts.get(s, 0)) for s in CHIP_ORDER],
               "total": counts.get("total", 0)}
    template = "workplans/partials/_board.html" if request.htmx else "workplans/plan_detail.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- timeline -----------------------------------------------------------------------------------------


@dataclass
class Span:
    """The dates the timeline spans, and where a date falls on it (percent from the left)."""

    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return max((self.end - self.start).days, 1)

    def left(self, day: datetime.date) -> float:
        return round(min(max((day - self.start).days / self.days, 0), 1) * 100, 2)

    def width(self, start: datetime.date, end: datetime.date) -> float:
        return max(round(self.left(end + datetime.timedelta(days=1)) - self.left(start), 2), 0.4)

    def ticks(self) -> list[tuple[float, str]]:
        """Month starts (years for a span of more than 18 months) with their labels."""
        out = []
        monthly = self.days <= 550
        year, month = self.start.year, self.start.month
        while True:
            day = datetime.date(year, month, 1)
            if day > self.end:
                return out
            if day >= self.start and (monthly or month == 1):
                out.append((self.left(day), f"{month}月" if monthly and month != 1 else f"{year}"))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass
class Mark:
    """A bar (start–end) or a point (start only) on the timeline."""

    label: str
    start: datetime.date
    end: datetime.date | None = None
    state: str = ""  # done, current, overdue, future
    url: str = ""
    left: float = 0
    width: float = 0
    extra: dict = field(default_factory=dict)


def _state(start: datetime.date, end: datetime.date, today: datetime.date, done: bool | None = None) -> str:
    if done:
        return "done"
    if end < today:
        return "past" if done is None else "overdue"
    return "current" if start <= today else "future"


@staff_required
@require_GET
def plan_timeline(request, pk):
    user = request.user
    plan = _visible_plan(request, pk)
    today = timezone.localdate()
    tasks = list(task_policy.visible_to(user).filter(plan=plan).order_by("due_on", "order"))
    milestones = list(Milestone.objects.filter(Q(task__isnull=True) | Q(task__in=[t.pk for t in tasks]), plan=plan)
                      .select_related("task").order_by("due_on", "id"))
    phases = [Mark(p.name, p.start, p.end, _state(p.start, p.end, today), extra={"description": p.description})
              for p in plan.phases.all()]
    marks = [Mark(m.title, m.due_on, state=_state(m.due_on, m.due_on, today, m.done_on is not None),
                  extra={"done_on": m.done_on, "task": m.task}) for m in milestones]
    periods = [Mark(p.label, p.start, p.end, _state(p.start, p.deadline, today), extra={"deadline": p.deadline})
               for p in selectors.plan_periods(plan)]
    due = [Mark(t.number, t.due_on, state=_state(t.due_on, t.due_on, today, t.status == TaskStatus.DONE),
                extra={"task": t}) for t in tasks if t.due_on]
    dates = [plan.starts_on, plan.ends_on, *(m.start for m in phases + marks + due), *(m.end for m in phases),
             *(m.extra["deadline"] for m in periods)]
    span = Span(min(dates), max(dates))
    for mark in phases + marks + periods + due:
        mark.left = span.left(mark.start)
        mark.width = span.width(mark.start, mark.end) if mark.end else 0
        if "deadline" in mark.extra:
            mark.extra["deadline_left"] = span.left(mark.extra["deadline"])
    return render(request, "workplans/plan_timeline.html", {
        **plan_context(request, plan, "timeline"), "span": span, "ticks": span.ticks(),
        "today_left": span.left(today) if span.start <= today <= span.end else None,
        "phases": phases, "milestones": marks, "periods": periods, "due": due})


# --- statistics ---------------------------------------------------------------------------------------

STAT_COLUMNS = {
    "unit": (gettext_lazy("单位"), lambda s: s.unit.name),
    "tasks": (gettext_lazy("任务"), lambda s: s.tasks),
    "done": (gettext_lazy("已完成"), lambda s: s.done),
    "on_time": (gettext_lazy("按时报送"), lambda s: s.on_time),
    "late": (gettext_lazy("逾期报送"), lambda s: s.late),
    "returned": (gettext_lazy("被退回"), lambda s: s.returned),
    "missing": (gettext_lazy("缺报期次"), lambda s: s.missing),
    "late_tasks": (gettext_lazy("超期任务"), lambda s: s.late_tasks),
    "rate": (gettext_lazy("按时报送率"), lambda s: -1 if s.on_time_rate is None else s.on_time_rate),
}


@staff_required
@require_GET
def plan_stats(request, pk):
    plan = _visible_plan(request, pk)
    stats = selectors.unit_stats(plan, request.user)
    sort = request.GET.get("sort", "")
    key = sort.removeprefix("-")
    if key in STAT_COLUMNS:
        stats.sort(key=STAT_COLUMNS[key][1], reverse=sort.startswith("-"))
    elif sort:
        messages.error(request, _("排序：“%(sort)s”不是可以排序的列，已按默认顺序列出。") % {"sort": sort[:20]})
        sort = ""
    totals = selectors.UnitStats(unit=None)
    for s in stats:
        for name in ("tasks", "done", "on_time", "late", "returned", "missing", "late_tasks"):
            setattr(totals, name, getattr(totals, name) + getattr(s, name))
    columns = [(k, label, (f"-{k}" if sort == k else k)) for k, (label, _get) in STAT_COLUMNS.items()]
    return render(request, "workplans/plan_stats.html", {
        **plan_context(request, plan, "stats"), "stats": stats, "totals": totals, "columns": columns,
        "sort": sort})


# --- members and unit names ---------------------------------------------------------------------------


class MapUnitForm(BootstrapMixin, forms.Form):
    """Map one unit name of the plan that matched nothing to a unit of the plan's region."""

    name = forms.CharField(widget=forms.HiddenInput, max_length=200)
    unit = UnitChoiceField(label=gettext_lazy("对应单位"), queryset=None, empty_label=gettext_lazy("请选择单位"),
                           error_messages={"required": gettext_lazy("请选择单位。"),
                                           "invalid_choice": gettext_lazy("请选择本计划所属区划（含下级）的单位。")})

    def __init__(self, *args, plan: Plan, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["unit"].queryset = unit_list(user, region=plan.region)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if name not in self.plan.unmatched_units:
            raise forms.ValidationError(_("单位名称：计划中没有待对应的单位名称“%(name)s”。"),
                                        params={"name": name[:50]})
        return name


def _members_page(request, plan: Plan, failed: MapUnitForm | None = None, status: int = 200):
    user = request.user
    owner = plan_policy.owns(user, plan)
    task_counts = dict(assignment_policy.visible_to(user).filter(task__plan=plan).order_by()
                       .values_list("unit_id").annotate(n=Count("pk")))
    members = list(plan.members.select_related("unit__region"))
    for m in members:
        m.task_count = task_counts.get(m.unit_id, 0)
    unmatched = []
    for i, (name, numbers) in enumerate(sorted(plan.unmatched_units.items())):
        form = None
        if owner:
            form = failed if failed is not None and failed.data.get("name") == name else MapUnitForm(
                initial={"name": name}, plan=plan, user=user)
            form.auto_id = f"id_map{i}_%s"
        unmatched.append((name, numbers, form))
    return render(request, "workplans/plan_members.html", {
        **plan_context(request, plan, "members"), "members": members, "unmatched": unmatched,
        "failed": failed}, status=status)


@staff_required
@require_GET
def plan_members(request, pk):
    return _members_page(request, _visible_plan(request, pk))


@staff_required
@require_POST
def plan_map_unit(request, pk):
    user = request.user
    plan = _visible_plan(request, pk)
    plan_policy.check(user, "change", plan)
    form = MapUnitForm(request.POST, plan=plan, user=user)
    if form.is_valid():
        name, unit = form.cleaned_data["name"], form.cleaned_data["unit"]
        try:
            plan_services.plan_map_unit(actor=user, plan=plan, name=name, unit=unit)
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            count = len(plan.unmatched_units.get(name, []))
            messages.success(request, _("已将“%(name)s”对应到%(unit)s，%(n)d 项任务已分派给该单位。")
                             % {"name": name, "unit": unit.full_name, "n": count})
            return redirect("workplans:plan_members", pk=plan.pk)
    return _members_page(request, plan, failed=form, status=400)


# --- import -------------------------------------------------------------------------------------------

LOAD_ACTIONS = {"created": gettext_lazy("新建计划"), "updated": gettext_lazy("按文件更新已有计划"),
                "unchanged": gettext_lazy("已有代码和内容都相同的计划，不会改变任何内容")}


class PlanImportForm(BootstrapMixin, forms.Form):
    file = YamlFileField(label=gettext_lazy("计划文件（YAML）"), what=gettext_lazy("计划文件"))


@dataclass
class ImportOutcome:
    """What loading the file did (or, in a check, would do)."""

    errors: list[str] = field(default_factory=list)
    plan_id: int | None = None
    code: str = ""
    title: str = ""
    region_name: str = ""
    action: str = ""
    sections: int = 0
    tasks: int = 0
    members: int = 0
    phases: int = 0
    unmatched: dict[str, list[str]] = field(default_factory=dict)

    @property
    def action_label(self) -> str:
        return str(LOAD_ACTIONS.get(self.action, self.action))


def _region_name(raw: bytes) -> str:
    try:
        code = parse_plan(raw).region_code
    except DocumentInvalid:
        return ""
    region = Region.objects.filter(code=code).first()
    return region.name if region else code


def _import(user, raw: bytes, filename: str, *, dry_run: bool) -> ImportOutcome:
    """Load the file through the registered importer; a check loads it too (every check the service
    makes), reads what it wrote, and rolls back."""
    importer = get_document_importer("plan")
    try:
        with transaction.atomic():
            result = run_document_import(importer, raw, filename=filename, actor=user)
            if not result.ok:
                return ImportOutcome(errors=result.errors)
            plan = Plan.objects.select_related("region").get(code=parse_plan(raw).code)
            outcome = ImportOutcome(plan_id=plan.pk, code=plan.code, title=plan.title, region_name=plan.region.name,
                                    action=result.changes[0].action if result.changes else "",
                                    sections=plan.sections.count(), tasks=plan.tasks.count(),
                                    members=plan.members.count(), phases=plan.phases.count(),
                                    unmatched=dict(sorted(plan.unmatched_units.items())))
            if dry_run:
                transaction.set_rollback(True)
            return outcome
    except PermissionDenied:
        return ImportOutcome(errors=[_("您不能导入或更新属于“%(region)s”的计划：只能导入您管理的区划的计划。")
                                     % {"region": _region_name(raw) or "?"}])
    except (ValidationError, KepuError) as exc:
        return ImportOutcome(errors=[exc.message] if isinstance(exc, KepuError) else list(exc.messages))


def _import_importer():
    importer = get_document_importer("plan")
    if importer is None:
        raise Http404
    return importer


@staff_required
@require_http_methods(["GET", "POST"])
def plan_import(request):
    user = request.user
    plan_policy.check(user, "add")
    importer = _import_importer()
    form = PlanImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "has_template": importer.template is not None}
    status = 200
    if request.method == "POST" and form.is_valid():
        dry_run = request.POST.get("action") != "import"
        upload = form.cleaned_data["file"]
        outcome = _import(user, upload.raw, upload.name, dry_run=dry_run)
        if outcome.errors:
            context["file_errors"] = outcome.errors
            status = 400
        elif dry_run:
            context["preview"] = outcome
        else:
            if outcome.action == "unchanged":
                messages.info(request, _("计划“%(title)s”与文件相同，没有变化。") % {"title": outcome.title})
            else:
                messages.success(request, _("已导入计划“%(title)s”：%(n)d 项任务。")
                                 % {"title": outcome.title, "n": outcome.tasks})
            if outcome.unmatched:
                messages.warning(request, _("有 %(n)d 个单位名称没有匹配到单位：%(names)s。请在“成员单位”页对应到单位。")
                                 % {"n": len(outcome.unmatched), "names": "、".join(outcome.unmatched)})
            return redirect("workplans:plan_detail", pk=outcome.plan_id)
    elif request.method == "POST":
        status = 400
    return render(request, "workplans/plan_import.html", context, status=status)


@staff_required
@require_GET
def plan_import_template(request):
    plan_policy.check(request.user, "add")
    template = _import_importer().template
    if template is None or not template.exists():
        raise Http404
    return FileResponse(template.open("rb"), as_attachment=True, filename=template.name,
                        content_type="application/yaml; charset=utf-8")


urlpatterns = [
    path("", plan_list, name="plan_list"),
    path("import/", plan_import, name="plan_import"),
    path("import/template.yaml", plan_import_template, name="plan_import_template"),
    path("plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("plans/<int:pk>/timeline/", plan_timeline, name="plan_timeline"),
    path("plans/<int:pk>/stats/", plan_stats, name="plan_stats"),
    path("plans/<int:pk>/members/", plan_members, name="plan_members"),
    path("plans/<int:pk>/map-unit/", plan_map_unit, name="plan_map_unit"),
]
