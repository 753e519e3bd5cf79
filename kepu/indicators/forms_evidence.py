"""Forms of the evidence pages: sending in evidence (or a value no record computes), correcting a
submission, reviewing, unlocking.

Forms check what was typed (in Chinese, on the field); the services decide who may do what, and
check the files by their content.
"""

from __future__ import annotations

import datetime

from django import forms
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

from .models import Assessment, Op, Submission

RATIO_HELP = _("比例请填小数，如 0.85 表示 85%。")


class _PeriodMixin:
    """The period the material covers: both dates optional, the end not before the start."""

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("材料截止日期不能早于起始日期。"))
        return data


def default_period(assessment: Assessment) -> tuple[datetime.date, datetime.date]:
    """The assessment's year, or the standard's whole period."""
    if assessment.year:
        return datetime.date(assessment.year, 1, 1), datetime.date(assessment.year, 12, 31)
    standard = assessment.standard
    return datetime.date(standard.period_start, 1, 1), datetime.date(standard.period_end, 12, 31)


class SubmissionForm(_PeriodMixin, BootstrapMixin, forms.Form):
    """Evidence for an indicator; with `targets`, a value for one of its measures as well."""

    EVIDENCE, VALUE = "evidence", "value"

    form = forms.CharField(widget=forms.HiddenInput)
    unit = UnitChoiceField(label=_("报送单位"), queryset=Unit.objects.none(), required=False)
    measure = forms.ChoiceField(label=_("度量"), choices=())
    value = forms.DecimalField(label=_("数值"), max_digits=18, decimal_places=6)
    description = forms.CharField(label=_("说明"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("材料的内容、来源，如“2024 年全区科普工作会议纪要”"))
    period_start = forms.DateField(label=_("材料起始日期"), required=False, widget=DATE_INPUT)
    period_end = forms.DateField(label=_("材料截止日期"), required=False, widget=DATE_INPUT)
    # Not required here: the service says "upload at least one file" in its own words.
    files = MultipleFileField(label=_("佐证材料"), required=False, help_text=FILES_HELP)

    def __init__(self, *args, assessment: Assessment, units, unit_required: bool, targets=(), **kwargs):
        """`units`: the units the user may send in for; `targets`: TargetResults a value may be
        entered for (none: an evidence form)."""
        self.kind = self.VALUE if targets else self.EVIDENCE
        kwargs.setdefault("auto_id", f"{self.kind}_%s")  # both forms on one page: distinct ids
        super().__init__(*args, **kwargs)
        self.initial["form"] = self.kind
        start, end = default_period(assessment)
        self.initial.setdefault("period_start", start)
        self.initial.setdefault("period_end", end)
        unit_field = self.fields["unit"]
        unit_field.queryset = units
        unit_field.required = unit_required
        if unit_required:
            unit_field.empty_label = None if len(units) == 1 else "---------"
        else:
            unit_field.empty_label = _("不指定（以区域名义报送）")
        if len(units) == 1 and unit_required:
            self.initial["unit"] = units[0].pk
        if targets:
            self.fields["measure"].choices = [(t.measure, f"{t.label}（{Op(t.op).label} {t.target_text}）")
                                              for t in targets]
            if len(targets) == 1:
                self.initial["measure"] = targets[0].measure
            if any(t.unit == "ratio" for t in targets):
                self.fields["value"].help_text = RATIO_HELP
            self.fields["files"].label = _("佐证材料")
            self.fields["description"].help_text = _("数值的来源和统计口径")
        else:
            del self.fields["measure"], self.fields["value"]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        out = {"unit": data.get("unit"), "description": data["description"], "period_start": data["period_start"],
               "period_end": data["period_end"], "uploads": data["files"]}
        if self.kind == self.VALUE:
            out.update(measure=data["measure"], value=data["value"])
        return out


class SubmissionEditForm(_PeriodMixin, LoadedAtMixin, BootstrapMixin, forms.Form):
    """Correct a submission that is not approved: its text, period, value, and more files."""

    description = SubmissionForm.base_fields["description"]
    period_start = SubmissionForm.base_fields["period_start"]
    period_end = SubmissionForm.base_fields["period_end"]
    value = SubmissionForm.base_fields["value"]
    files = MultipleFileField(label=_("添加文件"), required=False, help_text=FILES_HELP)

    def __init__(self, *args, instance: Submission, ratio: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        for name in ("description", "period_start", "period_end", "value"):
            self.initial[name] = getattr(instance, name)
        if not instance.measure:
            del self.fields["value"]
        elif ratio:
            self.fields["value"].help_text = RATIO_HELP
        self.add_loaded_at()

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        out = {"unchanged_since": data.pop("loaded_at", None), "uploads": data.pop("files")}
        out.update(data)
        return out


class ReviewForm(BootstrapMixin, forms.Form):
    APPROVE, RETURN = "approve", "return"

    # Sent by the button pressed (通过 / 退回), never typed.
    decision = forms.ChoiceField(label=_("审核结果"), choices=[(APPROVE, _("通过")), (RETURN, _("退回"))],
                                 widget=forms.HiddenInput, error_messages={"required": _("请选择通过或退回。")})
    comment = forms.CharField(label=_("审核意见"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("退回时必填：说明需要补充或修改的内容"))

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE


class UnlockForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("解除锁定的原因"), max_length=300, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
