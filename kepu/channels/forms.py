"""Forms of the channels staff pages: list filters, outlets and columns, issues, new-media accounts and
their yearly figures, and one region's 科普中国 figures.

Forms read and check what was typed; the services decide (and re-check) what is allowed.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import (
    DATE_INPUT,
    BootstrapMixin,
    LoadedAtMixin,
    MultipleFileField,
    UnitChoiceField,
    visible_region,
)
from kepu.core.forms import FilterForm as BaseFilterForm
from kepu.orgs.models import Unit
from kepu.orgs.selectors import unit_choices_for
from kepu.regions.models import Region

from .models import (
    AccountYear,
    Column,
    ColumnIssue,
    FigureSource,
    Frequency,
    InfoOfficerFigure,
    OutletKind,
    Platform,
)
from .policies import column_policy

FIRST_YEAR, LAST_YEAR = 2000, 2100
REGION_HELP = _("区划代码，如 500118（永川区）或 500118001（中山路街道）")
COUNT_MAX = 2_000_000_000


def _count_field(label, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=COUNT_MAX, **kwargs)


def _year_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(label=_("年度"), min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)


class ColumnChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Column) -> str:
        return f"{obj.outlet.name}《{obj.name}》"


# --- list filters -----------------------------------------------------------------------------------


class FilterForm(BaseFilterForm):
    """Region and year of a list, read from the query string: bad values become errors in words."""

    region = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    year = _year_field(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.region_obj: Region | None = None

    def clean_region(self) -> str:
        code = self.cleaned_data["region"].strip()
        if code:
            self.region_obj = visible_region(self.user, code)
            if self.region_obj is None:
                raise forms.ValidationError(_("区划代码“%(code)s”不存在，或不在您的工作范围内。"), params={"code": code})
        return code

    def clean_year(self) -> int:
        return self.cleaned_data["year"] or timezone.localdate().year


class OutletFilterForm(FilterForm):
    q = forms.CharField(label=_("媒体或栏目名称"), required=False, max_length=100)


class IssueFilterForm(FilterForm):
    column = forms.IntegerField(label=_("栏目"), required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.column_obj: Column | None = None

    def clean_column(self):
        pk = self.cleaned_data["column"]
        if pk is not None:
            self.column_obj = column_policy.visible_to(self.user).select_related("outlet__region").filter(pk=pk).first()
            if self.column_obj is None:
                raise forms.ValidationError(_("栏目不存在，或不在您的工作范围内。"))
        return pk


class AccountFilterForm(FilterForm):
    platform = forms.ChoiceField(label=_("平台"), required=False, choices=[("", _("全部平台")), *Platform.choices])
    q = forms.CharField(label=_("账号名称"), required=False, max_length=100)


# --- outlets and columns ----------------------------------------------------------------------------


class _PlacedForm(LoadedAtMixin, BootstrapMixin, forms.Form):
    """A record kept by a region and perhaps a unit: the region by its code, the unit among those seen."""

    region_code = forms.CharField(label=_("所属区划"), max_length=20, help_text=REGION_HELP)

    def __init__(self, *args, user, instance=None, default_region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance
        self.region: Region | None = None
        self.fields["unit"].queryset = unit_choices_for(user, instance.unit_id if instance else None)
        if instance is not None:
            for name in self.copied:
                self.initial[name] = getattr(instance, name)
            self.initial["region_code"] = instance.region.code
            self.add_loaded_at()
        elif default_region is not None:
            self.initial["region_code"] = default_region.code

    def clean_region_code(self) -> str:
        code = self.cleaned_data["region_code"].strip()
        self.region = visible_region(self.user, code)
        if self.region is None and self.instance is not None and code == self.instance.region.code:
            self.region = self.instance.region
        if self.region is None:
            raise forms.ValidationError(_("区划代码“%(code)s”不存在，或不在您的工作范围内。"), params={"code": code})
        return code

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.copied}
        data["region"] = self.region
        if self.instance is not None:
            data["unchanged_since"] = self.cleaned_data.get("loaded_at")
        return data


class OutletForm(_PlacedForm):
    copied = ("name", "kind", "unit")

    name = forms.CharField(label=_("媒体名称"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=[("", "---------"), *OutletKind.choices])
    unit = UnitChoiceField(label=_("主办单位"), queryset=Unit.objects.none(), required=False)
    field_order = ("name", "kind", "region_code", "unit")



class ColumnForm(LoadedAtMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Column
        fields = ("name", "frequency", "started_on", "ended_on", "description")
        widgets = {"started_on": DATE_INPUT, "ended_on": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frequency"].choices = Frequency.choices
        if self.instance.pk:
            self.add_loaded_at()


    def clean(self):
        data = super().clean()
        started, ended = data.get("started_on"), data.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", _("停办日期不能早于开设日期。"))
        return data

    def validate_unique(self):
        """The service checks uniqueness (and says so in words); the outlet is not on the form."""

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if self.instance.pk:
            data["unchanged_since"] = self.cleaned_data.get("loaded_at")
        return data


# --- issues -----------------------------------------------------------------------------------------


class IssueForm(LoadedAtMixin, BootstrapMixin, forms.Form):
    column = ColumnChoiceField(label=_("栏目"), queryset=Column.objects.none())
    date = forms.DateField(label=_("刊播日期"), widget=DATE_INPUT)
    title = forms.CharField(label=_("标题"), max_length=200)
    url = forms.URLField(label=_("链接"), max_length=500, required=False, assume_scheme="https",
                         help_text=_("网页或视频地址，可不填"))
    files = MultipleFileField(label=_("材料（版面、截图、视频截图等）"), required=False,
                              help_text=_("可选多个文件：PNG、JPG、WebP、PDF、Word、Excel、PowerPoint，每个不超过 20 MB"))

    def __init__(self, *args, user, instance: ColumnIssue | None = None, column: Column | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            # The column of an issue is fixed; files are added on the issue's page.
            del self.fields["column"], self.fields["files"]
            for name in ("date", "title", "url"):
                self.initial[name] = getattr(instance, name)
            self.add_loaded_at()
        else:
            self.fields["column"].queryset = column_policy.visible_to(user).select_related("outlet").order_by(
                "outlet__region_path", "outlet__name", "name")
            if column is not None:
                self.initial["column"] = column.pk
            self.initial.setdefault("date", timezone.localdate())


    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in ("date", "title", "url")}
        if self.instance is not None:
            data["unchanged_since"] = self.cleaned_data.get("loaded_at")
        return data


class IssueFilesForm(BootstrapMixin, forms.Form):
    files = MultipleFileField(label=_("添加材料"), help_text=IssueForm.base_fields["files"].help_text,
                              error_messages={"required": _("请选择要上传的文件。")})
    description = forms.CharField(label=_("说明"), max_length=200, required=False)


# --- new-media accounts -----------------------------------------------------------------------------


class AccountForm(_PlacedForm):
    copied = ("platform", "name", "account_id", "unit")

    platform = forms.ChoiceField(label=_("平台"), choices=[("", "---------"), *Platform.choices])
    name = forms.CharField(label=_("账号名称"), max_length=200)
    account_id = forms.CharField(label=_("账号 ID"), max_length=100, required=False,
                                 help_text=_("如微信公众号的微信号，可不填"))
    unit = UnitChoiceField(label=_("运营单位"), queryset=Unit.objects.none(), required=False)
    field_order = ("platform", "name", "account_id", "region_code", "unit")


    def clean_account_id(self) -> str:
        return self.cleaned_data["account_id"].strip()


class AccountYearForm(BootstrapMixin, forms.Form):
    year = _year_field()
    followers = _count_field(AccountYear._meta.get_field("followers").verbose_name)
    posts = _count_field(AccountYear._meta.get_field("posts").verbose_name)
    reads = _count_field(AccountYear._meta.get_field("reads").verbose_name)


# --- 科普中国 information officers ------------------------------------------------------------------


class InfoOfficerForm(LoadedAtMixin, BootstrapMixin, forms.Form):
    """One region's figures for one year (the region and year are in the page's address)."""

    registered = _count_field(InfoOfficerFigure._meta.get_field("registered").verbose_name,
                              help_text=_("“科普中国”平台统计的注册信息员人数"))
    active = _count_field(InfoOfficerFigure._meta.get_field("active").verbose_name,
                          help_text=_("年内有过活跃记录的信息员人数"))
    shares = _count_field(InfoOfficerFigure._meta.get_field("shares").verbose_name, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, instance: InfoOfficerFigure | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance or InfoOfficerFigure()
        if instance is not None:
            for name in ("registered", "active", "shares", "note"):
                self.initial[name] = getattr(instance, name)
            self.add_loaded_at()

    def clean_shares(self) -> int:
        return self.cleaned_data["shares"] or 0

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in ("registered", "active", "shares", "note")}
        data["source"] = FigureSource.ENTERED
        data["unchanged_since"] = self.cleaned_data.get("loaded_at")
        return data

