"""The roster: `kepu import volunteers FILE` and the staff upload page."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.accounts.models import Role
from kepu.accounts.scope import REGION_WRITE_ROLES, scope_of
from kepu.core import pii
from kepu.core.import_helpers import compact, in_chunks, insert_many, parse_date, parse_yes_no
from kepu.core.imports import Column, Importer, RowError, RowInvalid, RowsInvalid, register_importer
from kepu.orgs.models import Unit
from kepu.regions.importers import normalize_code
from kepu.regions.models import Region

from .. import services
from ..models import Education, Membership, Team, Volunteer
from ..policies import managed_team_ids
from .common import EDUCATION_WORDS, GENDER_WORDS, LIST_SPLIT, nearest, units_by_name

# The columns of a new volunteer that differ from row to row, in the order commit gives them.
VOLUNTEER_COLUMNS = [
    "number", "name", "gender", "birth_date", "id_encrypted", "id_hash", "id_masked", "phone_encrypted", "phone_hash",
    "phone_masked", "skills", "education", "region_id", "region_path", "unit_id", "guardian_name",
    "guardian_phone_encrypted", "guardian_phone_masked", "guardian_consent_on", "registered_on",
]


@dataclass
class VolunteerRow:
    name: str
    gender: str
    birth_date: datetime.date
    id_number: str
    id_hash: str
    phone: str
    region_code: str
    registered_on: datetime.date
    skills: str = ""
    education: str = ""
    unit_name: str = ""
    team_names: list[str] = field(default_factory=list)
    guardian_name: str = ""
    guardian_phone: str = ""
    minor: bool = False
    region: Region | None = None
    unit: Unit | None = None
    teams: list[Team] = field(default_factory=list)


@register_importer
class VolunteerImporter(Importer):
    kind = "volunteers"
    # The uploader whose scope rows are checked against while validating; None is the system.
    actor = None

    @property
    def label(self) -> str:
        return _("科技志愿者")

    def __init__(self):
        # Built per instance so that the help is in the uploader's language; the headers are the format.
        self.columns = [
            Column("name", "姓名", required=True, aliases=("name",)),
            Column("gender", "性别", aliases=("gender",), help=_("男 或 女；可不填（按身份证号码），填写时须与身份证号码一致")),
            Column("birth_date", "出生日期", aliases=("birth_date",),
                   help=_("如 1990-05-17；可不填（按身份证号码），填写时须与身份证号码一致")),
            Column("id_number", "身份证号码", required=True, aliases=("身份证号", "公民身份号码", "id_number"),
                   help=_("18 位居民身份证号码；同一号码只能登记一次")),
            Column("phone", "手机号码", required=True, aliases=("手机号", "联系电话", "phone"), help=_("11 位手机号码")),
            Column("region_code", "区域代码", required=True, aliases=("区划代码", "region"),
                   help=_("志愿者所在区划的代码，如 500118（永川区）、500118001（中山路街道）")),
            Column("teams", "服务队", help=_("服务队名称，在所在区划及其上级区划中查找；多个用顿号分隔；须是您管理的服务队")),
            Column("skills", "专业特长", aliases=("服务特长", "特长")),
            Column("education", "学历",
                   help=_("小学及以下、初中、高中/中专、大专、本科、硕士研究生、博士研究生（也可写 专科、硕士、博士 等）")),
            Column("guardian_name", "监护人姓名", help=_("未满 18 周岁的志愿者必填")),
            Column("guardian_phone", "监护人电话", help=_("未满 18 周岁的志愿者必填，11 位手机号码")),
            Column("guardian_consent", "监护人同意",
                   help=_("是 或 否：监护人是否已书面同意（纸质同意书由服务队留存）。没有这一列或不填时，"
                          "填写了监护人姓名和电话即视为已取得书面同意")),
            Column("unit", "所在单位", aliases=("工作单位", "单位"), help=_("单位名称或别名，在所在区划及其上级区划中查找；可不填")),
            Column("registered_on", "注册日期", help=_("如 2024-03-05；不填为导入当天")),
        ]
        self._today = timezone.localdate()

    # --- one row ----------------------------------------------------------------------------------

    def clean_row(self, values, row):
        h = self.header_of
        problems: list[tuple[str, str]] = []
        name = values.get("name", "").strip()
        if not name:
            problems.append((h("name"), _("不能为空")))
        elif len(name) > 50:
            problems.append((h("name"), _("不能超过 50 个字")))
        id_number, id_birth, gender = self._identity(values, problems)
        phone = ""
        try:
            phone = services.check_mobile(values.get("phone", ""))
        except ValueError as exc:
            problems.append((h("phone"), str(exc) if values.get("phone", "").strip() else _("不能为空")))
        region_code = normalize_code(values.get("region_code", ""))[0]
        if not region_code:
            problems.append((h("region_code"), _("不能为空")))
        registered_on = self._today
        raw_registered = values.get("registered_on", "").strip()
        if raw_registered:
            try:
                registered_on = parse_date(raw_registered)
            except (ValueError, OverflowError):
                problems.append((h("registered_on"), _("无法识别的日期“%(v)s”，请写成 2024-03-05 的样子") % {"v": raw_registered}))
            else:
                if registered_on > self._today:
                    problems.append((h("registered_on"), _("不能晚于今天")))
                elif id_birth and registered_on < id_birth:
                    problems.append((h("registered_on"), _("不能早于出生日期")))
        raw_education = compact(values.get("education", ""))
        education = ""
        if raw_education and raw_education not in ("无", "-", "—"):
            education = EDUCATION_WORDS.get(raw_education) or EDUCATION_WORDS.get(raw_education.lower()) or ""
            if raw_education == "研究生":
                problems.append((h("education"), _("请写明“硕士研究生”或“博士研究生”")))
            elif not education:
                problems.append((h("education"), _("无法识别的学历“%(v)s”，请填写：%(choices)s")
                                 % {"v": raw_education, "choices": "、".join(str(e.label) for e in Education)}))
        skills = values.get("skills", "").strip()
        if len(skills) > 200:
            problems.append((h("skills"), _("不能超过 200 个字")))
        minor = id_birth is not None and services.is_minor(id_birth, registered_on)
        guardian_name = guardian_phone = ""
        if minor:
            guardian_name, guardian_phone = self._guardian(values, problems)
        if problems:
            raise RowInvalid(*problems)
        return VolunteerRow(
            name=name, gender=gender, birth_date=id_birth, id_number=id_number, id_hash=pii.lookup_hash(id_number),
            phone=phone, region_code=region_code, registered_on=registered_on, skills=skills, education=education,
            unit_name=compact(values.get("unit", "")),
            team_names=list(dict.fromkeys(n for n in map(compact, LIST_SPLIT.split(values.get("teams", ""))) if n)),
            guardian_name=guardian_name, guardian_phone=guardian_phone, minor=minor,
        )

    def _identity(self, values, problems) -> tuple[str, datetime.date | None, str | None]:
        """The ID number, and the birth date and gender it encodes, which the columns must agree with."""
        h = self.header_of
        raw_gender = compact(values.get("gender", "")).lower()
        gender = GENDER_WORDS.get(raw_gender)
        if raw_gender and gender is None:
            problems.append((h("gender"), _("请填写“男”或“女”")))
        birth_date = None
        raw_birth = values.get("birth_date", "").strip()
        if raw_birth:
            try:
                birth_date = parse_date(raw_birth)
            except (ValueError, OverflowError):
                problems.append((h("birth_date"), _("无法识别的日期“%(v)s”，请写成 1990-05-17 的样子") % {"v": raw_birth}))
        id_number = pii.normalize_id(values.get("id_number", ""))
        if not id_number:
            problems.append((h("id_number"), _("不能为空")))
            return id_number, None, gender
        found = services.check_identity(id_number, birth_date, gender)
        problems.extend((h(column), message) for column, message in found)
        if any(column == "id_number" for column, _m in found):
            return id_number, None, gender
        id_birth, id_gender = pii.parse_resident_id(id_number)
        return id_number, id_birth, gender or id_gender

    def _guardian(self, values, problems) -> tuple[str, str]:
        """A minor's guardian: name, phone and consent (given, or implied by name and phone)."""
        h = self.header_of
        name = values.get("guardian_name", "").strip()
        raw_phone = values.get("guardian_phone", "").strip()
        phone = ""
        if not name:
            problems.append((h("guardian_name"), _("未满 18 周岁的志愿者须填写监护人姓名")))
        elif len(name) > 50:
            problems.append((h("guardian_name"), _("不能超过 50 个字")))
        if not raw_phone:
            problems.append((h("guardian_phone"), _("未满 18 周岁的志愿者须填写监护人电话")))
        else:
            try:
                phone = services.check_mobile(raw_phone)
            except ValueError as exc:
                problems.append((h("guardian_phone"), str(exc)))
        try:
            consent = parse_yes_no(values.get("guardian_consent", ""))
        except ValueError:
            problems.append((h("guardian_consent"), _("请填写“是”或“否”")))
        else:
            if consent is False:
                problems.append((h("guardian_consent"), _("未满 18 周岁的志愿者须经监护人同意")))
        return name, phone

    # --- across rows --------------------------------------------------------------------------------

    def check_rows(self, rows):
        errors = self._resolve(rows)
        errors.extend(self._scope_errors(rows, self.actor))
        errors.extend(self._duplicates(rows))
        return errors

    def _resolve(self, rows) -> list[RowError]:
        """Each row's region, and its unit and teams in that region or a region above it."""
        h = self.header_of
        errors = []
        regions = {r.code: r for r in Region.objects.filter(code__in={row.region_code for _n, row in rows})}
        paths = {p for region in regions.values() for p in region.ancestor_paths()}
        units = units_by_name(paths) if any(row.unit_name for _n, row in rows) else {}
        teams: dict[str, dict[str, list[Team]]] = defaultdict(dict)
        names = {name for _n, row in rows for name in row.team_names}
        if names:
            for team in Team.objects.filter(region_path__in=paths, name__in=names):
                teams[team.region_path][compact(team.name)] = [team]
        for number, row in rows:
            row.region = regions.get(row.region_code)
            if row.region is None:
                errors.append(RowError(number, h("region_code"), _("区划代码 %(code)s 不存在") % {"code": row.region_code}))
                continue
            if row.unit_name:
                found = nearest(row.region, units, row.unit_name)
                if len(found) == 1:
                    row.unit = found[0]
                elif found:
                    errors.append(RowError(number, h("unit"), _("“%(name)s”对应多个单位，请填写单位全称")
                                           % {"name": row.unit_name}))
                else:
                    errors.append(RowError(number, h("unit"), _("在%(region)s及其上级区划中找不到单位“%(name)s”")
                                           % {"region": row.region.name, "name": row.unit_name}))
            for name in row.team_names:
                found = nearest(row.region, teams, name)
                if not found:
                    errors.append(RowError(number, h("teams"), _("在%(region)s及其上级区划中找不到服务队“%(name)s”")
                                           % {"region": row.region.name, "name": name}))
                elif found[0].dissolved_on is not None:
                    errors.append(RowError(number, h("teams"), _("服务队“%(name)s”已解散") % {"name": name}))
                else:
                    row.teams.append(found[0])
        return errors

    def _scope_errors(self, rows, actor) -> list[RowError]:
        """Rows the actor may not register: each one an error, never a silent skip.

        Region admins register volunteers in their regions; unit liaisons the volunteers of their
        unit; team managers (liaisons of the team's unit, leaders) the volunteers joining their
        teams. Every team named must be one the actor manages.
        """
        if actor is None:
            return []
        scope = scope_of(actor)
        if scope.platform_admin:
            return []
        liaison_units = scope.unit_ids({Role.UNIT_LIAISON})
        managed = {r["id"] for r in managed_team_ids(actor)} if any(r.teams for _n, r in rows) else set()
        errors = []
        for number, row in rows:
            if row.region is None:
                continue
            foreign = [t.name for t in row.teams if t.pk not in managed]
            if foreign:
                errors.append(RowError(number, self.header_of("teams"), _("服务队“%(names)s”不在您的管理范围内")
                                       % {"names": "、".join(foreign)}))
            elif not (scope.covers_path(row.region.path, REGION_WRITE_ROLES) or row.teams
                      or (row.unit is not None and row.unit.pk in liaison_units)):
                errors.append(RowError(number, self.header_of("region_code"), _("不在您的管理范围内")))
        return errors

    def _duplicates(self, rows) -> list[RowError]:
        """The same ID number twice in the file, or one already registered."""
        h = self.header_of
        errors = []
        first: dict[str, int] = {}
        for number, row in rows:
            if row.id_hash in first:
                errors.append(RowError(number, h("id_number"), _("与第 %(row)d 行的身份证号码重复") % {"row": first[row.id_hash]}))
            else:
                first[row.id_hash] = number
        existing = {}
        for chunk in in_chunks(first):
            existing.update(Volunteer.objects.filter(id_hash__in=chunk).values_list("id_hash", "number"))
        for number, row in rows:
            if row.id_hash in existing and first[row.id_hash] == number:
                errors.append(RowError(number, h("id_number"), _("该身份证号码已登记为志愿者（编号 %(n)s）")
                                       % {"n": existing[row.id_hash]}))
        return errors

    # --- writing --------------------------------------------------------------------------------------

    def commit(self, rows, *, actor):
        if actor is not self.actor:
            scope_errors = self._scope_errors(rows, actor)
            if scope_errors:
                raise RowsInvalid(scope_errors)
        by_prefix: dict[str, list[VolunteerRow]] = defaultdict(list)
        for _number, row in rows:
            by_prefix[services.number_prefix(row.region)].append(row)
        numbers = {}
        for prefix, group in sorted(by_prefix.items()):
            for row, number in zip(group, services.allocate_numbers(prefix, len(group)), strict=True):
                numbers[id(row)] = number
        encrypt, mask_id, mask_phone, lookup_hash = pii.encrypt, pii.mask_id, pii.mask_phone, pii.lookup_hash
        values = [
            (numbers[id(row)], row.name, row.gender, row.birth_date, encrypt(row.id_number), row.id_hash,
             mask_id(row.id_number), encrypt(row.phone), lookup_hash(row.phone), mask_phone(row.phone), row.skills,
             row.education, row.region.pk, row.region.path, row.unit.pk if row.unit else None, row.guardian_name,
             encrypt(row.guardian_phone), mask_phone(row.guardian_phone) if row.guardian_phone else "",
             row.registered_on if row.minor else None, row.registered_on)
            for _number, row in rows
        ]
        now = timezone.now()
        try:
            with transaction.atomic():
                insert_many(Volunteer, VOLUNTEER_COLUMNS, values, {
                    "user_id": None, "left_on": None, "hours": Decimal(0), "stars": 0, "is_demo": False,
                    "created_at": now, "updated_at": now,
                })
        except IntegrityError:
            # Registered meanwhile by someone else: name the rows, like validation would have.
            raise RowsInvalid(self._duplicates(rows) or [RowError(0, "", _("写入时与其他操作冲突，请重新导入。"))]) from None
        joining = [(numbers[id(row)], row) for _number, row in rows if row.teams]
        ids = {}
        for chunk in in_chunks([number for number, _row in joining]):
            ids.update(Volunteer.objects.filter(number__in=chunk).values_list("number", "pk"))
        insert_many(Membership, ["team_id", "volunteer_id", "joined_on"], [
            (team.pk, ids[number], row.registered_on) for number, row in joining for team in row.teams
        ], {"role": Membership.Role.MEMBER, "created_at": now})
        return len(values), 0, 0
