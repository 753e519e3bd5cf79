"""Forms of the base-data pages of the orgs app: list filters, a school's profile for a year, 农技协,
funding records and their documents, and the agriculture-related override of a town.

Forms read and check what was typed; the services decide (and re-check) what is allowed.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kepu.accounts.scope import STAFF_ROLES, scope_of
from kepu.core.forms import DATE_INPUT, BootstrapMixin, LoadedAtMixin
from kepu.core.forms import FilterForm as BaseFilterForm
from kepu.regions.models import Region
from kepu.regions.policies import region_policy

from .models import (
    SCHOOL_TYPES,
    FundingRecord,
    FundingSource,
    FundingUse,
    RuralTechAssociation,
    SchoolProfile,
    Unit,
    UnitType,
)
from .policies import unit_policy

UNIT_OPTIONS = 2000


def _yes_no(label, yes, no):
    """A "1"/"0" filter read as True/False (empty: no filter)."""
    return forms.TypedChoiceField(label=label, required=False, coerce=lambda v: v == "1", empty_value=None,
                                  choices=[("", _("全部")), ("1", yes), ("0", no)])


def _not_negative(message) -> dict:
    return {"min_value": message}


class FilterForm(BaseFilterForm):
    """Extra filters of a list page, read from the query string; a bad value is an error in words."""

    def values(self) -> dict:
        """The cleaned filters, or none at all when the input was bad (the page says why)."""
        if not self.is_valid():
            return dict.fromkeys(self.fields)
        return dict(self.cleaned_data)


class SchoolFilterForm(FilterForm):
    q = forms.CharField(label=_("学校名称"), required=False, max_length=100)
    district_run = _yes_no(_("区属学校"), yes=_("区属"), no=_("非区属"))
    compliant = _yes_no(_("科学教师/科技辅导员"), yes=_("已配齐"), no=_("未配齐（含未填报）"))
    room = _yes_no(_("科技活动室"), yes=_("有"), no=_("无"))
    missing = _yes_no(_("填报情况"), yes=_("未填报"), no=_("已填报"))


class AgriTownFilterForm(FilterForm):
    agri = _yes_no(_("涉农"), yes=_("涉农"), no=_("非涉农"))
    covered = _yes_no(_("农技协"), yes=_("已建"), no=_("未建"))


class AssociationFilterForm(FilterForm):
    q = forms.CharField(label=_("名称或产业"), required=False, max_length=100)
    region = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    year = forms.IntegerField(label=_("年末存续年度"), required=False, min_value=1949, max_value=2100)
    platform = _yes_no(_("智慧农技协平台"), yes=_("已入驻"), no=_("未入驻"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.region_obj: Region | None = None

    def clean_region(self) -> str:
        code = self.cleaned_data["region"].strip()
        if code:
            self.region_obj = region_policy.visible_to(self.user).filter(code=code).first()
            if self.region_obj is None:
                raise forms.ValidationError(_("区划代码“%(code)s”不存在，或不在您的工作范围内。"),
                                            params={"code": code[:20]})
        return code


class FundingFilterForm(FilterForm):
    source = forms.ChoiceField(label=_("来源"), required=False, choices=[("", _("全部来源")), *FundingSource.choices])
    use = forms.ChoiceField(label=_("使用方向"), required=False, choices=[("", _("全部使用方向")), *FundingUse.choices])


# --- school profiles ----------------------------------------------------------------------------------


class SchoolProfileForm(LoadedAtMixin, BootstrapMixin, forms.ModelForm):
    """A school's profile for one year; the school and year come from the page."""

    class Meta:
        model = SchoolProfile
        fields = ["district_run", "science_teachers", "tutors_full_time", "tutors_part_time", "has_tech_room",
                  "feature_level", "note"]
        error_messages = {
            "science_teachers": _not_negative(_("科学教师人数不能为负数。")),
            "tutors_full_time": _not_negative(_("专职科技辅导员人数不能为负数。")),
            "tutors_part_time": _not_negative(_("兼职科技辅导员人数不能为负数。")),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feature_level"].choices = [("", _("不是科技特色学校")), *self.fields["feature_level"].choices[1:]]
        self.fields["feature_level"].help_text = ""
        for name in ("science_teachers", "tutors_full_time", "tutors_part_time"):
            self.fields[name].widget.attrs.update({"min": 0, "inputmode": "numeric"})
        self.add_loaded_at()


# --- places: a region code typed by the user ---------------------------------------------------------


class RegionCodeMixin:
    """A `region_code` field turned into `self.region`: a region the user sees (the service decides
    whether they may write there)."""

    def clean_region_code(self) -> str:
        code = self.cleaned_data["region_code"].strip()
        self.region = region_policy.visible_to(self.user).filter(code=code).first()
        if self.region is None and self.instance.pk and code == self.instance.region.code:
            self.region = self.instance.region
        if self.region is None:
            raise forms.ValidationError(_("区划代码“%(code)s”不存在，或不在您的工作范围内。"), params={"code": code[:20]})
        return code

    def check_unit_in_region(self, data: dict) -> None:
        unit, region = data.get("unit"), getattr(self, "region", None)
        if unit is not None and region is not None and not unit.region.path.startswith(region.path):
            self.add_error("unit", _("单位“%(unit)s”不在所填区划“%(region)s”内。") % {"unit": unit.full_name,
                                                                             "region": region.name})


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.full_name}（{obj.region.name}）"


def unit_choices(user, instance_unit_id: int | None, *, types=None, exclude_types=()):
    """Units to offer: visible ones of the types asked for (a bounded number); the current one and
    the user's own units are kept whatever their type."""
    own = scope_of(user).unit_ids(STAFF_ROLES)
    visible = (unit_policy.visible_to(user).exclude(Q(type__in=exclude_types) & ~Q(pk__in=own))
               .order_by("region__path", "name"))
    if types is not None:
        visible = visible.filter(type__in=types)
    pks = list(visible.values_list("pk", flat=True)[:UNIT_OPTIONS])
    if instance_unit_id:
        pks.append(instance_unit_id)
    return Unit.objects.filter(pk__in=pks).select_related("region").order_by("region__path", "name")


class AssociationForm(RegionCodeMixin, LoadedAtMixin, BootstrapMixin, forms.ModelForm):
    region_code = forms.CharField(label=_("所在镇（街）或村（社区）区划代码"), max_length=20,
                                  help_text=_("9 位镇（街）代码或 12 位村（社区）代码。"))
    unit = UnitChoiceField(label=_("对应单位"), queryset=Unit.objects.none(), required=False,
                           help_text=_("已登记为“农村专业技术协会”类型单位的，可选择对应单位。"))

    class Meta:
        model = RuralTechAssociation
        fields = ["name", "unit", "founded_on", "dissolved_on", "members", "on_smart_platform", "industry",
                  "contact_name"]
        widgets = {"founded_on": DATE_INPUT, "dissolved_on": DATE_INPUT}
        error_messages = {"members": _not_negative(_("会员数不能为负数。"))}

    field_order = ["name", "region_code", "unit", "founded_on", "dissolved_on", "members", "industry",
                   "contact_name", "on_smart_platform"]

    def __init__(self, *args, user, default_region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.region: Region | None = None
        self.fields["unit"].queryset = unit_choices(user, self.instance.unit_id,
                                                    types=[UnitType.RURAL_TECH_ASSOCIATION])
        self.fields["members"].widget.attrs.update({"min": 0, "inputmode": "numeric"})
        if self.instance.pk:
            self.initial["region_code"] = self.instance.region.code
        elif default_region is not None and default_region.level in ("town", "village"):
            self.initial["region_code"] = default_region.code
        self.add_loaded_at()

    def clean(self):
        data = super().clean()
        self.check_unit_in_region(data)
        return data

    def service_fields(self) -> dict:
        data = super().service_fields()
        data.pop("region_code", None)
        data["region"] = self.region
        return data


class FundingForm(RegionCodeMixin, LoadedAtMixin, BootstrapMixin, forms.ModelForm):
    region_code = forms.CharField(label=_("所属区划代码"), max_length=20,
                                  help_text=_("本级财政安排的经费填本级区划代码（如永川区 500118）。"))
    unit = UnitChoiceField(label=_("单位"), queryset=Unit.objects.none(), required=False,
                           help_text=_("区科协或不针对某一单位的经费留空或选择科协；其他部门、单位的经费选择对应单位。"))

    class Meta:
        model = FundingRecord
        fields = ["unit", "year", "source", "use", "budgeted", "received", "purpose", "document_number", "note"]
        error_messages = {
            "budgeted": _not_negative(_("预算金额不能为负数。")),
            "received": _not_negative(_("到位金额不能为负数。")),
        }

    field_order = ["region_code", "unit", "year", "source", "use", "budgeted", "received", "purpose",
                   "document_number", "note"]

    def __init__(self, *args, user, default_region: Region | None = None, default_year: int | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.region: Region | None = None
        # Schools are left out: a city has thousands, and their money is rarely budgeted one by one.
        self.fields["unit"].queryset = unit_choices(user, self.instance.unit_id, exclude_types=SCHOOL_TYPES)
        for name in ("budgeted", "received"):
            self.fields[name].widget.attrs.update({"min": 0, "step": "0.01", "inputmode": "decimal"})
        if self.instance.pk:
            self.initial["region_code"] = self.instance.region.code
        else:
            if default_region is not None:
                self.initial["region_code"] = default_region.code
            if default_year is not None:
                self.initial["year"] = default_year
        self.add_loaded_at()

    def clean(self):
        data = super().clean()
        if "budgeted" in data and "received" in data and data["budgeted"] is None and data["received"] is None:
            self.add_error("budgeted", _("预算金额和到位金额至少填写一项。"))
        self.check_unit_in_region(data)
        return data

    def _post_clean(self):
        # The model repeats the amounts rule (and its database constraint would add a second,
        # technical message): checked above, so the instance is not validated for it again.
        if self.has_error("budgeted"):
            return
        super()._post_clean()

    def service_fields(self) -> dict:
        data = super().service_fields()
        data.pop("region_code", None)
        data["region"] = self.region
        return data


class DocumentForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("文件"), help_text=_("PDF、Word、Excel、PowerPoint 或图片（PNG、JPG、WebP），不超过 20 MB。"))
    description = forms.CharField(label=_("说明"), required=False, max_length=200)


# --- the agriculture-related override of a town ----------------------------------------------------------


AGRI_CHOICES = [("auto", _("按城乡分类代码")), ("yes", _("是（人工认定为涉农）")), ("no", _("否（人工认定为非涉农）"))]
AGRI_VALUES = {"auto": None, "yes": True, "no": False}


class AgriOverrideForm(forms.Form):
    agri = forms.ChoiceField(label=_("涉农认定"), choices=AGRI_CHOICES)
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def value_of(override: bool | None) -> str:
        return {None: "auto", True: "yes", False: "no"}[override]

    @property
    def override(self) -> bool | None:
        return AGRI_VALUES[self.cleaned_data["agri"]]

