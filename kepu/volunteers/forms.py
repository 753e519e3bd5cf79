"""Forms of the volunteer staff pages: filters, volunteers, teams, members and service records.

Forms read and check what was typed; the services decide (and re-check) what is allowed. Full ID
and phone numbers are never put back into a form: on edit those fields start empty and a blank
value keeps the stored number.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kepu.accounts.models import Role
from kepu.accounts.scope import STAFF_ROLES, scope_of
from kepu.core.forms import (
    DATE_INPUT,
    BootstrapMixin,
    LoadedAtMixin,
    RegionFilterForm,
    UnitChoiceField,
    clean_region_code,
)
from kepu.orgs.models import Unit
from kepu.orgs.policies import unit_policy
from kepu.regions.models import Region

from . import services
from .models import (
    Education,
    Gender,
    Membership,
    Quality,
    RecordSource,
    RecordStatus,
    ServiceRecord,
    Team,
    Volunteer,
)
from .policies import managed_team_ids, team_policy

FIRST_YEAR, LAST_YEAR = 2000, 2100


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name}（{obj.region.name}）"


class TeamMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name}（{obj.region.name}）"


def volunteer_region_roots(user) -> list[str] | None:
    """Where the user may place volunteers: their region subtrees, their units' regions and the
    regions of the teams they manage (None: anywhere, for platform admins)."""
    scope = scope_of(user)
    if scope.platform_admin:
        return None
    roots = set(scope.region_paths(STAFF_ROLES)) | set(scope.unit_region_paths(STAFF_ROLES))
    roots |= set(Team.objects.filter(pk__in=managed_team_ids(user)).values_list("region_path", flat=True))
    return sorted(roots)


def team_region_roots(user) -> list[str] | None:
    scope = scope_of(user)
    if scope.platform_admin:
        return None
    return sorted(set(scope.region_paths(STAFF_ROLES)) | set(scope.unit_region_paths({Role.UNIT_LIAISON})))


def managed_teams(user):
    return Team.objects.filter(pk__in=managed_team_ids(user), dissolved_on__isnull=True) \
        .select_related("region").order_by("region_path", "name")


class FilterForm(RegionFilterForm):
    """Filters read from the query string, with the team among those the user sees."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.team_obj: Team | None = None

    def clean_team(self):
        pk = self.cleaned_data["team"]
        if pk is not None:
            self.team_obj = team_policy.visible_to(self.user).filter(pk=pk).first()
            if self.team_obj is None:
                raise forms.ValidationError(_("服务队不存在，或不在您的管理范围内。"))
        return pk


def _star_choices():
    return [("", _("全部星级")), *((str(n), _("%(n)d 星") % {"n": n} if n else _("未评星"))
                                  for n in range(len(settings.KEPU_VOLUNTEER_STAR_HOURS) + 1))]


class VolunteerFilterForm(FilterForm):
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)
    # A full ID or phone number searched for travels as its keyed hash (see views.roster).
    idh = forms.CharField(label=_("身份证号码"), required=False, widget=forms.HiddenInput,
                          validators=[RegexValidator(r"^[0-9a-f]{64}$", _("号码查询参数无效。"))])
    telh = forms.CharField(label=_("手机号码"), required=False, widget=forms.HiddenInput,
                           validators=[RegexValidator(r"^[0-9a-f]{64}$", _("号码查询参数无效。"))])
    region = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    team = forms.IntegerField(label=_("服务队"), required=False)
    stars = forms.TypedChoiceField(label=_("星级"), required=False, coerce=int, empty_value=None, choices=())
    as_of = forms.DateField(label=_("注册截至"), required=False, widget=DATE_INPUT)
    active_year = forms.IntegerField(label=_("活跃年度"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), ("active", _("在册")), ("left", _("已注销"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stars"].choices = _star_choices()

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"region": self.region_obj, "team": self.team_obj, "stars": data["stars"], "as_of": data["as_of"],
                "active_year": data["active_year"], "status": data["status"], "query": data["q"],
                "id_hash": data["idh"], "phone_hash": data["telh"]}


class TeamFilterForm(FilterForm):
    q = forms.CharField(label=_("队名"), required=False, max_length=100)
    region = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    as_of = forms.DateField(label=_("存续截至"), required=False, widget=DATE_INPUT)
    dissolved = forms.ChoiceField(label=_("状态"), required=False,
                                  choices=[("", _("全部")), ("no", _("存续")), ("yes", _("已解散"))])

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"region": self.region_obj, "as_of": data["as_of"], "query": data["q"],
                "dissolved": {"yes": True, "no": False}.get(data["dissolved"])}


class RecordFilterForm(FilterForm):
    region = forms.CharField(label=_("区划代码"), required=False, max_length=20)
    year = forms.IntegerField(label=_("年度"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *RecordStatus.choices])
    team = forms.IntegerField(label=_("服务队"), required=False)
    volunteer = forms.IntegerField(label=_("志愿者"), required=False, widget=forms.HiddenInput)
    source = forms.ChoiceField(label=_("来源"), required=False, choices=[("", _("全部来源")), *RecordSource.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.volunteer_obj: Volunteer | None = None

    def clean_volunteer(self):
        from .policies import volunteer_policy

        pk = self.cleaned_data["volunteer"]
        if pk is not None:
            self.volunteer_obj = volunteer_policy.visible_to(self.user).filter(pk=pk).first()
            if self.volunteer_obj is None:
                raise forms.ValidationError(_("志愿者不存在，或不在您的管理范围内。"))
        return pk

    def selector_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"region": self.region_obj, "year": data["year"], "status": data["status"], "team": self.team_obj,
                "volunteer": self.volunteer_obj, "source": data["source"]}


# --- volunteers ---------------------------------------------------------------------------------------


class VolunteerForm(LoadedAtMixin, BootstrapMixin, forms.Form):
    """Register or edit a volunteer; the service checks the ID against the birth date and gender."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    gender = forms.ChoiceField(label=_("性别"), choices=[("", "---------"), *Gender.choices])
    birth_date = forms.DateField(label=_("出生日期"), widget=DATE_INPUT)
    id_number = forms.CharField(label=_("身份证号码"), max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=_("手机号码"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    region_code = forms.CharField(label=_("所在区域"), max_length=20,
                                  help_text=_("区划代码，如 500118（永川区）或 500118001（中山路街道）"))
    unit = UnitChoiceField(label=_("所在单位"), queryset=Unit.objects.none(), required=False)
    skills = forms.CharField(label=_("专业特长"), max_length=200, required=False)
    education = forms.ChoiceField(label=_("学历"), required=False, choices=[("", "---------"), *Education.choices])
    guardian_name = forms.CharField(label=_("监护人姓名"), max_length=50, required=False)
    guardian_phone = forms.CharField(label=_("监护人电话"), max_length=20, required=False,
                                     widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    guardian_consent = forms.BooleanField(label=_("监护人已同意"), required=False)
    teams = TeamMultipleChoiceField(label=_("加入服务队"), queryset=Team.objects.none(), required=False,
                                    widget=forms.SelectMultiple(attrs={"size": 5}))

    def __init__(self, *args, user, instance: Volunteer | None = None, default_region: Region | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance or Volunteer()
        self.region: Region | None = None
        visible_units = unit_policy.visible_to(user).values("pk")
        where = Q(pk__in=visible_units)
        if instance is not None and instance.unit_id:
            where |= Q(pk=instance.unit_id)
        self.fields["unit"].queryset = Unit.objects.filter(where).select_related("region").order_by(
            "region__path", "name")
        if instance is None:
            self.fields["teams"].queryset = managed_teams(user)
            if default_region is not None:
                self.initial["region_code"] = default_region.code
        else:
            del self.fields["teams"]
            for name in ("name", "gender", "birth_date", "skills", "education", "unit", "guardian_name"):
                self.initial[name] = getattr(instance, name)
            self.initial["region_code"] = instance.region.code
            self.initial["guardian_consent"] = instance.guardian_consent_on is not None
            # The full numbers stay out of the page: blank keeps what is stored.
            for name, masked in (("id_number", instance.id_masked), ("phone", instance.phone_masked),
                                 ("guardian_phone", instance.guardian_phone_masked)):
                self.fields[name].required = False
                self.fields[name].help_text = (_("当前为 %(masked)s；不修改请留空") % {"masked": masked}) if masked \
                    else _("不修改请留空")
            self.add_loaded_at()

    def clean_region_code(self) -> str:
        return clean_region_code(self, volunteer_region_roots(self.user))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写姓名。"))
        return name

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and self.region is not None:
            # Someone who only manages teams would lose sight of a volunteer in none of them.
            scope = scope_of(self.user)
            unit = data.get("unit")
            sees = scope.platform_admin or scope.covers_path(self.region.path, STAFF_ROLES) or (
                unit is not None and unit.pk in scope.unit_ids(STAFF_ROLES))
            if not sees and not data.get("teams"):
                self.add_error("teams", _("请选择志愿者加入的服务队（您只能登记自己所管服务队的队员）。"))
        return data

    def register_fields(self) -> dict:
        """What services.volunteer_register takes."""
        data = self.cleaned_data
        return {"name": data["name"], "gender": data["gender"], "birth_date": data["birth_date"],
                "id_number": data["id_number"], "phone": data["phone"], "region": self.region, "unit": data["unit"],
                "skills": data["skills"], "education": data["education"], "guardian_name": data["guardian_name"],
                "guardian_phone": data["guardian_phone"], "guardian_consent": data["guardian_consent"],
                "teams": list(data["teams"])}

    def update_fields(self) -> dict:
        """What services.volunteer_update takes: numbers only when typed again."""
        data = self.cleaned_data
        out = {name: data[name] for name in ("name", "gender", "birth_date", "skills", "education", "unit",
                                             "guardian_name")}
        out["region"] = self.region
        # The service re-checks where the volunteer may be only when this changes (leaders edit in place).
        for name in ("region", "unit"):
            if out[name] == getattr(self.instance, name):
                del out[name]
        out["guardian_consent"] = data["guardian_consent"]
        for name in ("id_number", "phone", "guardian_phone"):
            if data[name].strip():
                out[name] = data[name]
        out["unchanged_since"] = data.get("loaded_at")
        return out


class LeaveForm(BootstrapMixin, forms.Form):
    left_on = forms.DateField(label=_("注销日期"), required=False, widget=DATE_INPUT)


class CertificateIssueForm(BootstrapMixin, forms.Form):
    """Shown on the volunteer page; the issuing view (another module) reads the same names."""

    issuer_name = forms.CharField(label=_("出具单位"), max_length=100)
    period_start = forms.DateField(label=_("起始日期"), required=False, widget=DATE_INPUT)
    period_end = forms.DateField(label=_("截止日期"), required=False, widget=DATE_INPUT)


# --- teams --------------------------------------------------------------------------------------------


class TeamForm(LoadedAtMixin, BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("服务队名称"), max_length=100)
    region_code = forms.CharField(label=_("所在区域"), max_length=20,
                                  help_text=_("区划代码，如 500118（永川区）或 500118001（中山路街道）"))
    unit = UnitChoiceField(label=_("依托单位"), queryset=Unit.objects.none())
    parent = TeamChoiceField(label=_("上级服务队"), queryset=Team.objects.none(), required=False)
    fields_text = forms.CharField(label=_("服务领域"), max_length=200, required=False)
    description = forms.CharField(label=_("简介"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    founded_on = forms.DateField(label=_("成立日期"), required=False, widget=DATE_INPUT)
    dissolved_on = forms.DateField(label=_("解散日期"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, user, instance: Team | None = None, default_region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance or Team()
        self.region: Region | None = None
        where = Q(pk__in=unit_policy.visible_to(user).values("pk"))
        parents = team_policy.visible_to(user)
        if instance is not None:
            where |= Q(pk=instance.unit_id)
            parents = parents.exclude(pk=instance.pk)
            if instance.parent_id:
                parents = parents | Team.objects.filter(pk=instance.parent_id)
        self.fields["unit"].queryset = Unit.objects.filter(where).select_related("region").order_by(
            "region__path", "name")
        self.fields["parent"].queryset = parents.select_related("region").order_by("region_path", "name")
        if instance is None:
            del self.fields["dissolved_on"]
            if default_region is not None:
                self.initial["region_code"] = default_region.code
        else:
            for name in ("name", "unit", "parent", "description", "founded_on", "dissolved_on"):
                self.initial[name] = getattr(instance, name)
            self.initial["fields_text"] = instance.fields
            self.initial["region_code"] = instance.region.code
            self.add_loaded_at()

    def clean_region_code(self) -> str:
        return clean_region_code(self, team_region_roots(self.user))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("请填写服务队名称。"))
        return name

    def clean(self):
        data = super().clean()
        founded, dissolved = data.get("founded_on"), data.get("dissolved_on")
        if founded and dissolved and dissolved < founded:
            self.add_error("dissolved_on", _("解散日期不能早于成立日期。"))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        out = {"name": data["name"], "region": self.region, "unit": data["unit"], "parent": data["parent"],
               "fields": data["fields_text"], "description": data["description"], "founded_on": data["founded_on"]}
        if self.instance.pk:
            out["dissolved_on"] = data["dissolved_on"]
            # The service re-checks where a team may be only when this changes (leaders edit in place).
            for name in ("region", "unit"):
                if out[name] == getattr(self.instance, name):
                    del out[name]
            out["unchanged_since"] = data.get("loaded_at")
        return out


class MemberAddForm(BootstrapMixin, forms.Form):
    who = forms.CharField(label=_("志愿者编号或身份证号码"), max_length=30,
                          widget=forms.TextInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("职务"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.volunteer: Volunteer | None = None

    def clean_who(self) -> str:
        """A volunteer the user sees, by number; anyone, by the full ID number (found by its hash)."""
        from .policies import volunteer_policy

        who = self.cleaned_data["who"].strip()
        ident = who.upper().replace(" ", "")
        if len(ident) == 18:
            self.volunteer = services.find_by_id_number(ident)
        else:
            self.volunteer = volunteer_policy.visible_to(self.user).filter(number=ident).first()
        if self.volunteer is None:
            raise forms.ValidationError(_("未找到该志愿者：请核对志愿者编号；不在您管理范围内的志愿者请输入其身份证号码。"))
        return who


class MemberChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[("role", "role"), ("remove", "remove")])
    role = forms.ChoiceField(required=False, choices=Membership.Role.choices)


# --- service records ----------------------------------------------------------------------------------


class RecordFieldsMixin(forms.Form):
    date = forms.DateField(label=_("服务日期"), widget=DATE_INPUT)
    hours = forms.DecimalField(label=_("服务时长（小时）"), min_value=Decimal("0.1"), max_value=24, decimal_places=1,
                               help_text=_("实际服务时间，不含路途"))
    content = forms.CharField(label=_("服务内容"), max_length=500)
    place = forms.CharField(label=_("服务地点"), max_length=200, required=False)
    project = forms.CharField(label=_("服务项目"), max_length=200, required=False)
    served_people = forms.IntegerField(label=_("服务人数"), min_value=0, max_value=10_000_000, required=False)
    quality = forms.ChoiceField(label=_("服务评价"), required=False, choices=[("", "---------"), *Quality.choices])

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("服务日期不能晚于今天。"))
        return day

    def record_fields(self) -> dict:
        data = self.cleaned_data
        return {"date": data["date"], "hours": data["hours"], "content": data["content"], "place": data["place"],
                "project": data["project"], "served_people": data["served_people"] or 0, "quality": data["quality"]}


class RecordForm(BootstrapMixin, RecordFieldsMixin):
    """A manager enters hours for a member of a team they manage."""

    team = TeamChoiceField(label=_("服务队"), queryset=Team.objects.none())
    volunteer_number = forms.CharField(label=_("志愿者编号"), max_length=20)
    verify = forms.BooleanField(label=_("直接认定"), required=False,
                                help_text=_("勾选后时长立即计入；不勾选则待审核"))

    field_order = ["team", "volunteer_number", "date", "hours", "content", "place", "project", "served_people",
                   "quality", "verify"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["team"].queryset = managed_teams(user)
        self.volunteer: Volunteer | None = None

    def clean(self):
        data = super().clean()
        team, number = data.get("team"), (data.get("volunteer_number") or "").strip()
        if team is not None and number:
            membership = Membership.objects.filter(team=team, volunteer__number=number).select_related(
                "volunteer").first()
            if membership is None:
                self.add_error("volunteer_number", _("编号为 %(n)s 的志愿者不是“%(team)s”的队员。")
                               % {"n": number[:20], "team": team.name})
            else:
                self.volunteer = membership.volunteer
        return data


class RecordEditForm(LoadedAtMixin, BootstrapMixin, RecordFieldsMixin):
    def __init__(self, *args, instance: ServiceRecord, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        for name in ("date", "hours", "content", "place", "project", "served_people", "quality"):
            self.initial[name] = getattr(instance, name)
        self.add_loaded_at()

    def record_fields(self) -> dict:
        out = super().record_fields()
        out["unchanged_since"] = self.cleaned_data.get("loaded_at")
        return out


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=200)


class VerifyForm(forms.Form):
    quality = forms.ChoiceField(label=_("服务评价"), required=False, choices=[("", "---------"), *Quality.choices])
