"""Forms of the 你点我送 request pages and of the activity-staff (duty) pages."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kepu.activities.models import TargetGroup
from kepu.core.forms import BootstrapMixin, UnitChoiceField, visible_region
from kepu.orgs.models import Unit
from kepu.orgs.policies import unit_policy
from kepu.regions.models import Region

from .models import Membership, RequestStatus, Team, Volunteer

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATETIME_FORMATS = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def datetime_field(label, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=DATETIME_FORMATS,
        error_messages={"invalid": format_lazy(_("{label}格式不对，应为“年-月-日 时:分”。"), label=label)},
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )


def date_field(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required,
        error_messages={"invalid": format_lazy(_("{label}格式不对，应为“年-月-日”。"), label=label)},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def hours_field(label, *, required: bool = True) -> forms.DecimalField:
    """Service hours: a number of half hours or tenths, more than 0 and at most 24."""
    return forms.DecimalField(
        label=label, required=required, min_value=Decimal("0.1"), max_value=Decimal(24), decimal_places=1,
        error_messages={
            "invalid": format_lazy(_("{label}应为数字，如 2 或 1.5。"), label=label),
            "min_value": format_lazy(_("{label}应大于 0。"), label=label),
            "max_value": format_lazy(_("{label}不能超过 24 小时。"), label=label),
            "max_decimal_places": format_lazy(_("{label}最多保留 1 位小数。"), label=label),
            "required": format_lazy(_("请填写{label}。"), label=label),
        },
    )


class NamedErrorsMixin:
    """A missing value is reported with the field's name ("请填写联系人。"), not Django's generic text,
    and every field with an error is marked invalid, whoever found the error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name_required_errors()

    def add_error(self, field, error):
        # Errors that services report after validation mark their field too (BootstrapMixin marks
        # only those found during full_clean).
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", "").split():
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                    attrs["aria-invalid"] = "true"

    def name_required_errors(self) -> None:
        for field in self.fields.values():
            if field.error_messages.get("required") != forms.Field.default_error_messages["required"]:
                continue  # a message of its own
            choose = isinstance(field.widget, forms.Select | forms.RadioSelect | forms.CheckboxSelectMultiple)
            field.error_messages["required"] = format_lazy(_("请选择{label}。") if choose else _("请填写{label}。"),
                                                           label=field.label)


# --- requests --------------------------------------------------------------------------------------


class RequestFilterForm(forms.Form):
    """The list's filters: status, a region code (with everything below it), only mine."""

    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *RequestStatus.choices])
    region = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    mine = forms.BooleanField(label=_("仅与我相关"), required=False)

    def clean_region(self) -> str:
        code = self.cleaned_data["region"].strip()
        self.region_obj = None
        if code:
            self.region_obj = Region.objects.filter(code=code).first()
            if self.region_obj is None:
                raise forms.ValidationError(_("区划代码“%(code)s”不存在。"), params={"code": code})
        return code

    def error_list(self) -> list[str]:
        return [f"{self.fields[name].label}：{error}" for name, errors in self.errors.items() for error in errors]


class RequestForm(NamedErrorsMixin, BootstrapMixin, forms.Form):
    """Post a need: the region by its code, the requesting unit among the units the user sees."""

    topic = forms.CharField(label=_("需求主题"), max_length=200)
    description = forms.CharField(label=_("需求说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    audience = forms.CharField(label=_("服务对象"), max_length=100, help_text=_("如：社区老年人、小学四年级学生"))
    target_group = forms.ModelChoiceField(label=_("目标人群"), queryset=TargetGroup.objects.all(), required=False)
    requester_unit = UnitChoiceField(label=_("需求单位"), queryset=Unit.objects.none(), required=False,
                                     help_text=_("以单位名义发布时选择"))
    requester_name = forms.CharField(label=_("需求方"), max_length=100, help_text=_("如：中山路街道某社区"))
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, help_text=_("11 位手机号码"))
    region_code = forms.CharField(label=_("服务区域"), max_length=20,
                                  help_text=_("区划代码，如 500118（永川区）或 500118001（中山路街道）"))
    place = forms.CharField(label=_("服务地点"), max_length=200)
    window_start = date_field(_("期望开始日期"))
    window_end = date_field(_("期望结束日期"))
    expected_size = forms.IntegerField(label=_("预计人数"), min_value=1, max_value=1_000_000, error_messages={
        "invalid": _("预计人数应为整数。"), "min_value": _("预计人数应大于 0。"),
        "max_value": _("预计人数不能超过 1,000,000。")})

    def __init__(self, *args, user, default_region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.region = None
        self.fields["requester_unit"].queryset = unit_policy.visible_to(user).select_related("region").order_by(
            "region__path", "name")
        if default_region is not None:
            self.initial.setdefault("region_code", default_region.code)

    def clean_region_code(self) -> str:
        code = self.cleaned_data["region_code"].strip()
        self.region = visible_region(self.user, code)
        if self.region is None:
            raise forms.ValidationError(_("区划代码“%(code)s”不存在，或不在您的工作范围内。"), params={"code": code})
        return code

    def clean(self):
        data = super().clean()
        start, end = data.get("window_start"), data.get("window_end")
        if start and end and end < start:
            self.add_error("window_end", _("期望结束日期不能早于开始日期。"))
        return data

    def service_fields(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "region_code"}
        data["region"] = self.region
        return data


class ClaimForm(NamedErrorsMixin, BootstrapMixin, forms.Form):
    team = forms.ModelChoiceField(label=_("认领服务队"), queryset=Team.objects.none(), error_messages={
        "required": _("请选择认领的服务队。"), "invalid_choice": _("所选服务队不能认领该需求。")})

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(pk__in=[t.pk for t in teams]).order_by("region_path",
                                                                                                 "name")


class ReasonForm(NamedErrorsMixin, BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, error_messages={"required": _("请填写原因。")})

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请填写原因。"))
        return reason


class ScheduleForm(NamedErrorsMixin, BootstrapMixin, forms.Form):
    """Fix the date of a claimed need: a published 科技志愿服务活动 is created."""

    title = forms.CharField(label=_("活动名称"), max_length=200, required=False, help_text=_("不填则用需求主题"))
    start = datetime_field(_("开始时间"))
    end = datetime_field(_("结束时间"))
    venue = forms.CharField(label=_("活动地点"), max_length=200, required=False, help_text=_("不填则用需求的服务地点"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("结束时间不能早于开始时间。"))
        return data


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Volunteer) -> str:
        return f"{obj.name}（{obj.number}）"


class FulfilForm(NamedErrorsMixin, BootstrapMixin, forms.Form):
    """Report a need as met: which members served and for how long, how many people were served.

    One hours field per member of the claiming team (`hours_<volunteer id>`); a member counts
    when ticked. When no activity was scheduled, the time of the service is asked for too.
    """

    volunteers = MemberChoiceField(
        label=_("参加服务的队员"), queryset=Volunteer.objects.none(), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一名参加服务的队员。"),
                        "invalid_choice": _("所选志愿者不是本队成员。"),
                        "invalid_pk_value": _("所选志愿者不是本队成员。")})
    served_people = forms.IntegerField(label=_("服务人数"), min_value=0, max_value=1_000_000, error_messages={
        "required": _("请填写服务人数。"), "invalid": _("服务人数应为整数。"), "min_value": _("服务人数不能为负数。"),
        "max_value": _("服务人数不能超过 1,000,000。")})
    content = forms.CharField(label=_("服务内容"), max_length=500, required=False, help_text=_("不填则用需求主题"))
    start = datetime_field(_("开始时间"), required=False)
    end = datetime_field(_("结束时间"), required=False)

    def __init__(self, *args, service_request, **kwargs):
        super().__init__(*args, **kwargs)
        self.service_request = service_request
        members = Volunteer.objects.filter(
            pk__in=Membership.objects.filter(team=service_request.team).values("volunteer_id")
        ).order_by("name", "pk")
        self.members = list(members)
        self.fields["volunteers"].queryset = members
        self.fields["volunteers"].widget.attrs["class"] = "form-check-input"
        self.needs_time = service_request.activity_id is None
        if not self.needs_time:
            del self.fields["start"], self.fields["end"]
        for volunteer in self.members:
            self.fields[f"hours_{volunteer.pk}"] = hours_field(
                _("%(name)s 的服务时长") % {"name": volunteer.name}, required=False)
            self.fields[f"hours_{volunteer.pk}"].widget.attrs.update(
                {"class": "form-control", "inputmode": "decimal", "placeholder": _("小时")})

    def rows(self):
        """(volunteer, checkbox, hours field) per member, for the template."""
        boxes = {str(choice.data["value"]): choice for choice in self["volunteers"]}
        return [(v, boxes.get(str(v.pk)), self[f"hours_{v.pk}"]) for v in self.members]

    def clean(self):
        data = super().clean()
        for volunteer in data.get("volunteers") or []:
            name = f"hours_{volunteer.pk}"
            if name in self.errors:
                continue
            if data.get(name) is None:
                self.add_error(name, _("请填写 %(name)s 的服务时长。") % {"name": volunteer.name})
        if self.needs_time:
            start, end = data.get("start"), data.get("end")
            for name in ("start", "end"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("该需求尚未安排活动，请填写服务开展的%(label)s。")
                                   % {"label": self.fields[name].label})
            if start and end and end < start:
                self.add_error("end", _("结束时间不能早于开始时间。"))
        return data

    def hours(self) -> dict[Volunteer, Decimal]:
        return {v: self.cleaned_data[f"hours_{v.pk}"] for v in self.cleaned_data["volunteers"]}


# --- duties ------------------------------------------------------------------------------------------


class DutyAddForm(NamedErrorsMixin, BootstrapMixin, forms.Form):
    """Put a member of a team the user manages on an activity's staff (by number or by name)."""

    team = forms.ModelChoiceField(label=_("服务队"), queryset=Team.objects.none(), error_messages={
        "required": _("请选择服务队。"), "invalid_choice": _("所选服务队不在您的管理范围内。")})
    volunteer = forms.CharField(label=_("志愿者"), max_length=50, help_text=_("志愿者编号或姓名"),
                                error_messages={"required": _("请填写志愿者编号或姓名。")})
    task = forms.CharField(label=_("岗位"), max_length=100, required=False, help_text=_("如：讲解、引导、签到"))

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean(self):
        data = super().clean()
        team, query = data.get("team"), (data.get("volunteer") or "").strip()
        if team is None or not query:
            return data
        members = Volunteer.objects.filter(memberships__team=team).filter(Q(number=query) | Q(name=query))
        found = list(members[:2])
        if not found:
            self.add_error("volunteer", _("“%(q)s”不是“%(team)s”的成员。") % {"q": query, "team": team.name})
        elif len(found) > 1:
            self.add_error("volunteer", _("“%(team)s”有多名队员叫“%(q)s”，请填写志愿者编号。")
                           % {"q": query, "team": team.name})
        else:
            data["volunteer_obj"] = found[0]
        return data
