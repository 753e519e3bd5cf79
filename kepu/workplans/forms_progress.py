"""Forms of the progress pages: a unit's progress report, correcting it, deciding on it, and a
deliverable marked done (or reopened).

Forms read and check what was typed (in Chinese, on the field); the services decide who may do
what, which periods are open, and check the files by their content.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import (
    DATE_INPUT,
    FILES_HELP,
    BootstrapMixin,
    LoadedAtMixin,
    MultipleFileField,
    UnitChoiceField,
)
from kepu.orgs.models import Unit

from .periods import Period

PERCENT_ERROR = _("完成进度应为 0 到 100 之间的整数。")


def period_choice_label(p: Period, today: datetime.date) -> str:
    """“2026 年第一季度（截止 2026-04-10，已逾期）”: the period with its deadline."""
    if p.deadline < today:
        return gettext("%(label)s（截止 %(deadline)s，已逾期）") % {"label": p.label, "deadline": p.deadline.isoformat()}
    return gettext("%(label)s（截止 %(deadline)s）") % {"label": p.label, "deadline": p.deadline.isoformat()}


class _ReportFields(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("进展情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": _("请填写进展情况。")},
                           help_text=_("本期做了什么、取得了什么成效、下一步打算"))
    percent = forms.IntegerField(label=_("完成进度（%）"), min_value=0, max_value=100,
                                 widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
                                 error_messages={"required": PERCENT_ERROR, "invalid": PERCENT_ERROR,
                                                 "min_value": PERCENT_ERROR, "max_value": PERCENT_ERROR},
                                 help_text=_("填 100 表示本单位的这项任务已完成（经审核采纳后生效）"))
    reported_on = forms.DateField(label=_("进展日期"), widget=DATE_INPUT,
                                  error_messages={"required": _("请填写进展日期。"),
                                                  "invalid": _("请按“年-月-日”填写进展日期，如 2026-03-31。")})

    def clean_reported_on(self):
        day = self.cleaned_data["reported_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("进展日期不能晚于今天。"))
        return day


class PeriodSelect(forms.Select):
    """Periods already reported stay in the list, greyed out, so that the unit sees them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values: set[str] = set()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if str(value) in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class ReportForm(_ReportFields):
    """A unit's progress on a task for one of the periods still open to it."""

    period = forms.TypedChoiceField(label=_("报送期次"), coerce=int, choices=(), widget=PeriodSelect,
                                    error_messages={"required": _("请选择报送期次。"),
                                                    "invalid_choice": _("所选期次不需要报送，或已经报送过。")})
    files = MultipleFileField(label=_("附件"), required=False, help_text=FILES_HELP)

    field_order = ["period", "text", "percent", "reported_on", "files"]

    def __init__(self, *args, periods: list[Period], taken: set[int] = frozenset(), percent: int = 0, **kwargs):
        """`periods`: the periods the unit may report for, newest first; `taken`: those with a pending or
        accepted report (shown disabled; a second report for one is refused by the service)."""
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        field = self.fields["period"]
        field.choices = [(p.no, gettext("%(label)s（已报送）") % {"label": p.label} if p.no in taken
                          else period_choice_label(p, today)) for p in periods]
        field.widget.disabled_values = {str(no) for no in taken}
        first_open = next((p.no for p in periods if p.no not in taken), None)
        if first_open is not None:
            self.initial.setdefault("period", first_open)
        self.initial.setdefault("reported_on", today)
        self.initial.setdefault("percent", percent)

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {"period": data["period"], "text": data["text"], "percent": data["percent"],
                "reported_on": data["reported_on"], "uploads": data["files"]}


class ReportEditForm(LoadedAtMixin, _ReportFields):
    """Correct a report that has not been decided yet: its text, percentage, date, and more files."""

    files = MultipleFileField(label=_("添加附件"), required=False, help_text=FILES_HELP)

    def __init__(self, *args, instance, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        for name in ("text", "percent", "reported_on"):
            self.initial[name] = getattr(instance, name)
        self.add_loaded_at()

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        return {"unchanged_since": data.pop("loaded_at", None), "uploads": data.pop("files"), **data}


class ReviewForm(BootstrapMixin, forms.Form):
    ACCEPT, RETURN = "accept", "return"

    # Sent by the button pressed (采纳 / 退回), never typed.
    decision = forms.ChoiceField(label=_("审核结果"), choices=[(ACCEPT, _("采纳")), (RETURN, _("退回"))],
                                 widget=forms.HiddenInput,
                                 error_messages={"required": _("请选择采纳或退回。"),
                                                 "invalid_choice": _("请选择采纳或退回。")})
    comment = forms.CharField(label=_("审核意见"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("退回时必填：说明需要补充或修改的内容"))

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error("comment", _("退回时请写明退回原因。"))
        return data

    @property
    def accept(self) -> bool:
        return self.cleaned_data["decision"] == self.ACCEPT


class DeliverableCompleteForm(BootstrapMixin, forms.Form):
    """A deliverable marked done by one of the task's units, with its evidence."""

    unit = UnitChoiceField(label=_("完成单位"), queryset=Unit.objects.none(),
                           error_messages={"required": _("请选择完成单位。"),
                                           "invalid_choice": _("所选单位不承担这项任务，或您不能代其标记。")})
    done_on = forms.DateField(label=_("完成日期"), widget=DATE_INPUT,
                              error_messages={"required": _("请填写完成日期。"),
                                              "invalid": _("请按“年-月-日”填写完成日期，如 2026-03-31。")})
    note = forms.CharField(label=_("完成说明"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    # Not required here: the service says “upload at least one file” unless there are some already.
    files = MultipleFileField(label=_("佐证材料"), required=False, help_text=FILES_HELP)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.queryset = units
        if len(units) == 1:
            field.empty_label = None
            self.initial.setdefault("unit", units[0].pk)
        self.initial.setdefault("done_on", timezone.localdate())

    def clean_done_on(self):
        day = self.cleaned_data["done_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("完成日期不能晚于今天。"))
        return day

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {"unit": data["unit"], "done_on": data["done_on"], "note": data["note"], "uploads": data["files"]}


class ReopenForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("重新打开的原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请写明重新打开的原因。")})
