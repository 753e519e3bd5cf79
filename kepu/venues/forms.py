"""Forms of the venue pages: the list filters, a venue, a certification, a year of visitor figures,
a photo and a village science officer.

Forms read and check what was typed (in Chinese, on the field); the services decide and re-check
what the user may do.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kepu.accounts.models import Role, phone_validator
from kepu.accounts.scope import REGION_WRITE_ROLES, scope_of
from kepu.core.forms import (
    DATE_INPUT,
    BootstrapMixin,
    LoadedAtMixin,
    RegionFilterForm,
    UnitChoiceField,
    clean_region_code,
)
from kepu.orgs.selectors import unit_choices_for
from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .models import Certification, Level, Venue, VenueType
from .policies import venue_policy
from .selectors import CERTIFIED_CHOICES

FIRST_YEAR, LAST_YEAR = 1949, 2100
REGION_OPTIONS = 300
MAX_VISITORS = 10_000_000
VENUE_WRITE_ROLES = REGION_WRITE_ROLES | venue_policy.extra_write_roles

# --- the list ---------------------------------------------------------------------------------------


class VenueFilterForm(RegionFilterForm):
    q = forms.CharField(label=_("名称或地址"), required=False, max_length=100)
    region = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    type = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部类型")), *VenueType.choices])
    certified = forms.ChoiceField(label=_("认定级别"), required=False, choices=[("", _("不限认定")), *CERTIFIED_CHOICES])
    year = forms.IntegerField(label=_("年度"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    public = forms.ChoiceField(label=_("向公众开放"), required=False,
                               choices=[("", _("开放与否不限")), ("1", _("向公众开放")), ("0", _("不向公众开放"))])
    in_use = forms.ChoiceField(label=_("使用状态"), required=False,
                               choices=[("", _("使用状态不限")), ("1", _("年末在用")), ("0", _("年末未在用"))])
    coords = forms.ChoiceField(label=_("坐标"), required=False,
                               choices=[("", _("坐标不限")), ("1", _("有坐标")), ("0", _("缺坐标"))])

    @property
    def year_value(self) -> int:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("year") or timezone.localdate().year

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data
        flag = {"1": True, "0": False}
        return {"region": self.region_obj, "type": data["type"], "certified": data["certified"],
                "year": self.year_value, "public": flag.get(data["public"]), "in_use": flag.get(data["in_use"]),
                "has_coordinates": flag.get(data["coords"]), "query": data["q"]}


# --- venues -----------------------------------------------------------------------------------------


def venue_region_roots(user) -> list[str] | None:
    """Where the user may place venues (None: anywhere): the subtrees they administer (or, as a
    village science officer, their village) and, for their own units' venues, the units' regions."""
    scope = scope_of(user)
    if scope.platform_admin:
        return None
    return sorted(set(scope.region_paths(VENUE_WRITE_ROLES)) | set(scope.unit_region_paths({Role.UNIT_LIAISON})))


def region_options(user) -> list[Region]:
    """Regions to suggest in the region field: all of the user's write scope when it is small,
    else the regions above village level (villages are then typed by their code)."""
    roots = venue_region_roots(user)
    qs = Region.objects.all() if roots is None else Region.objects.filter(subtree_q(roots))
    qs = qs.order_by("path").only("code", "name", "level")
    options = list(qs[: REGION_OPTIONS + 1])
    if len(options) > REGION_OPTIONS:
        options = list(qs.exclude(level="village")[:REGION_OPTIONS])
    return options


class VenueForm(LoadedAtMixin, BootstrapMixin, forms.ModelForm):
    region_code = forms.CharField(label=_("所属区划"), max_length=20, widget=forms.TextInput(
        attrs={"list": "region-options", "inputmode": "numeric", "autocomplete": "off"}),
                                  help_text=_("区划代码，如 500118（永川区）、500118001（中山路街道）或 12 位村（社区）代码"))

    class Meta:
        model = Venue
        fields = ["name", "type", "unit", "address", "longitude", "latitude", "opening_hours", "floor_area",
                  "exhibition_area", "capacity", "is_public", "opened_on", "closed_on", "description"]
        field_classes = {"unit": UnitChoiceField}
        widgets = {
            "opened_on": DATE_INPUT, "closed_on": DATE_INPUT,
            "longitude": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", "placeholder": "105.927"}),
            "latitude": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", "placeholder": "29.356"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"longitude": _("十进制度数，东经为正"), "latitude": _("十进制度数，北纬为正")}

    field_order = ["name", "type", "region_code", "unit"]

    def __init__(self, *args, user, default_region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.region: Region | None = None
        self.fields["unit"].queryset = unit_choices_for(user, self.instance.unit_id)
        if self.instance.pk:
            self.initial["region_code"] = self.instance.region.code
            self.add_loaded_at()
        elif default_region is not None:
            self.initial["region_code"] = default_region.code

    def clean_region_code(self) -> str:
        return clean_region_code(self, venue_region_roots(self.user))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写名称。"))
        return name

    def clean(self):
        data = super().clean()
        scope = scope_of(self.user)
        unit = data.get("unit")
        if self.region is not None and not scope.covers_path(self.region.path, VENUE_WRITE_ROLES) and (
                unit is None or unit.pk not in scope.unit_ids({Role.UNIT_LIAISON})):
            self.add_error("unit", _("该区划不在您的管理范围内：您只能登记本单位运营的阵地，请选择您负责的单位。"))
        name, type_ = data.get("name"), data.get("type")
        if self.region is not None and name and type_ and Venue.objects.filter(
                region=self.region, type=type_, name=name).exclude(pk=self.instance.pk).exists():
            self.add_error("name", _("该区划已有同名的同类阵地。"))
        return data

    def service_fields(self) -> dict:
        """What services.venue_create and venue_update take."""
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        data["region"] = self.region
        if self.instance.pk:
            data["unchanged_since"] = self.cleaned_data.get("loaded_at")
        return data


class CertificationForm(LoadedAtMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["level", "title", "body", "year", "valid_until", "review_on", "document_number", "revoked_on"]
        widgets = {"valid_until": DATE_INPUT, "review_on": DATE_INPUT, "revoked_on": DATE_INPUT,
                   "year": forms.NumberInput(attrs={"inputmode": "numeric"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.add_loaded_at()
        else:
            del self.fields["revoked_on"]
            self.initial.setdefault("year", timezone.localdate().year)

    def _post_clean(self):
        # The model's own checks compare against the year: without a valid one, its error comes first.
        if self.cleaned_data.get("year") is None:
            return
        super()._post_clean()
        level, year = self.cleaned_data.get("level"), self.cleaned_data.get("year")
        if level and year and Certification.objects.filter(venue=self.instance.venue, level=level, year=year) \
                .exclude(pk=self.instance.pk).exists():
            self.add_error("year", _("该阵地已有 %(year)d 年的%(level)s认定。") % {"year": year, "level": Level(level).label})

    def clean(self):
        data = super().clean()
        year, valid_until, review_on = data.get("year"), data.get("valid_until"), data.get("review_on")
        if review_on and year and review_on.year < year:
            self.add_error("review_on", _("复评日期不能早于认定年度。"))
        if valid_until and review_on and review_on > valid_until:
            self.add_error("review_on", _("复评日期不能晚于有效期。"))
        return data

    def service_fields(self) -> dict:
        """What services.certification_create and certification_update take. An edit passes only
        the changed fields: the service starts the expiry reminders afresh when it is given a
        validity, which must not happen when someone corrects the document number."""
        names = [name for name in self.fields if name in self._meta.fields]
        if not self.instance.pk:
            return {name: self.cleaned_data[name] for name in names}
        data = {name: self.cleaned_data[name] for name in names if name in self.changed_data}
        if {"valid_until", "review_on"} & set(data):
            data["reminded_days"] = None  # a new date is reminded at every threshold again
        data["unchanged_since"] = self.cleaned_data.get("loaded_at")
        return data


# --- visitors, photos -------------------------------------------------------------------------------


class VisitorsForm(BootstrapMixin, forms.Form):
    """A year of monthly visitor figures; a blank month keeps what is stored."""

    year = forms.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, widget=forms.HiddenInput)

    def __init__(self, *args, existing: dict[int, int], **kwargs):
        self.existing = existing
        super().__init__(*args, **kwargs)
        year, today = self.initial.get("year"), timezone.localdate()
        for month in range(1, 13):
            if year is not None and (year, month) > (today.year, today.month):
                # The browser leaves months to come out; clean() refuses them if sent anyway.
                self.fields[self.month_field(month)].widget.attrs["disabled"] = True

    @classmethod
    def month_field(cls, month: int) -> str:
        return f"m{month}"

    def months(self):
        return [self[self.month_field(m)] for m in range(1, 13)]

    def clean(self):
        data = super().clean()
        year = data.get("year")
        today = timezone.localdate()
        for month in range(1, 13):
            value = data.get(self.month_field(month))
            if value is not None and year is not None and (year, month) > (today.year, today.month):
                self.add_error(self.month_field(month), _("%(year)d 年 %(month)d 月尚未到来，不能填写接待人次。")
                               % {"year": year, "month": month})
        return data

    def changed_months(self) -> list[tuple[int, int]]:
        """(month, visitors) typed and different from what is stored."""
        out = []
        for month in range(1, 13):
            value = self.cleaned_data.get(self.month_field(month))
            if value is not None and value != self.existing.get(month):
                out.append((month, value))
        return out


for _month in range(1, 13):
    VisitorsForm.base_fields[VisitorsForm.month_field(_month)] = forms.IntegerField(
        label=_("%(month)d 月") % {"month": _month}, required=False, min_value=0, max_value=MAX_VISITORS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}))
del _month


class PhotoForm(BootstrapMixin, forms.Form):
    photo = forms.FileField(label=_("照片"), widget=forms.ClearableFileInput(
        attrs={"accept": "image/png,image/jpeg,image/webp"}), help_text=_("PNG、JPG 或 WebP 格式，不超过 20 MB"))
    description = forms.CharField(label=_("说明"), max_length=200, required=False)


# --- village science officers -----------------------------------------------------------------------


class OfficerForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号码"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写姓名。"))
        return name

    def clean_phone(self) -> str:
        phone = "".join(self.cleaned_data["phone"].split())
        try:
            phone_validator(phone)
        except forms.ValidationError:
            raise forms.ValidationError(_("请输入 11 位中国大陆手机号码。")) from None
        return phone
