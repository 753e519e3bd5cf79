"""Excel sheets of volunteers and service hours: masked numbers unless the caller says otherwise.

The caller decides (and audits) which volunteers' numbers go out in full; these functions only
lay out the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _

from kepu.core import pii
from kepu.core.exports import Sheet

from .models import ServiceRecord, Volunteer


def _teams(volunteer: Volunteer) -> str:
    return "、".join(m.team.name for m in volunteer.memberships.all())


def roster_sheet(volunteers: Iterable[Volunteer], *, in_full: Callable[[Volunteer], bool] = lambda v: False) -> Sheet:
    """The roster; the ID and phone numbers of volunteers `in_full` accepts are written out whole."""
    headers = [_("志愿者编号"), _("姓名"), _("性别"), _("出生日期"), _("身份证号码"), _("手机号码"), _("所在区域"),
               _("区划代码"), _("所在单位"), _("服务队"), _("专业特长"), _("学历"), _("注册日期"), _("注销日期"),
               _("累计服务时长"), _("星级"), _("监护人姓名"), _("监护人电话")]
    rows = []
    for v in volunteers:
        if in_full(v):
            id_number, phone = pii.decrypt(v.id_encrypted), pii.decrypt(v.phone_encrypted)
            guardian = pii.decrypt(v.guardian_phone_encrypted)
        else:
            id_number, phone, guardian = v.id_masked, v.phone_masked, v.guardian_phone_masked
        rows.append([v.number, v.name, v.get_gender_display(), v.birth_date, id_number, phone, v.region.name,
                     v.region.code, v.unit.full_name if v.unit_id else "", _teams(v), v.skills,
                     v.get_education_display(), v.registered_on, v.left_on, v.hours, v.stars, v.guardian_name,
                     guardian])
    return Sheet(_("志愿者名册"), headers, rows, formats={3: "yyyy-mm-dd", 12: "yyyy-mm-dd", 13: "yyyy-mm-dd",
                                                     14: "0.0"})


def records_sheet(records: Iterable[ServiceRecord]) -> Sheet:
    """Service hours: each volunteer by number and name only (never an ID number)."""
    headers = [_("服务日期"), _("志愿者编号"), _("姓名"), _("服务队"), _("服务项目"), _("服务内容"), _("服务地点"),
               _("服务区域"), _("服务时长（小时）"), _("服务人数"), _("服务评价"), _("来源"), _("状态"), _("录入人"),
               _("认定人"), _("认定时间"), _("驳回原因")]
    rows = []
    for r in records:
        rows.append([r.date, r.volunteer.number, r.volunteer.name, r.team.name if r.team_id else "", r.project,
                     r.content, r.place, r.region.name, r.hours, r.served_people, r.get_quality_display(),
                     r.get_source_display(), r.get_status_display(), str(r.recorded_by or ""),
                     str(r.verified_by or ""), r.verified_at, r.reject_reason])
    return Sheet(_("服务记录"), headers, rows, formats={0: "yyyy-mm-dd", 8: "0.0", 15: "yyyy-mm-dd hh:mm"})
