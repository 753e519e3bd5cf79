"""Service records: `kepu import service_records FILE` and the staff upload page."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.core import pii
from kepu.core.import_helpers import BATCH, compact, in_chunks, parse_date, parse_yes_no
from kepu.core.imports import Column, Importer, RowError, RowInvalid, RowsInvalid, register_importer

from .. import services
from ..models import Membership, Quality, RecordSource, RecordStatus, ServiceRecord, Team, Volunteer
from ..policies import record_policy

QUALITY_WORDS = {**{q.value: q.value for q in Quality}, **{str(q.label): q.value for q in Quality}}


@dataclass
class RecordRow:
    number: str
    id_hash: str
    date: datetime.date
    hours: Decimal
    content: str
    place: str = ""
    project: str = ""
    team_name: str = ""
    activity_title: str = ""
    served_people: int = 0
    quality: str = ""
    verified: bool = False
    volunteer: Volunteer | None = None
    team: Team | None = None
    activity_id: int | None = None
    region_id: int | None = None
    region_path: str = ""


@register_importer
class ServiceRecordImporter(Importer):
    """Hours from a spreadsheet: pending, or verified at once with 已认定 = 是 (the uploader may
    verify every row it may write: region admins in their regions, managers of the row's team)."""

    kind = "service_records"
    actor = None

    @property
    def label(self) -> str:
        return _("志愿服务记录")

    def __init__(self):
        self.columns = [
            Column("number", "志愿者编号", aliases=("编号", "number"),
                   help=_("志愿者编号或身份证号码至少填一项；都填时须是同一人")),
            Column("id_number", "身份证号码", aliases=("身份证号", "公民身份号码", "id_number")),
            Column("date", "服务日期", required=True, aliases=("日期", "date"), help=_("如 2024-05-18；不能晚于今天")),
            Column("hours", "服务时长", required=True, aliases=("服务时长(小时)", "时长", "小时数", "hours"),
                   help=_("实际服务的小时数（不含路途），如 2 或 2.5；大于 0、不超过 24")),
            Column("content", "服务内容", required=True, aliases=("content",)),
            Column("place", "服务地点", aliases=("地点", "place")),
            Column("team", "服务队", help=_("服务队名称；志愿者须是该队成员")),
            Column("served_people", "服务人数", aliases=("服务对象人数",), help=_("非负整数，可不填")),
            Column("activity", "活动名称", help=_("平台上的科普活动名称，服务日期须在活动期间；可不填")),
            Column("project", "服务项目", help=_("不在平台上的服务项目名称；可不填")),
            Column("quality", "服务评价", help=_("优秀、良好、合格、不合格；可不填")),
            Column("verified", "已认定", help=_("是：导入即认定并计入服务时长；否或不填：待审核")),
        ]
        self._no_person_column = False
        self._allowed: dict[tuple, bool] = {}
        self._today = timezone.localdate()

    def clean_row(self, values, row):
        h = self.header_of
        if "number" not in values and "id_number" not in values:
            self._no_person_column = True  # reported once, on the header row (check_rows)
            return None
        problems: list[tuple[str, str]] = []
        number = compact(values.get("number", ""))
        id_number = pii.normalize_id(values.get("id_number", ""))
        if not number and not id_number:
            problems.append((h("number"), _("志愿者编号和身份证号码至少填写一项")))
        if id_number:
            try:
                pii.parse_resident_id(id_number)
            except pii.InvalidResidentId as exc:
                problems.append((h("id_number"), str(exc)))
        day = None
        raw_date = values.get("date", "").strip()
        if not raw_date:
            problems.append((h("date"), _("不能为空")))
        else:
            try:
                day = parse_date(raw_date)
            except (ValueError, OverflowError):
                problems.append((h("date"), _("无法识别的日期“%(v)s”，请写成 2024-05-18 的样子") % {"v": raw_date}))
            else:
                if day > self._today:
                    problems.append((h("date"), _("服务日期不能晚于今天。")))
        hours = None
        raw_hours = compact(values.get("hours", "")).lower().removesuffix("小时").removesuffix("h")
        try:
            hours = Decimal(raw_hours).quantize(Decimal("0.1"))
        except ArithmeticError:
            problems.append((h("hours"), _("应为数字，如 2 或 2.5") if raw_hours else _("不能为空")))
        else:
            if not Decimal(0) < hours <= services.MAX_HOURS_PER_RECORD:
                problems.append((h("hours"), _("服务时长应大于 0 且不超过 24 小时。")))
        content = values.get("content", "").strip()
        if not content:
            problems.append((h("content"), _("不能为空")))
        texts = {key: values.get(key, "").strip() for key in ("place", "project")}
        for key, limit in (("content", 500), ("place", 200), ("project", 200)):
            if len(values.get(key, "").strip()) > limit:
                problems.append((h(key), _("不能超过 %(n)d 个字") % {"n": limit}))
        served = 0
        raw_served = compact(values.get("served_people", "")).removesuffix("人").replace(",", "")
        if raw_served:
            if not raw_served.isdigit() or int(raw_served) > 10_000_000:
                problems.append((h("served_people"), _("应为非负整数")))
            else:
                served = int(raw_served)
        raw_quality = compact(values.get("quality", ""))
        quality = QUALITY_WORDS.get(raw_quality) or QUALITY_WORDS.get(raw_quality.lower()) or ""
        if raw_quality and not quality:
            problems.append((h("quality"), _("请填写优秀、良好、合格或不合格")))
        verified = False
        try:
            verified = bool(parse_yes_no(values.get("verified", "")))
        except ValueError:
            problems.append((h("verified"), _("请填写“是”或“否”")))
        if problems:
            raise RowInvalid(*problems)
        return RecordRow(
            number=number, id_hash=pii.lookup_hash(id_number) if id_number else "", date=day, hours=hours,
            content=content, place=texts["place"], project=texts["project"], team_name=compact(values.get("team", "")),
            activity_title=values.get("activity", "").strip(), served_people=served, quality=quality,
            verified=verified,
        )

    # --- across rows ----------------------------------------------------------------------------------

    def check_rows(self, rows):
        if self._no_person_column:
            return [RowError(1, self.header_of("number"), _("缺少“志愿者编号”或“身份证号码”列，至少需要其中一列"))]
        errors = self._find_volunteers(rows)
        rows = [(n, r) for n, r in rows if r.volunteer is not None]
        errors += self._find_teams(rows) + self._find_activities(rows)
        for _n, row in rows:
            if row.region_id is None:
                row.region_id, row.region_path = row.volunteer.region_id, row.volunteer.region_path
        errors += self._scope_errors(rows, self.actor) + self._duplicates(rows)
        return errors

    def _find_volunteers(self, rows) -> list[RowError]:
        h = self.header_of
        fields = ("pk", "number", "id_hash", "name", "region_id", "region_path", "left_on")
        by_number, by_hash = {}, {}
        for chunk in in_chunks({r.number for _n, r in rows if r.number}):
            by_number.update((v.number, v) for v in Volunteer.objects.filter(number__in=chunk).only(*fields))
        for chunk in in_chunks({r.id_hash for _n, r in rows if r.id_hash}):
            by_hash.update((v.id_hash, v) for v in Volunteer.objects.filter(id_hash__in=chunk).only(*fields))
        errors = []
        for number, row in rows:
            if row.number:
                row.volunteer = by_number.get(row.number)
                if row.volunteer is None:
                    errors.append(RowError(number, h("number"), _("找不到志愿者编号 %(n)s") % {"n": row.number}))
                elif row.id_hash and row.volunteer.id_hash != row.id_hash:
                    errors.append(RowError(number, h("id_number"), _("与志愿者编号 %(n)s 不是同一人") % {"n": row.number}))
                    row.volunteer = None
            else:
                row.volunteer = by_hash.get(row.id_hash)
                if row.volunteer is None:
                    errors.append(RowError(number, h("id_number"), _("该身份证号码未登记为志愿者")))
            if row.volunteer is not None and row.volunteer.left_on and row.date > row.volunteer.left_on:
                errors.append(RowError(number, h("date"), _("%(name)s 已于 %(d)s 注销，服务日期不能晚于注销日期")
                                       % {"name": row.volunteer.name, "d": row.volunteer.left_on.isoformat()}))
        return errors

    def _find_teams(self, rows) -> list[RowError]:
        """A row's team is the one of that name the volunteer is a member of."""
        names = {row.team_name for _n, row in rows if row.team_name}
        if not names:
            return []
        volunteer_ids = sorted({row.volunteer.pk for _n, row in rows if row.team_name})
        teams = {t.pk: t for t in Team.objects.filter(name__in=names)}
        member_of: dict[int, list[Team]] = defaultdict(list)
        for chunk in in_chunks(volunteer_ids):
            for volunteer_id, team_id in Membership.objects.filter(volunteer_id__in=chunk, team_id__in=list(teams)) \
                    .values_list("volunteer_id", "team_id"):
                member_of[volunteer_id].append(teams[team_id])
        known = {compact(t.name) for t in teams.values()}
        errors = []
        for number, row in rows:
            if not row.team_name:
                continue
            found = [t for t in member_of[row.volunteer.pk] if compact(t.name) == row.team_name]
            if len(found) == 1:
                row.team = found[0]
                row.region_id, row.region_path = row.team.region_id, row.team.region_path
            elif found:
                message = _("%(name)s 在多个名为“%(team)s”的服务队中，无法确定是哪一个")
            elif row.team_name in known:
                message = _("%(name)s 不是服务队“%(team)s”的成员")
            else:
                message = _("找不到服务队“%(team)s”")
            if row.team is None:
                errors.append(RowError(number, self.header_of("team"),
                                       message % {"name": row.volunteer.name, "team": row.team_name}))
        return errors

    def _find_activities(self, rows) -> list[RowError]:
        """A row's activity: the one of that title under way on the service date."""
        from kepu.activities.models import Activity

        titles = {row.activity_title for _n, row in rows if row.activity_title}
        if not titles:
            return []
        by_title: dict[str, list[tuple]] = defaultdict(list)
        for pk, title, start, end, region_id, region_path in Activity.objects.filter(title__in=titles).values_list(
                "pk", "title", "start", "end", "region_id", "region_path"):
            by_title[title].append((pk, timezone.localdate(start), timezone.localdate(end), region_id, region_path))
        errors = []
        for number, row in rows:
            if not row.activity_title:
                continue
            found = [a for a in by_title[row.activity_title] if a[1] <= row.date <= a[2]]
            if len(found) == 1:
                row.activity_id, _s, _e, row.region_id, row.region_path = found[0]
            else:
                message = (_("%(d)s 有多项名为“%(title)s”的活动，无法确定是哪一项") if found
                           else _("找不到 %(d)s 进行的活动“%(title)s”"))
                errors.append(RowError(number, self.header_of("activity"),
                                       message % {"d": row.date.isoformat(), "title": row.activity_title}))
        return errors

    def _scope_errors(self, rows, actor) -> list[RowError]:
        """Rows the actor may not record (record_policy: region admins, the team's managers)."""
        if actor is None:
            return []
        errors = []
        for number, row in rows:
            key = (row.team.pk if row.team else None, row.region_path)
            if key not in self._allowed:
                record = ServiceRecord(team=row.team, region_path=row.region_path)
                self._allowed[key] = record_policy.can(actor, "change", record)
            if not self._allowed[key]:
                column = self.header_of("team" if row.team else "number" if row.number else "id_number")
                errors.append(RowError(number, column, _("不在您的管理范围内")))
        return errors

    def _duplicates(self, rows) -> list[RowError]:
        """The same service twice (in the file, or already recorded) would count its hours twice."""
        h = self.header_of
        if not rows:
            return []
        dates = [row.date for _n, row in rows]
        existing_same, existing_activity = set(), set()
        kept = ServiceRecord.objects.filter(date__gte=min(dates), date__lte=max(dates)).exclude(
            status=RecordStatus.REJECTED)
        for chunk in in_chunks(sorted({row.volunteer.pk for _n, row in rows})):
            for volunteer_id, day, hours, content, activity_id in kept.filter(volunteer_id__in=chunk).values_list(
                    "volunteer_id", "date", "hours", "content", "activity_id"):
                existing_same.add((volunteer_id, day, hours, content))
                if activity_id:
                    existing_activity.add((volunteer_id, activity_id))
        errors = []
        seen: dict[tuple, int] = {}
        for number, row in rows:
            same = (row.volunteer.pk, row.date, row.hours, row.content)
            once = (row.volunteer.pk, row.activity_id) if row.activity_id else None
            if same in seen or (once and once in seen):
                other = seen.get(same) or seen[once]
                errors.append(RowError(number, h("content"), _("与第 %(row)d 行重复") % {"row": other}))
            elif same in existing_same:
                errors.append(RowError(number, h("content"), _("系统中已有相同的服务记录（同一志愿者、日期、时长和内容）")))
            elif once and once in existing_activity:
                errors.append(RowError(number, h("activity"), _("%(name)s 在该活动的服务时长已记录")
                                       % {"name": row.volunteer.name}))
            seen.setdefault(same, number)
            if once:
                seen.setdefault(once, number)
        return errors

    # --- writing --------------------------------------------------------------------------------------

    def commit(self, rows, *, actor):
        if actor is not self.actor:
            scope_errors = self._scope_errors(rows, actor)
            if scope_errors:
                raise RowsInvalid(scope_errors)
        user = actor if actor is not None and actor.is_authenticated else None
        now = timezone.now()
        records = []
        for _number, row in rows:
            verified = RecordStatus.VERIFIED if row.verified else RecordStatus.PENDING
            records.append(ServiceRecord(
                volunteer_id=row.volunteer.pk, team=row.team, activity_id=row.activity_id, project=row.project,
                date=row.date, place=row.place, content=row.content, hours=row.hours,
                served_people=row.served_people, quality=row.quality, region_id=row.region_id,
                region_path=row.region_path, source=RecordSource.IMPORT, status=verified, recorded_by=user,
                verified_by=user if row.verified else None, verified_at=now if row.verified else None,
            ))
        try:
            with transaction.atomic():
                ServiceRecord.objects.bulk_create(records, batch_size=BATCH)
        except IntegrityError:
            raise RowsInvalid(self._duplicates(rows) or [RowError(0, "", _("写入时与其他操作冲突，请重新导入。"))]) from None
        deltas: dict[int, Decimal] = defaultdict(Decimal)
        for record in records:
            if record.status == RecordStatus.VERIFIED:
                deltas[record.volunteer_id] += record.hours
        # Hours and stars move only in services, under the volunteers' row locks (taken in id order).
        for chunk in in_chunks(sorted(deltas)):
            services.credit_hours({pk: deltas[pk] for pk in chunk})
        return len(records), 0, 0

