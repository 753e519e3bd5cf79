"""Forms of the volunteer's own pages (sign up, ask for hours) and of certificates."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import BootstrapMixin
from kepu.regions.models import Level, Region

from .models import Education, Gender, Team
from .request_forms import NamedErrorsMixin, date_field, hours_field


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.name


class SignupForm(NamedErrorsMixin, BootstrapMixin, forms.Form):
    """A citizen registers as a 科技志愿者 online (real name, as the volunteer-service rules require)."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", "---------"), *Gender.choices])
    birth_date = date_field(_("出生日期"))
    # Spaces between digit groups are allowed (and dropped); the service checks the number itself.
    id_number = forms.CharField(label=_("身份证号码"), max_length=24,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
                                error_messages={"max_length": _("身份证号码应为 18 位。")},
                                help_text=_("仅用于实名登记，加密保存，页面上只显示部分号码"))
    phone = forms.CharField(label=_("手机号码"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    district = RegionChoiceField(label=_("所在区县"), queryset=Region.objects.none(),
                                 error_messages={"invalid_choice": _("请选择所在区县。")})
    town_code = forms.CharField(label=_("乡镇（街道）区划代码"), max_length=20, required=False,
                                help_text=_("可不填，如 500118001（中山路街道）"))
    skills = forms.CharField(label=_("专业特长"), max_length=200, required=False,
                             help_text=_("如：医疗卫生、农业技术、应急救护"))
    education = forms.ChoiceField(label=_("学历"), required=False, choices=[("", "---------"), *Education.choices])
    guardian_name = forms.CharField(label=_("监护人姓名"), max_length=50, required=False)
    guardian_phone = forms.CharField(label=_("监护人电话"), max_length=20, required=False,
                                     widget=forms.TextInput(attrs={"inputmode": "tel"}))
    guardian_consent = forms.BooleanField(label=_("监护人同意我参加志愿服务"), required=False)
    agree = forms.BooleanField(label=_("我自愿注册为科技志愿者，所填信息真实"), error_messages={
        "required": _("请确认自愿注册并保证信息真实。")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = Region.objects.filter(level=Level.DISTRICT).order_by("code")
        if user.phone:
            self.initial.setdefault("phone", user.phone)
        if user.display_name and not self.initial.get("name"):
            self.initial["name"] = user.display_name if user.display_name != user.username else ""

    def clean_id_number(self) -> str:
        return "".join(self.cleaned_data["id_number"].split()).upper()

    def clean(self):
        data = super().clean()
        district, code = data.get("district"), (data.get("town_code") or "").strip()
        self.region = district
        if district is not None and code:
            town = Region.objects.filter(code=code).first()
            if town is None or not town.path.startswith(district.path):
                self.add_error("town_code", _("区划代码“%(code)s”不存在，或不在%(district)s。")
                               % {"code": code, "district": district.name})
            else:
                self.region = town
        return data

    def service_fields(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("district", "town_code", "agree")}
        data["region"] = self.region
        return data


class HoursClaimForm(NamedErrorsMixin, BootstrapMixin, forms.Form):
    """A volunteer asks for hours served with one of their teams; a leader approves or rejects."""

    team = forms.ModelChoiceField(label=_("服务队"), queryset=Team.objects.none(), error_messages={
        "required": _("请选择服务队。"), "invalid_choice": _("您不是所选服务队的成员。")})
    date = date_field(_("服务日期"))
    hours = hours_field(_("服务时长（小时）"))
    content = forms.CharField(label=_("服务内容"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    place = forms.CharField(label=_("服务地点"), max_length=200, required=False)
    served_people = forms.IntegerField(label=_("服务人数"), min_value=0, max_value=1_000_000, required=False,
                                       error_messages={"invalid": _("服务人数应为整数。"),
                                                       "min_value": _("服务人数不能为负数。"),
                                                       "max_value": _("服务人数不能超过 1,000,000。")})

    def __init__(self, *args, volunteer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(memberships__volunteer=volunteer,
                                                           dissolved_on__isnull=True).order_by("name")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["served_people"] = data["served_people"] or 0
        return data


class CertificateForm(NamedErrorsMixin, BootstrapMixin, forms.Form):
    """Issue a certificate of service hours: who issues it, and the period (all time when no start)."""

    issuer_name = forms.CharField(label=_("出具单位"), max_length=100)
    period_start = date_field(_("起始日期"), required=False)
    period_end = date_field(_("截止日期"), required=False)

    def __init__(self, *args, issuers: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.issuers = issuers
        if issuers is not None:
            # A volunteer issuing for themself picks one of the organizations they serve with.
            self.fields["issuer_name"] = forms.ChoiceField(
                label=_("出具单位"), choices=[(name, name) for name in issuers],
                error_messages={"invalid_choice": _("请选择您所在服务队的依托单位或所在区县科协。")})
            self.fields["issuer_name"].widget.attrs["class"] = "form-select"
        self.fields["period_start"].help_text = _("不填则自注册之日起")
        self.fields["period_end"].help_text = _("不填则截至今天")
        self.name_required_errors()

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_start", _("起始日期不能晚于截止日期。"))
        return data
