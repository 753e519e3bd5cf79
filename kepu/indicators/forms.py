"""Forms of the assessment pages: the list filters, a new assessment, reopening a submitted one and
the report text.

Forms read and check what was typed (in Chinese, on the field); the services decide and re-check
what the user may do. The evidence and standard forms live in forms_evidence.py and forms_standards.py.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import (
    BootstrapMixin,
    LoadedAtMixin,
    RegionChoiceField,
    RegionFilterForm,
    writable_regions,
)
from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .models import AssessmentStatus, Standard
from .policies import standard_policy
from .services import NARRATIVE_KEYS

FIRST_YEAR, LAST_YEAR = 1949, 2100
# Regions offered for a new assessment: the administered regions themselves and what lies below them
# down to district level (an assessment of a town is made by that town's own admins).


class StandardChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Standard) -> str:
        return f"{obj.title}（{obj.period_start}—{obj.period_end}）"


# --- the list ---------------------------------------------------------------------------------------


class AssessmentFilterForm(RegionFilterForm):
    region = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    standard = StandardChoiceField(label=_("指标标准"), required=False, queryset=Standard.objects.none(),
                                   empty_label=_("全部标准"))
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部状态")), *AssessmentStatus.choices])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["standard"].queryset = standard_policy.visible_to(user).order_by("-period_end", "code")

    def filter(self, qs):
        """The assessments of `qs` that the (valid) filters keep."""
        data = self.cleaned_data
        if self.region_obj is not None:
            qs = qs.filter(subtree_q([self.region_obj.path], field="region_path"))
        if data.get("year"):
            qs = qs.filter(year=data["year"])
        if data.get("standard"):
            qs = qs.filter(standard=data["standard"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        return qs


# --- a new assessment ---------------------------------------------------------------------------------


def assessable_regions(user):
    """The regions the user may create assessments for."""
    return writable_regions(user)


class AssessmentCreateForm(BootstrapMixin, forms.Form):
    standard = StandardChoiceField(label=_("指标标准"), queryset=Standard.objects.none())
    region = RegionChoiceField(label=_("评估区划"), queryset=Region.objects.none(),
                               help_text=_("您管理的区划"))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR,
                              help_text=_("应在标准的创建期之内"))
    whole_period = forms.BooleanField(label=_("整个创建期（不分年度）"), required=False)

    def __init__(self, *args, user, default_region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = standard_policy.visible_to(user).order_by("-period_end", "code")
        regions = assessable_regions(user)
        self.fields["region"].queryset = regions
        if default_region is not None and regions.filter(pk=default_region.pk).exists():
            self.initial.setdefault("region", default_region.pk)

    def clean(self):
        data = super().clean()
        if data.get("whole_period"):
            data["year"] = None
        elif data.get("year") is None and "year" not in self.errors:
            self.add_error("year", _("请填写年度，或选择“整个创建期”。"))
        return data

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("standard", "region", "year")}


# --- reopening and the report text --------------------------------------------------------------------


class ReopenForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("退回修改的原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请说明退回修改的原因。")})


NARRATIVE_LABELS = {
    "basic": _("基本情况"),
    "problems": _("存在问题"),
    "next_steps": _("下一步工作"),
}


class NarrativesForm(LoadedAtMixin, BootstrapMixin, forms.Form):
    """The report's text: the basic situation, a paragraph per level-1 indicator, problems, next steps."""

    def __init__(self, *args, instance, sections, **kwargs):
        """`sections`: the level-1 indicators of the standard, in order."""
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.section_codes = [s.code for s in sections]
        keys = [NARRATIVE_KEYS[0], *self.section_codes, *NARRATIVE_KEYS[1:]]
        labels = {**NARRATIVE_LABELS, **{s.code: f"{s.code} {s.title}" for s in sections}}
        for key in keys:
            self.fields[self.field_name(key)] = forms.CharField(
                label=labels[key], required=False, max_length=5000,
                widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),  # added after BootstrapMixin ran
                initial=instance.narratives.get(key, ""))
        self.add_loaded_at()

    @staticmethod
    def field_name(key: str) -> str:
        # Indicator codes may hold dots; field names stay plain.
        return "n_" + key.replace(".", "_")

    @property
    def narrative_fields(self):
        return [self[name] for name in self.fields if name.startswith("n_")]

    def service_fields(self) -> dict:
        keys = [*NARRATIVE_KEYS, *self.section_codes]
        return {"narratives": {key: self.cleaned_data.get(self.field_name(key), "") for key in keys},
                "unchanged_since": self.cleaned_data.get("loaded_at")}
