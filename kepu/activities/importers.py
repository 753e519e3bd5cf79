"""`kepu import activities FILE`: activities from a spreadsheet, plans or past records.

A row with 参与人次 is a past activity kept in a spreadsheet: it is imported as 已报送 with a
submitted participation report of that many person-times of the general public. Without it, an
activity that has already ended is imported as 已结束 (its report is still due) and one to come as
a 草稿. Rows are written with bulk_create: a file of ten thousand rows takes seconds.

The staff upload page sets `importer.actor` so that each row is checked against the uploader's
scope while validating (a row outside it is a row error); commit checks it again against the actor
it is given, so nothing outside the scope is ever written.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.accounts.models import Role
from kepu.accounts.scope import REGION_WRITE_ROLES, scope_of
from kepu.core.imports import Column, Importer, RowError, RowInvalid, RowsInvalid, register_importer
from kepu.orgs.models import Unit
from kepu.regions.importers import normalize_code
from kepu.regions.models import Region

from .models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    ParticipationReport,
    ReportCount,
    TargetGroup,
    ThemeDay,
)
from .policies import activity_policy
from .reference import GENERAL_PUBLIC

KIND_WORDS = {**{k.value: k.value for k in ActivityKind}, **{str(k.label): k.value for k in ActivityKind}}
YES = {"是", "y", "yes", "true", "1", "√", "✓", "✔"}
NO = {"否", "n", "no", "false", "0", "×", "✗"}
LIST_SPLIT = re.compile(r"[、,，;；/|\n]+")
DATE_TIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*"
    r"(?:T?(\d{1,2})\s*[:：时点]\s*(?:(\d{1,2})\s*分?)?(?:[:：](\d{1,2})(?:\.\d+)?\s*秒?)?)?$"
)
BATCH = 500


def _norm(text: str) -> str:
    return "".join(str(text).split())


def parse_when(raw: str, *, end_of_day: bool = False) -> datetime.datetime:
    """A local date and time from 2024-05-18 09:00, 2024/5/18 9:00, 2024年5月18日 9:00, an Excel
    date (as read) or an Excel serial number; a date alone is the start (or end) of that day."""
    text = raw.strip()
    if re.fullmatch(r"\d{5}(\.\d+)?", text):  # an Excel serial number the sheet did not format
        from openpyxl.utils.datetime import from_excel

        value = from_excel(float(text))
        has_time = value.time() != datetime.time()
    else:
        match = DATE_TIME.match(text)
        if match is None:
            raise ValueError(text)
        year, month, day, hour, minute, second = match.groups()
        has_time = hour is not None
        value = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                  int(second or 0))
    if not has_time and end_of_day:
        value = value.replace(hour=23, minute=59)
    if not 1949 <= value.year <= 2100:
        raise ValueError(text)
    return timezone.make_aware(value)


@dataclass
class ActivityRow:
    title: str
    kind: str
    organizer_name: str
    region_code: str
    start: datetime.datetime
    end: datetime.datetime
    venue: str
    description: str
    is_volunteer_service: bool
    person_times: int | None
    theme_days: list[ThemeDay] = field(default_factory=list)
    target_groups: list[TargetGroup] = field(default_factory=list)
    region: Region | None = None
    organizer: Unit | None = None


@register_importer
class ActivityImporter(Importer):
    kind = "activities"
    columns = [
        Column("title", "活动名称", required=True, aliases=("名称", "title")),
        Column("kind", "活动形式", required=True, aliases=("形式", "kind"),
               help="讲座、展览、竞赛、科普大篷车、流动科技馆巡展、志愿服务、开放日、培训、健康咨询、科普展演、线上活动、其他"),
        Column("organizer", "主办单位", required=True, aliases=("organizer",),
               help="单位名称或别名（如 区科协、永川区科协），在活动区划及其上级区划中查找"),
        Column("region_code", "区划代码", required=True, aliases=("活动区划代码", "region"),
               help="活动所在区划的代码，如 500118（永川区）、500118001（中山路街道）"),
        Column("start", "开始时间", required=True, aliases=("start",),
               help="如 2024-05-18 09:00、2024/5/18 9:00，或 Excel 日期；只填日期时按当天 0:00"),
        Column("end", "结束时间", required=True, aliases=("end",), help="同上；只填日期时按当天 23:59"),
        Column("venue", "活动地点", aliases=("地点", "venue")),
        Column("theme_days", "主题日", help="主题日名称，多个用顿号分隔，如 世界水日、科技活动周"),
        Column("target_groups", "目标人群", help="青少年、农民、产业工人、老年人、领导干部和公务员、社会公众，多个用顿号分隔"),
        Column("volunteer", "科技志愿服务活动", aliases=("志愿服务活动",), help="是 或 否，空为否"),
        Column("person_times", "参与人次",
               help="已结束活动的历史记录：填写后活动按“已报送”导入，参与人次计入社会公众；不填则已结束的活动为“已结束”（待报送），未开始的为草稿"),
        Column("description", "活动简介", aliases=("简介", "description")),
    ]
    # The uploader whose scope rows are checked against while validating; None is the system.
    actor = None

    @property
    def label(self) -> str:
        # A plain str in the current language (template_workbook names a worksheet with it).
        return _("科普活动")

    def __init__(self):
        self._themes: dict[str, ThemeDay] | None = None
        self._groups: dict[str, TargetGroup] = {}
        self._allowed: dict[tuple[int, int], bool] = {}

    # --- one row ------------------------------------------------------------------------------------

    def _lookups(self) -> None:
        if self._themes is None:
            self._themes = {_norm(d.name): d for d in ThemeDay.objects.all()}
            for group in TargetGroup.objects.all():
                self._groups[_norm(group.name)] = group
                self._groups[group.key.lower()] = group

    def _names(self, raw: str, table: dict, column: str, what: str, problems: list) -> list:
        found, unknown = [], []
        for name in LIST_SPLIT.split(raw):
            name = _norm(name)
            if not name:
                continue
            item = table.get(name) or table.get(name.lower())
            if item is None:
                unknown.append(name)
            elif item not in found:
                found.append(item)
        if unknown:
            problems.append((self.header_of(column), _("未知的%(what)s：%(names)s") % {"what": what, "names": "、".join(unknown)}))
        return found

    def clean_row(self, values, row):
        self._lookups()
        problems: list[tuple[str, str]] = []
        title = values.get("title", "").strip()
        if not title:
            problems.append((self.header_of("title"), _("不能为空")))
        elif len(title) > 200:
            problems.append((self.header_of("title"), _("不能超过 200 个字")))
        raw_kind = _norm(values.get("kind", ""))
        kind = KIND_WORDS.get(raw_kind) or KIND_WORDS.get(raw_kind.lower())
        if kind is None:
            problems.append((self.header_of("kind"), _("无法识别的活动形式“%(v)s”") % {"v": raw_kind} if raw_kind
                             else _("不能为空")))
        organizer_name = _norm(values.get("organizer", ""))
        if not organizer_name:
            problems.append((self.header_of("organizer"), _("不能为空")))
        region_code = normalize_code(values.get("region_code", ""))[0]
        if not region_code:
            problems.append((self.header_of("region_code"), _("不能为空")))
        start = end = None
        for key in ("start", "end"):
            raw = values.get(key, "").strip()
            if not raw:
                problems.append((self.header_of(key), _("不能为空")))
                continue
            try:
                when = parse_when(raw, end_of_day=key == "end")
            except (ValueError, OverflowError):
                problems.append((self.header_of(key),
                                 _("无法识别的时间“%(v)s”，请写成 2024-05-18 09:00 的样子") % {"v": raw}))
                continue
            if key == "start":
                start = when
            else:
                end = when
        if start and end and end < start:
            problems.append((self.header_of("end"), _("结束时间不能早于开始时间")))
        venue = values.get("venue", "").strip()
        if len(venue) > 200:
            problems.append((self.header_of("venue"), _("不能超过 200 个字")))
        raw_volunteer = _norm(values.get("volunteer", "")).lower()
        if raw_volunteer and raw_volunteer not in YES | NO:
            problems.append((self.header_of("volunteer"), _("请填写“是”或“否”")))
        person_times = None
        raw_times = _norm(values.get("person_times", "")).replace(",", "").replace("，", "").removesuffix("人次")
        if raw_times:
            if not raw_times.isdigit() or int(raw_times) < 1 or int(raw_times) > 100_000_000:
                problems.append((self.header_of("person_times"), _("应为正整数")))
            elif end and end > timezone.now():
                problems.append((self.header_of("person_times"), _("活动尚未结束，不能填写参与人次")))
            else:
                person_times = int(raw_times)
        themes = self._names(values.get("theme_days", ""), self._themes, "theme_days", _("主题日"), problems)
        groups = self._names(values.get("target_groups", ""), self._groups, "target_groups", _("目标人群"), problems)
        if problems:
            raise RowInvalid(*problems)
        return ActivityRow(
            title=title, kind=kind, organizer_name=organizer_name, region_code=region_code, start=start, end=end,
            venue=venue, description=values.get("description", "").strip(),
            is_volunteer_service=raw_volunteer in YES, person_times=person_times,
            theme_days=themes, target_groups=groups,
        )

    # --- across rows ----------------------------------------------------------------------------------

    def check_rows(self, rows):
        errors = self._resolve(rows)
        if self.actor is not None:
            errors.extend(self._scope_errors(rows, self.actor))
        errors.extend(self._duplicates(rows))
        return errors

    def _resolve(self, rows) -> list[RowError]:
        """Find each row's region, and its organizer in that region or a region above it."""
        errors = []
        regions = {r.code: r for r in Region.objects.filter(code__in={row.region_code for _n, row in rows})}
        paths = {p for region in regions.values() for p in region.ancestor_paths()}
        by_path: dict[str, dict[str, list[Unit]]] = {}
        for unit in Unit.objects.filter(region__path__in=paths).select_related("region"):
            names = by_path.setdefault(unit.region.path, {})
            for name in {unit.name, unit.full_name, *(unit.aliases or [])}:
                bucket = names.setdefault(_norm(name), [])
                if unit not in bucket:
                    bucket.append(unit)
        for number, row in rows:
            row.region = regions.get(row.region_code)
            if row.region is None:
                errors.append(RowError(number, self.header_of("region_code"),
                                       _("区划代码 %(code)s 不存在") % {"code": row.region_code}))
                continue
            for path in reversed(row.region.ancestor_paths()):
                found = by_path.get(path, {}).get(row.organizer_name)
                if found:
                    break
            else:
                found = []
            if len(found) == 1:
                row.organizer = found[0]
            elif found:
                errors.append(RowError(number, self.header_of("organizer"),
                                       _("“%(name)s”对应多个单位，请填写单位全称") % {"name": row.organizer_name}))
            else:
                errors.append(RowError(number, self.header_of("organizer"),
                                       _("在%(region)s及其上级区划中找不到单位“%(name)s”")
                                       % {"region": row.region.name, "name": row.organizer_name}))
        return errors

    def _scope_errors(self, rows, actor) -> list[RowError]:
        """Rows the actor may not organize: each one an error, never a silent skip."""
        if actor is None:
            return []
        scope = scope_of(actor)
        liaison_paths = scope.unit_region_paths({Role.UNIT_LIAISON})
        errors = []
        for number, row in rows:
            if row.region is None or row.organizer is None:
                continue
            key = (row.organizer.pk, row.region.pk)
            if key not in self._allowed:
                self._allowed[key] = activity_policy.can_organize(actor, row.organizer, row.region)
            if self._allowed[key]:
                continue
            # Name the column the uploader can fix: the region when it lies wholly outside their scope.
            in_reach = scope.covers_path(row.region.path, REGION_WRITE_ROLES) or any(
                row.region.path.startswith(p) for p in liaison_paths)
            column = self.header_of("organizer" if in_reach else "region_code")
            errors.append(RowError(number, column, _("不在您的管理范围内")))
        return errors

    def _duplicates(self, rows) -> list[RowError]:
        """The same activity twice (in the file, or already in the system) would count its audience twice."""
        errors = []
        resolved = [(n, r) for n, r in rows if r.organizer is not None]
        if not resolved:
            return errors
        starts = [r.start for _n, r in resolved]
        existing = set(Activity.objects.filter(
            organizer_id__in={r.organizer.pk for _n, r in resolved}, start__gte=min(starts), start__lte=max(starts),
        ).values_list("organizer_id", "title", "start"))
        seen: dict[tuple, int] = {}
        for number, row in resolved:
            key = (row.organizer.pk, row.title, row.start)
            if key in seen:
                errors.append(RowError(number, self.header_of("title"),
                                       _("与第 %(row)d 行重复（同一主办单位、名称和开始时间）") % {"row": seen[key]}))
            elif key in existing:
                errors.append(RowError(number, self.header_of("title"),
                                       _("系统中已有这项活动（同一主办单位、名称和开始时间）")))
            seen.setdefault(key, number)
        return errors

    # --- writing ------------------------------------------------------------------------------------

    def commit(self, rows, *, actor):
        if actor is not self.actor:
            scope_errors = self._scope_errors(rows, actor)
            if scope_errors:
                raise RowsInvalid(scope_errors)
        now = timezone.now()
        user = actor if actor is not None and actor.is_authenticated else None
        activities = []
        for _number, row in rows:
            if row.person_times is not None:
                status = ActivityStatus.REPORTED
            elif row.end < now:
                status = ActivityStatus.FINISHED
            else:
                status = ActivityStatus.DRAFT
            activities.append(Activity(
                title=row.title, kind=row.kind, organizer=row.organizer, region=row.region,
                region_path=row.region.path, venue=row.venue, description=row.description, start=row.start,
                end=row.end, is_volunteer_service=row.is_volunteer_service, status=status, created_by=user,
            ))
        Activity.objects.bulk_create(activities, batch_size=BATCH)
        themes = Activity.theme_days.through
        groups = Activity.target_groups.through
        themes.objects.bulk_create([themes(activity_id=a.pk, themeday_id=d.pk)
                                    for a, (_n, row) in zip(activities, rows, strict=True) for d in row.theme_days],
                                   batch_size=BATCH)
        groups.objects.bulk_create([groups(activity_id=a.pk, targetgroup_id=g.pk)
                                    for a, (_n, row) in zip(activities, rows, strict=True) for g in row.target_groups],
                                   batch_size=BATCH)
        reported = [(a, row.person_times) for a, (_n, row) in zip(activities, rows, strict=True)
                    if row.person_times is not None]
        if reported:
            public, _made = TargetGroup.objects.get_or_create(
                key=GENERAL_PUBLIC[0], defaults={"name": GENERAL_PUBLIC[1], "is_key_group": False, "sort": 99})
            reports = ParticipationReport.objects.bulk_create([
                ParticipationReport(activity=a, status=ParticipationReport.Status.SUBMITTED, person_times=n,
                                    submitted_at=now, submitted_by=user)
                for a, n in reported
            ], batch_size=BATCH)
            ReportCount.objects.bulk_create([
                ReportCount(report=report, group=public, walk_ins=n)
                for report, (_a, n) in zip(reports, reported, strict=True)
            ], batch_size=BATCH)
        return len(activities), 0, 0
