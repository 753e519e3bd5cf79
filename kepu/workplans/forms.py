"""Forms for editing plans by hand: a plan's particulars, its sections, phases and milestones, its tasks
with their units, and a task's deliverables.

Forms read and check what was typed (in Chinese, on the field); the services in services/plans.py
decide and re-check what the user may do.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import (
    DATE_INPUT,
    BootstrapMixin,
    LoadedAtMixin,
    RegionChoiceField,
    UnitChoiceField,
    writable_regions,
)
from kepu.orgs.models import Unit
from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .models import Deliverable, Milestone, Phase, Plan, Section, Task

FIRST_YEAR, LAST_YEAR = 1949, 2100


def _check_order(form: forms.BaseForm, first: str, last: str, message) -> None:
    """An error on `last` when it lies before `first` (both already valid)."""
    start, end = form.cleaned_data.get(first), form.cleaned_data.get(last)
    if start and end and end < start:
        form.add_error(last, message)


# --- plans --------------------------------------------------------------------------------------------


def plan_regions(user):
    """The regions a user may create plans for: those they administer, and below them down to
    district level (a town's plan is made by the town's own admins)."""
    return writable_regions(user)


class PlanForm(LoadedAtMixin, BootstrapMixin, forms.ModelForm):
    """A plan's particulars; a new plan also takes its region and code. Empty dates are the year's
    first and last day."""

    class Meta:
        model = Plan
        fields = ["region", "code", "title", "kind", "issuer", "document_number", "issued_on", "year",
                  "starts_on", "ends_on", "rhythm", "grace_days", "remind_days"]
        field_classes = {"region": RegionChoiceField}
        widgets = {"issued_on": DATE_INPUT, "starts_on": DATE_INPUT, "ends_on": DATE_INPUT,
                   "year": forms.NumberInput(attrs={"inputmode": "numeric"})}
        help_texts = {
            "code": _("小写字母、数字和连字符，如 yc-2026-work-points；创建后不能修改。"),
            "issuer": _("如 重庆市全民科学素质行动领导小组办公室"),
            "document_number": _("如 渝纲要办发〔2022〕2 号"),
            "starts_on": _("留空则为年度的 1 月 1 日"),
            "ends_on": _("留空则为年度的 12 月 31 日"),
            "grace_days": _("每期结束后多少天内报送进展"),
            "remind_days": _("截止前多少天提醒责任单位联络员"),
        }

    def __init__(self, *args, user, default_region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["region"], self.fields["code"]
            self.add_loaded_at()
        else:
            regions = plan_regions(user)
            self.fields["region"].queryset = regions
            self.fields["region"].help_text = _("您管理的区划")
            # The blank plan's own None values are in `initial` already (ModelForm): overwrite them.
            if default_region is not None and regions.filter(pk=default_region.pk).exists():
                self.initial["region"] = default_region.pk
            self.initial["year"] = self.initial.get("year") or timezone.localdate().year
        self.fields["starts_on"].required = self.fields["ends_on"].required = False
        self.fields["year"].validators += [MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
        self.fields["year"].widget.attrs.update(min=FIRST_YEAR, max=LAST_YEAR)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().lower()

    def clean(self):
        data = super().clean()
        year = data.get("year")
        for name, (month, day) in (("starts_on", (1, 1)), ("ends_on", (12, 31))):
            if data.get(name) is None and name not in self.errors:
                if year is not None and FIRST_YEAR <= year <= LAST_YEAR:
                    data[name] = datetime.date(year, month, day)
                elif "year" not in self.errors:
                    self.add_error(name, _("请填写日期，或填写年度（按全年计）。"))
        _check_order(self, "starts_on", "ends_on", _("截止日期不能早于起始日期。"))
        return data

    def service_fields(self) -> dict:
        """What services.plans.plan_create (a new plan) or plan_update (with unchanged_since) take."""
        data = {name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields}
        if self.instance.pk:
            data["unchanged_since"] = self.cleaned_data.get("loaded_at")
        return data


# --- sections, phases, milestones ---------------------------------------------------------------------


class SectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Section) -> str:
        return f"　{obj.heading}" if obj.parent_id else obj.heading


class SectionForm(BootstrapMixin, forms.Form):
    number = forms.CharField(label=_("序号"), max_length=10, required=False,
                             help_text=_("如 一、二（一级章节）或 一、二（二级章节，显示为“（一）”）；可留空"))
    title = forms.CharField(label=_("标题"), max_length=200)
    parent = SectionChoiceField(label=_("上级章节"), queryset=Section.objects.none(), required=False,
                                empty_label=_("（无，作为一级章节）"))

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = plan.sections.filter(parent__isnull=True).order_by("order", "id")

    def clean_number(self) -> str:
        # 一、 or （一） as typed: the heading adds the punctuation itself.
        return self.cleaned_data["number"].strip().strip("、.．（）()").strip()

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("请填写标题。"))
        return title


class PhaseForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Phase
        fields = ["name", "start", "end", "description"]
        widgets = {"start": DATE_INPUT, "end": DATE_INPUT, "description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"name": _("如 筹备动员阶段")}

    def clean(self):
        data = super().clean()
        _check_order(self, "start", "end", _("结束日期不能早于开始日期。"))
        return data

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class TaskChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Task) -> str:
        return str(obj)


class MilestoneForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["title", "due_on", "task"]
        field_classes = {"task": TaskChoiceField}
        widgets = {"due_on": DATE_INPUT}
        labels = {"task": _("所属任务")}
        help_texts = {"task": _("可留空：整个计划的时间节点")}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = plan.tasks.order_by("order", "id")
        self.fields["task"].empty_label = _("（不属于具体任务）")

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


# --- tasks --------------------------------------------------------------------------------------------


def plan_units(plan: Plan):
    """The units a task of the plan may name: those of the plan's region subtree, the region's own first."""
    return (Unit.objects.filter(subtree_q([plan.region.path], field="region__path")).select_related("region")
            .annotate(elsewhere=Case(When(region_id=plan.region_id, then=Value(0)), default=Value(1),
                                     output_field=IntegerField()))
            .order_by("elsewhere", "region__path", "name", "id"))


def grouped_unit_choices(units) -> list[tuple[str, list[tuple[int, str]]]]:
    """Units grouped by region (in the order given), for <optgroup>s."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for unit in units:
        groups.setdefault(unit.region_id, (unit.region.name, []))[1].append((unit.pk, unit.name))
    return list(groups.values())


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.full_name


class TaskForm(LoadedAtMixin, BootstrapMixin, forms.ModelForm):
    """A task with its section, dates, lead unit and responsible units (units of the plan's region)."""

    responsible_units = UnitMultipleChoiceField(
        label=_("责任单位"), queryset=Unit.objects.none(), required=False,
        help_text=_("可多选（按住 Ctrl 或 Command 键点选）；本区划的单位排在前面。已报送进展的单位即使取消选择也会保留。"))

    class Meta:
        model = Task
        fields = ["section", "number", "text", "lead_unit", "starts_on", "due_on"]
        field_classes = {"section": SectionChoiceField, "lead_unit": UnitChoiceField}
        widgets = {"starts_on": DATE_INPUT, "due_on": DATE_INPUT, "text": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"number": _("在本计划内唯一，如 12"),
                      "starts_on": _("留空则从计划的起始日期开始报送")}

    field_order = ["section", "number", "text", "lead_unit", "responsible_units", "starts_on", "due_on"]

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["section"].queryset = plan.sections.order_by("order", "id")
        self.fields["section"].empty_label = _("（不分章节）")
        units = plan_units(plan)
        choices = grouped_unit_choices(units)
        outside = _("所选单位不属于%(region)s，或已不存在。") % {"region": plan.region.name}
        for name in ("lead_unit", "responsible_units"):
            field = self.fields[name]
            field.queryset = units
            field.choices = [("", _("（无牵头单位）")), *choices] if name == "lead_unit" else choices
            field.error_messages.update(invalid_choice=outside, invalid_pk_value=outside)
        self.fields["responsible_units"].widget.attrs["size"] = 12
        if self.instance.pk:
            self.initial.setdefault("responsible_units", list(
                self.instance.assignments.filter(lead=False).values_list("unit_id", flat=True)))
            self.add_loaded_at()

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        if not number:
            raise forms.ValidationError(_("请填写任务编号。"))
        if self.plan.tasks.filter(number=number).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("本计划已有编号为 %(number)s 的任务。"), params={"number": number})
        return number

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("请填写任务内容。"))
        return text

    def clean(self):
        data = super().clean()
        _check_order(self, "starts_on", "due_on", _("完成时限不能早于开始日期。"))
        return data

    def service_fields(self) -> dict:
        """What services.plans.task_create or task_update (with unchanged_since) take."""
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        data["responsible_units"] = list(self.cleaned_data["responsible_units"])
        if self.instance.pk:
            data["unchanged_since"] = self.cleaned_data.get("loaded_at")
        return data


class DeliverableForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Deliverable
        fields = ["name", "due_on"]
        widgets = {"due_on": DATE_INPUT}
        help_texts = {"name": _("如 年度科普工作总结、活动清单")}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写成果名称。"))
        return name

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}
