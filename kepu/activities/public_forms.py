"""Forms of the public pages: the registration form and the filters of the list and calendar."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import BootstrapMixin
from kepu.regions.models import Region

from .models import ActivityKind, TargetGroup, ThemeDay


class RegistrationForm(BootstrapMixin, forms.Form):
    """Name, phone and (optionally) the group a citizen belongs to; the service checks the rest."""

    name = forms.CharField(label=_("姓名"), max_length=50,
                           error_messages={"required": _("请填写姓名。"), "max_length": _("姓名不能超过 50 个字。")})
    phone = forms.CharField(label=_("手机号码"), max_length=20,
                            error_messages={"required": _("请填写手机号码。"),
                                            "max_length": _("请填写 11 位手机号码。")},
                            widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric",
                                                          "autocomplete": "tel", "placeholder": "139xxxxxxxx"}))
    group = forms.ModelChoiceField(label=_("您属于"), queryset=TargetGroup.objects.all(), required=False,
                                   empty_label=_("（可不选）"),
                                   error_messages={"invalid_choice": _("请选择列表中的人群。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})


def region_choices(current: Region | None = None) -> list[tuple[str, str]]:
    """The city and its districts, plus the region being filtered on when it lies deeper."""
    choices = [("", _("全部区域"))]
    rows = list(Region.objects.filter(depth__lte=1).order_by("path").values_list("code", "name", "depth"))
    choices += [(code, name if depth == 0 else f"· {name}") for code, name, depth in rows]
    if current is not None and current.code not in {code for code, _name, _depth in rows}:
        choices.append((current.code, current.name))
    return choices


class RegionCodeField(forms.CharField):
    """A region given by its code (the filter includes everything below it)."""

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("区域：没有代码为“%(code)s”的行政区划。"), params={"code": code[:20]})
        return region


class PublicFilterForm(BootstrapMixin, forms.Form):
    """The filters of the public list: where, which theme day, for whom, what kind, when, words."""

    q = forms.CharField(label=_("搜索"), max_length=50, required=False,
                        error_messages={"max_length": _("搜索词不能超过 50 个字。")})
    region = RegionCodeField(label=_("区域"), max_length=20, required=False,
                             error_messages={"max_length": _("区域：区划代码过长。")})
    theme = forms.ModelChoiceField(label=_("主题日"), queryset=ThemeDay.objects.all(), required=False,
                                   empty_label=_("全部主题日"),
                                   error_messages={"invalid_choice": _("主题日：请选择列表中的主题日。")})
    group = forms.ModelChoiceField(label=_("人群"), queryset=TargetGroup.objects.all(), required=False,
                                   to_field_name="key", empty_label=_("全部人群"),
                                   error_messages={"invalid_choice": _("人群：请选择列表中的人群。")})
    kind = forms.ChoiceField(label=_("形式"), required=False, choices=[("", _("全部形式")), *ActivityKind.choices],
                             error_messages={"invalid_choice": _("形式：请选择列表中的活动形式。")})
    upcoming = forms.ChoiceField(label=_("时间"), required=False,
                                 choices=[("1", _("即将开始和进行中")), ("0", _("全部（含往期）"))])
    day = forms.DateField(label=_("开始日期"), required=False,
                          error_messages={"invalid": _("日期：请按 2025-05-20 的格式填写。")},
                          widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].widget = forms.Select(attrs={"class": "form-select"})

    def set_region_choices(self, current: Region | None) -> None:
        self.fields["region"].widget.choices = region_choices(current)

    def filters(self) -> dict:
        """The valid filters as selector arguments (an invalid field is left out, and shown)."""
        data = getattr(self, "cleaned_data", {})
        return {
            "region": data.get("region"), "theme": data.get("theme"), "group": data.get("group"),
            "kind": data.get("kind") or "", "query": data.get("q") or "",
            # A chosen day shows the activities starting that day, past or not.
            "day": data.get("day"), "upcoming": data.get("upcoming", "1") != "0",
        }


class CalendarForm(BootstrapMixin, forms.Form):
    """Which month of the calendar, and for which region and theme day."""

    year = forms.IntegerField(label=_("年"), required=False, min_value=2000, max_value=2100,
                              error_messages={"invalid": _("年份：请填写数字。"),
                                              "min_value": _("年份应在 2000 到 2100 之间。"),
                                              "max_value": _("年份应在 2000 到 2100 之间。")})
    month = forms.IntegerField(label=_("月"), required=False, min_value=1, max_value=12,
                               error_messages={"invalid": _("月份：请填写数字。"),
                                               "min_value": _("月份应在 1 到 12 之间。"),
                                               "max_value": _("月份应在 1 到 12 之间。")})
    region = RegionCodeField(label=_("区域"), max_length=20, required=False,
                             error_messages={"max_length": _("区域：区划代码过长。")})
    theme = forms.ModelChoiceField(label=_("主题日"), queryset=ThemeDay.objects.all(), required=False,
                                   empty_label=_("全部主题日"),
                                   error_messages={"invalid_choice": _("主题日：请选择列表中的主题日。")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].widget = forms.Select(attrs={"class": "form-select"})

    def set_region_choices(self, current: Region | None) -> None:
        self.fields["region"].widget.choices = region_choices(current)

    def month_start(self) -> datetime.date:
        """The first day of the month asked for (this month when not given or not valid)."""
        today = timezone.localdate()
        data = getattr(self, "cleaned_data", {})
        return datetime.date(data.get("year") or today.year, data.get("month") or today.month, 1)
