"""The form that links a task to an indicator of an assessment: the assessment chosen among those the
task may work towards, the indicator typed by its code (B1.4)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import BootstrapMixin

from .models import Plan
from .services.links import linkable_assessments


class AssessmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.region.name} {obj.period_label} · {obj.standard.title}"


class LinkForm(BootstrapMixin, forms.Form):
    assessment = AssessmentChoiceField(label=_("评估"), queryset=None, empty_label=None,
                                       error_messages={"invalid_choice": _("评估不存在，或不在您的工作范围内。")})
    indicator = forms.CharField(label=_("指标编号"), max_length=20,
                                widget=forms.TextInput(attrs={"placeholder": _("如 B1.4"), "autocomplete": "off"}))

    def __init__(self, *args, plan: Plan, user, **kwargs):
        kwargs.setdefault("auto_id", "link_%s")
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = linkable_assessments(plan, user)
        self.indicator_obj = None

    def clean(self):
        data = super().clean()
        assessment, code = data.get("assessment"), (data.get("indicator") or "").strip()
        if assessment is None or not code:
            return data
        indicators = assessment.standard.indicators
        indicator = indicators.filter(code=code).first() or indicators.filter(code=code.upper()).first()
        if indicator is None:
            self.add_error("indicator", _("评估所用的标准中没有编号为“%(code)s”的指标。") % {"code": code})
        elif not indicator.is_leaf:
            self.add_error("indicator", _("%(code)s 是指标分组，请填写其下可报送材料的指标编号。") % {"code": indicator.code})
        else:
            self.indicator_obj = indicator
        return data

    def service_fields(self) -> dict:
        return {"assessment": self.cleaned_data["assessment"], "indicator": self.indicator_obj}
