"""Forms of the staff pages: plan/edit an activity, filter the list, cancel, report, return."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import (
    BootstrapMixin,
    FilterForm,
    LoadedAtMixin,
    UnitChoiceField,
    visible_region,
)
from kepu.orgs.models import Unit
from kepu.orgs.policies import unit_policy
from kepu.regions.models import Region

from .models import Activity, ActivityKind, ActivityStatus, TargetGroup, ThemeDay

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# What the form hands to services.activity_create / activity_update, in this order.
ACTIVITY_FIELDS = ("title", "description", "kind", "theme_days", "target_groups", "organizer", "co_organizers",
                   "region", "venue", "online_url", "start", "end", "capacity", "registration_required",
                   "is_volunteer_service")


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.full_name


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )


class ActivityForm(LoadedAtMixin, BootstrapMixin, forms.Form):
    """Plan or edit an activity: the organizer among the units the user sees, the region by its code."""

    title = forms.CharField(label=_("活动名称"), max_length=200)
    description = forms.CharField(label=_("活动简介"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label=_("活动形式"), choices=[("", "---------"), *ActivityKind.choices])
    theme_days = forms.ModelMultipleChoiceField(label=_("主题日"), queryset=ThemeDay.objects.all(), required=False,
                                                widget=forms.SelectMultiple(attrs={"size": 6}))
    target_groups = forms.ModelMultipleChoiceField(label=_("目标人群"), queryset=TargetGroup.objects.all(),
                                                   required=False, widget=forms.CheckboxSelectMultiple)
    organizer = UnitChoiceField(label=_("主办单位"), queryset=Unit.objects.none())
    co_organizers = UnitMultipleChoiceField(label=_("协办单位"), queryset=Unit.objects.none(), required=False,
                                            widget=forms.SelectMultiple(attrs={"size": 5}))
    region_code = forms.CharField(label=_("活动区域"), max_length=20,
                                  help_text=_("区划代码，如 500118（永川区）或 500118001（中山路街道）"))
    venue = forms.CharField(label=_("活动地点"), max_length=200, required=False)
    online_url = forms.URLField(label=_("线上链接"), required=False, assume_scheme="https")
    start = _datetime_field(_("开始时间"))
    end = _datetime_field(_("结束时间"))
    capacity = forms.IntegerField(label=_("名额"), required=False, min_value=1, max_value=1_000_000,
                                  help_text=_("不限名额请留空"))
    registration_required = forms.BooleanField(label=_("需要报名"), required=False)
    is_volunteer_service = forms.BooleanField(label=_("科技志愿服务活动"), required=False)

    def __init__(self, *args, user, instance: Activity | None = None, default_region: Region | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance or Activity()
        self.fields["target_groups"].widget.attrs["class"] = "form-check-input"
        visible = unit_policy.visible_to(user).values("pk")
        if instance is not None:
            # Keep the current organizers selectable even when the editor does not see their units.
            current = [instance.organizer_id, *instance.co_organizers.values_list("pk", flat=True)]
            where = Q(pk__in=visible) | Q(pk__in=current)
        else:
            where = Q(pk__in=visible)
        units = Unit.objects.filter(where).select_related("region").order_by("region__path", "name")
        self.fields["organizer"].queryset = units
        self.fields["co_organizers"].queryset = units
        if instance is not None:
            for name in ACTIVITY_FIELDS:
                if name in self.fields:
                    value = getattr(instance, name)
                    self.initial[name] = list(value.all()) if name in ("theme_days", "target_groups",
                                                                       "co_organizers") else value
            self.initial["region_code"] = instance.region.code
            for name in ("start", "end"):
                self.initial[name] = timezone.localtime(getattr(instance, name))
            self.add_loaded_at()
        elif default_region is not None:
            self.initial["region_code"] = default_region.code

    def clean_region_code(self) -> str:
        code = self.cleaned_data["region_code"].strip()
        self.region = visible_region(self.user, code)
        if self.region is None:
            raise forms.ValidationError(_("区划代码“%(code)s”不存在，或不在您的工作范围内。"), params={"code": code})
        return code

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("请填写活动名称。"))
        return title

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("结束时间不能早于开始时间。"))
        return data

    def service_fields(self) -> dict:
        """The cleaned values as the service takes them; for an edit, only what changed in who/where."""
        data = {name: self.cleaned_data[name] for name in ACTIVITY_FIELDS if name != "region"}
        data["region"] = self.region
        for name in ("theme_days", "target_groups", "co_organizers"):
            data[name] = list(data[name])
        if self.instance.pk:
            # The service re-checks who may organize only when these change; unchanged, leave them out.
            for name in ("organizer", "region"):
                if data[name] == getattr(self.instance, name):
                    del data[name]
            data["unchanged_since"] = self.cleaned_data.get("loaded_at")
        return data


class CancelForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class ReturnForm(BootstrapMixin, forms.Form):
    comment = forms.CharField(label=_("退回意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class MultiValueSelect(forms.Select):
    """A single select that still reads repeated parameters (?status=finished&status=reported from links)."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [v for v in values if v]  # the "全部" option sends an empty value


class ActivityFilterForm(FilterForm):
    """The list's filters, read from the query string; the region and unit must be visible to the user."""

    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    region = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    unit = forms.IntegerField(label=_("单位"), required=False)
    kind = forms.ChoiceField(label=_("活动形式"), required=False, choices=[("", _("全部形式")), *ActivityKind.choices])
    theme = forms.ModelChoiceField(label=_("主题日"), required=False, queryset=ThemeDay.objects.all(),
                                   empty_label=_("全部主题日"))
    group = forms.ModelChoiceField(label=_("目标人群"), required=False, queryset=TargetGroup.objects.all(),
                                   to_field_name="key", empty_label=_("全部人群"))
    status = forms.MultipleChoiceField(label=_("状态"), required=False, choices=ActivityStatus.choices,
                                       widget=MultiValueSelect)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("月份"), required=False, min_value=1, max_value=12, widget=forms.HiddenInput)
    start = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    volunteer_service = forms.BooleanField(label=_("仅科技志愿服务活动"), required=False)

    UNIT_OPTIONS = 500

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["status"].widget.choices = [("", _("全部状态")), *ActivityStatus.choices]
        self.region_obj: Region | None = None
        self.unit_obj: Unit | None = None

    def clean_region(self) -> str:
        code = self.cleaned_data["region"].strip()
        if code:
            self.region_obj = visible_region(self.user, code)
            if self.region_obj is None:
                raise forms.ValidationError(_("区划代码“%(code)s”不存在，或不在您的工作范围内。"), params={"code": code})
        return code

    def clean_unit(self):
        pk = self.cleaned_data["unit"]
        if pk is not None:
            self.unit_obj = unit_policy.visible_to(self.user).filter(pk=pk).first()
            if self.unit_obj is None:
                raise forms.ValidationError(_("单位不存在，或不在您的工作范围内。"))
        return pk

    def clean(self):
        data = super().clean()
        if data.get("month") and not data.get("year"):
            self.add_error("month", _("按月份筛选时请同时选择年度。"))
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("结束日期不能早于开始日期。"))
        return data

    def unit_choices(self) -> list[tuple[str, str]]:
        """Units to offer in the filter: those of the chosen region (or all visible), a bounded number."""
        units = unit_policy.visible_to(self.user).select_related("region").order_by("region__path", "name")
        if self.region_obj is not None:
            units = units.filter(region__path__startswith=self.region_obj.path)
        options = [(str(u.pk), u.full_name) for u in units[: self.UNIT_OPTIONS]]
        if self.unit_obj is not None and str(self.unit_obj.pk) not in {pk for pk, _label in options}:
            options.insert(0, (str(self.unit_obj.pk), self.unit_obj.full_name))
        return options

    def period(self) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The [from, to) range of start times chosen by year (and month)."""
        year, month = self.cleaned_data.get("year"), self.cleaned_data.get("month")
        if not year:
            return None
        tz = timezone.get_current_timezone()
        if month:
            begin = datetime.datetime(year, month, 1, tzinfo=tz)
            after = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
        else:
            begin = datetime.datetime(year, 1, 1, tzinfo=tz)
            after = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
        return begin, after


class ReportForm(BootstrapMixin, forms.Form):
    """Walk-ins and online views per target group (check-ins are counted by the platform), a narrative."""

    narrative = forms.CharField(label=_("活动总结"), required=False, max_length=5000,
                                widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = list(groups)
        for group in self.groups:
            self.fields[f"walk_ins_{group.pk}"] = forms.IntegerField(
                label=_("%(group)s现场参与") % {"group": group.name}, min_value=0, max_value=10_000_000,
                required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
            self.fields[f"online_{group.pk}"] = forms.IntegerField(
                label=_("%(group)s线上观看") % {"group": group.name}, min_value=0, max_value=100_000_000,
                required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def counts(self) -> dict[int, tuple[int, int]]:
        return {g.pk: (self.cleaned_data.get(f"walk_ins_{g.pk}") or 0, self.cleaned_data.get(f"online_{g.pk}") or 0)
                for g in self.groups}


class EvidenceForm(forms.Form):
    description = forms.CharField(label=_("说明"), required=False, max_length=200)
