"""Forms of the joint-meeting pages: a meeting, a decision, a decision made a task, the convener rotation.

The forms offer the plan's member units and check what was typed; the services decide who may do
what and that every unit is a member of the plan.
"""

from __future__ import annotations

from django import forms
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import DATE_INPUT, BootstrapMixin, LoadedAtMixin, UnitChoiceField
from kepu.orgs.models import Unit

from .models import Meeting, Plan, PlanMember, Section


def member_units(plan: Plan):
    """The plan's member units in the plan's own order (rotation, then as they were added)."""
    member = PlanMember.objects.filter(plan=plan, unit=OuterRef("pk"))
    return (Unit.objects.filter(pk__in=PlanMember.objects.filter(plan=plan).values("unit_id")).select_related("region")
            .annotate(member_rotation=Subquery(member.values("rotation")[:1]),
                      member_id=Subquery(member.values("id")[:1]))
            .order_by("member_id"))


class UnitCheckboxes(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Unit) -> str:
        return obj.full_name


def _checkboxes(field: forms.Field) -> None:
    # BootstrapMixin gives every other widget "form-control"; a checkbox list wants form-check-input.
    field.widget.attrs["class"] = "form-check-input"


class MeetingForm(LoadedAtMixin, BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": _("如“2024 年度联席会议”")}))
    held_on = forms.DateField(label=_("会议日期"), widget=DATE_INPUT)
    convener = UnitChoiceField(label=_("召集单位"), queryset=Unit.objects.none(), required=False)
    location = forms.CharField(label=_("会议地点"), max_length=200, required=False)
    attendees = UnitCheckboxes(label=_("参会单位"), queryset=Unit.objects.none(), required=False)
    agenda = forms.CharField(label=_("会议议程"), required=False, max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 4}))
    minutes = forms.CharField(label=_("会议纪要"), required=False, max_length=20000,
                              widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, plan: Plan, instance: Meeting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance or Meeting(plan=plan)
        members = member_units(plan)
        self.fields["convener"].queryset = members
        self.fields["attendees"].queryset = members
        _checkboxes(self.fields["attendees"])
        if instance is not None:
            for name in ("title", "held_on", "convener", "location", "agenda", "minutes"):
                self.initial[name] = getattr(instance, name)
            self.initial["attendees"] = list(instance.attendees.values_list("pk", flat=True))
            self.add_loaded_at()

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["attendees"] = list(data["attendees"])
        if self.instance.pk:
            data["unchanged_since"] = data.pop("loaded_at", None)
        else:
            data.pop("loaded_at", None)
        return data


class DecisionForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("议定事项"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("会议议定的一项工作，可在添加后转为计划任务。"))


class SectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Section) -> str:
        return obj.heading


class DecisionTaskForm(BootstrapMixin, forms.Form):
    number = forms.CharField(label=_("任务编号"), max_length=20)
    section = SectionChoiceField(label=_("所属章节"), queryset=Section.objects.none(), required=False,
                                 empty_label=_("（不归入章节）"))
    lead_unit = UnitChoiceField(label=_("牵头单位"), queryset=Unit.objects.none(), required=False)
    responsible_units = UnitCheckboxes(label=_("责任单位"), queryset=Unit.objects.none(), required=False)
    due_on = forms.DateField(label=_("完成时限"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        members = member_units(plan)
        self.fields["lead_unit"].queryset = members
        self.fields["responsible_units"].queryset = members
        _checkboxes(self.fields["responsible_units"])
        self.fields["section"].queryset = plan.sections.select_related("parent")

    def clean(self):
        data = super().clean()
        if not data.get("lead_unit") and not data.get("responsible_units") and not self.has_error("lead_unit"):
            self.add_error("lead_unit", _("请至少选择一个牵头单位或责任单位。"))
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["responsible_units"] = [u for u in data["responsible_units"] if u != data.get("lead_unit")]
        return data


class RotationForm(forms.Form):
    """A number per member unit: the units with a number convene in that order; blank: not in the rotation."""

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(member_units(plan))
        for unit in self.members:
            self.fields[f"unit_{unit.pk}"] = forms.IntegerField(
                label=unit.full_name, required=False, min_value=1, max_value=999,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "style": "width: 6rem"}))
            self.initial[f"unit_{unit.pk}"] = unit.member_rotation

    def rows(self):
        """(unit, bound field) per member, for the table."""
        return [(unit, self[f"unit_{unit.pk}"]) for unit in self.members]

    def clean(self):
        data = super().clean()
        taken: dict[int, list[Unit]] = {}
        for unit in self.members:
            value = data.get(f"unit_{unit.pk}")
            if value is not None:
                taken.setdefault(value, []).append(unit)
        for value, units in taken.items():
            if len(units) > 1:
                raise forms.ValidationError(_("轮值顺序：%(n)s 号重复（%(names)s），请为每个单位填写不同的序号。"),
                                            params={"n": value, "names": "、".join(u.name for u in units)})
        self.unit_ids_in_order = [units[0].pk for _value, units in sorted(taken.items())]
        return data
