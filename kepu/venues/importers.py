"""`kepu import venues|venue_certifications|visitor_figures|village_officers FILE`.

Venues are written in batches (a city's 100,000 rows in one file): rows are checked against the
uploader's scope while validating and again at commit, inserted a few thousand per statement, and
the import is audited as one entry (kepu.core.imports). A venue is known by its region, type and
name: a row naming a stored venue is an error that names it, unless its 更新已有 cell is 是, in
which case the row's non-blank cells update it. Certifications (per venue, level and year) and
monthly visitor figures (per venue and month) are upserted; village officers are appointed
through kepu.venues.officers, an officer already appointed being skipped.

The shared rules (regions by code or name, units nearby, blank cells keep stored values) are in
kepu.orgs.base_importers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.accounts.models import Role, RoleAssignment, phone_validator
from kepu.accounts.policies import role_assignment_policy
from kepu.core import pii
from kepu.core.errors import Conflict
from kepu.core.import_helpers import in_chunks, insert_many
from kepu.core.imports import Column, RowError, RowsInvalid, register_importer
from kepu.orgs.base_importers import (
    LEVEL_LABELS,
    LEVEL_WORDS,
    BaseDataImporter,
    changed_fields,
    choice_words,
    norm,
    region_code_help,
    region_name_help,
    upsert,
    year_help,
)
from kepu.regions.models import Level as RegionLevel

from .models import Certification, Level, Venue, VenueType, VisitorFigure
from .officers import village_officer_appoint
from .policies import certification_policy, venue_policy, visitor_figure_policy
from .services import certification_create, certification_update

TYPE_WORDS = choice_words(
    VenueType,
    **{"社区科普馆": "activity_room", "科普活动室": "activity_room", "科普活动站": "activity_room",
       "社区科普活动室": "activity_room", "科普馆(站)": "activity_room", "科普活动室(站)": "activity_room",
       "科普画廊": "gallery", "宣传栏": "gallery", "科普宣传栏": "gallery", "科普画廊(宣传栏)": "gallery",
       "LED科普屏": "led_screen", "LED屏": "led_screen", "科普大屏": "led_screen", "e站": "e_station",
       "科普e站": "e_station", "网络书屋": "reading_room", "科普书屋": "reading_room"},
)
TYPE_LABELS = [str(t.label) for t in VenueType]
VENUE_COLUMNS = ["region_id", "region_path", "name", "type", "unit_id", "address", "longitude", "latitude",
                 "opening_hours", "floor_area", "exhibition_area", "capacity", "is_public", "opened_on", "closed_on",
                 "description"]


def venue_columns() -> list[Column]:
    """How a file names a stored venue: its name and region (and its type when the name is not enough)."""
    return [
        Column("venue", "阵地", required=True, aliases=("阵地名称", "基地名称", "场馆名称")),
        Column("region_code", "区划代码", aliases=("所属区划代码",), help=region_code_help()),
        Column("region_name", "所属区划", aliases=("区划名称", "区划"), help=region_name_help()),
        Column("venue_type", "阵地类型", aliases=("类型",), help=_("同一区划有同名阵地时填写")),
    ]


class VenueRowsImporter(BaseDataImporter):
    """Rows about a stored venue: find it by region, name and (if given) type."""

    fk_fields = ("venue",)

    def clean_venue(self, cells) -> None:
        cells.ref("venue", required=True)
        self.region_cells(cells)
        raw = cells.raw("venue_type")
        if raw:
            kind = TYPE_WORDS.get(norm(raw).lower())
            if kind is None:
                cells.fail("venue_type", _("无法识别的“%(v)s”，请填写：%(choices)s") % {
                    "v": raw, "choices": "、".join(TYPE_LABELS)})
            cells.row.flags["venue_type"] = kind

    def build_all(self, rows):
        # Every venue of the regions named, compared by normalized name (a name is typed with or without spaces).
        regions = {r.region.pk for _n, r in rows}
        venues: dict[tuple[int, str], list[Venue]] = {}
        for chunk in in_chunks(regions):
            for venue in Venue.objects.filter(region_id__in=chunk).select_related("region"):
                venues.setdefault((venue.region_id, norm(venue.name)), []).append(venue)
        errors = []
        for number, row in rows:
            found = venues.get((row.region.pk, row.refs["venue"]), [])
            if row.flags.get("venue_type"):
                found = [v for v in found if v.type == row.flags["venue_type"]]
            if len(found) != 1:
                message = (_("%(region)s有多个名为“%(name)s”的阵地，请填写阵地类型") if found
                           else _("在%(region)s找不到阵地“%(name)s”"))
                errors.append(RowError(number, self.header_of("venue"),
                                       message % {"region": row.region.name, "name": row.refs["venue"]}))
                continue
            row.obj = self.model(venue=found[0], **row.fields)
        return errors

    def scope_key(self, row):
        return (row.obj.venue.region_id, row.obj.venue.unit_id)

    def duplicate_header(self):
        return self.header_of("venue")


# --- venues ---------------------------------------------------------------------------------------


@register_importer
class VenueImporter(BaseDataImporter):
    kind = "venues"
    model = Venue
    policy = venue_policy

    @property
    def label(self) -> str:
        return _("科普阵地")

    def make_columns(self):
        return [
            Column("name", "名称", required=True, aliases=("阵地名称", "场馆名称")),
            Column("type", "类型", required=True, aliases=("阵地类型",), help="、".join(TYPE_LABELS)),
            Column("region_code", "区划代码", aliases=("所属区划代码",), help=region_code_help()),
            Column("region_name", "所属区划", aliases=("区划名称", "所在区划"),
                   help=_("区划名称，如 青峰镇、青峰镇石梁村；在您管理的区划中查找，重名时请填写区划代码")),
            Column("unit", "运营单位", aliases=("管理单位", "运营管理单位"),
                   help=_("单位名称或别名，在阵地所在区划及其上下级区划中查找；可不填")),
            Column("address", "地址"),
            Column("longitude", "经度", help=_("十进制度数，如 105.927；与纬度同时填写")),
            Column("latitude", "纬度", help=_("十进制度数，如 29.356")),
            Column("opening_hours", "开放时间", help=_("如 周二至周日 9:00-17:00")),
            Column("floor_area", "建筑面积", aliases=("建筑面积（平方米）", "建筑面积(㎡)"), help=_("平方米")),
            Column("exhibition_area", "展教面积", aliases=("展教面积（平方米）", "展教面积(㎡)"), help=_("平方米")),
            Column("capacity", "容纳人数", aliases=("最大容纳人数",)),
            Column("is_public", "是否开放", aliases=("向公众开放", "对外开放"), help=_("是 或 否；新增时不填为是")),
            Column("opened_on", "建成日期", aliases=("建成（启用）日期", "启用日期", "建成时间"), help=_("如 2020-06-01")),
            Column("closed_on", "停用日期", help=_("已停用的阵地填写")),
            Column("description", "简介"),
            Column("update", "更新已有",
                   help=_("是：系统中已有同一区划、类型和名称的阵地时，按本行非空的单元格更新它；"
                          "不填或否：已有时报错")),
        ]

    def clean(self, cells):
        cells.text("name", required=True)
        cells.choice("type", TYPE_WORDS, required=True, labels=TYPE_LABELS)
        self.region_cells(cells)
        cells.ref("unit")
        cells.text("address")
        cells.coordinate("longitude", limit=180)
        cells.coordinate("latitude", limit=90)
        cells.text("opening_hours")
        cells.number("floor_area", places=1, maximum=999_999_999)
        cells.number("exhibition_area", places=1, maximum=999_999_999)
        cells.number("capacity")
        cells.yes_no("is_public")
        cells.date("opened_on")
        cells.date("closed_on")
        cells.text("description", max_length=5000)
        cells.row.flags["update"] = bool(cells.yes_no("update"))
        cells.row.fields.pop("update", None)

    def build(self, row, unit):
        row.obj = Venue(region=row.region, region_path=row.region.path, unit=unit, **row.fields)
        return None

    def validate(self, rows):
        """Venue.clean() only: every cell was parsed into a valid value (length, range, places, choice)
        above, and the full model validation of each row would take a third of a 100,000-row import."""
        errors = []
        for number, row in rows:
            try:
                row.obj.clean()
            except ValidationError as exc:
                errors.extend(RowError(number, self.column_header(name), message)
                              for name, messages in exc.message_dict.items() for message in messages)
        return errors

    def key(self, row):
        return (row.obj.region_id, row.obj.type, row.obj.name)

    def duplicates(self, rows):
        """The same venue twice in the file; one already stored, unless the row says to update it."""
        errors = super().duplicates(rows)
        stored = {}
        for chunk in in_chunks({r.obj.region_id for _n, r in rows}):
            for pk, region_id, kind, name in Venue.objects.filter(region_id__in=chunk).values_list(
                    "pk", "region_id", "type", "name"):
                stored[(region_id, kind, name)] = pk
        for number, row in rows:
            pk = stored.get(self.key(row))
            if pk is None:
                continue
            if row.flags["update"]:
                row.existing = pk
            else:
                errors.append(RowError(number, self.header_of("name"), _(
                    "系统中已有这个阵地（编号 %(id)d：%(region)s %(type)s“%(name)s”）；如需按本行更新，"
                    "请在“更新已有”列填写“是”") % {"id": pk, "region": row.region.name,
                                                "type": row.obj.get_type_display(), "name": row.obj.name}))
        return errors

    def duplicate_header(self):
        return self.header_of("name")

    def write(self, rows, *, actor):
        now = timezone.now()
        new = [row.obj for _n, row in rows if row.existing is None]
        values = [tuple(getattr(v, c) for c in VENUE_COLUMNS) for v in new]
        try:
            with transaction.atomic():
                insert_many(Venue, VENUE_COLUMNS, values, {"is_demo": False, "created_at": now, "updated_at": now})
        except IntegrityError:
            raise RowsInvalid([RowError(0, "", _("写入时与其他操作冲突，请重新导入。"))]) from None
        updated = self._update([row for _n, row in rows if row.existing is not None], now)
        return len(new), updated, len(rows) - len(new) - updated

    def _update(self, rows, now) -> int:
        """Apply each row's non-blank cells to its stored venue (locked meanwhile)."""
        stored = {}
        for chunk in in_chunks([r.existing for r in rows]):
            stored.update(Venue.objects.select_for_update().in_bulk(chunk))
        changed, fields = [], set()
        for row in rows:
            venue = stored[row.existing]
            names = [*row.fields, *(["unit_id"] if "unit" in row.refs else [])]
            diff = changed_fields(venue, row.obj, names)
            if diff:
                for name in diff:
                    setattr(venue, name, getattr(row.obj, name))
                venue.updated_at = now
                fields.update(diff)
                changed.append(venue)
        if changed:
            Venue.objects.bulk_update(changed, [*sorted(fields), "updated_at"], batch_size=1000)
        return len(changed)


# --- certifications -------------------------------------------------------------------------------


@register_importer
class CertificationImporter(VenueRowsImporter):
    kind = "venue_certifications"
    model = Certification
    policy = certification_policy

    @property
    def label(self) -> str:
        return _("阵地认定")

    def make_columns(self):
        return [
            *venue_columns(),
            Column("level", "级别", required=True, aliases=("认定级别",), help="、".join(LEVEL_LABELS)),
            Column("title", "称号", aliases=("认定称号",), help=_("如 重庆市科普教育基地；可不填")),
            Column("body", "认定单位", required=True, aliases=("命名单位", "认定机构")),
            Column("year", "认定年度", required=True, aliases=("认定年份",), help=year_help()),
            Column("valid_until", "有效期至", aliases=("有效期",), help=_("如 2027-12-31")),
            Column("review_on", "复评日期"),
            Column("document_number", "文号", aliases=("认定文号",)),
            Column("revoked_on", "撤销日期", help=_("称号被撤销时填写")),
        ]

    def clean(self, cells):
        self.clean_venue(cells)
        cells.choice("level", choice_words(Level, **LEVEL_WORDS), required=True, labels=LEVEL_LABELS)
        cells.text("title", max_length=100)
        cells.text("body", required=True, max_length=100)
        cells.year("year", required=True)
        cells.date("valid_until")
        cells.date("review_on")
        cells.text("document_number", max_length=100)
        cells.date("revoked_on")

    def key(self, row):
        return (row.obj.venue_id, row.obj.level, row.obj.year)

    def write(self, rows, *, actor):
        return self.upsert_each(
            rows, ("venue_id", "level", "year"), fixed=("level", "year"),
            create=lambda row, given: certification_create(actor=actor, venue=row.obj.venue, **row.fields),
            update=lambda old, row, given: certification_update(actor=actor, certification=old, **given))


# --- visitor figures ------------------------------------------------------------------------------


@register_importer
class VisitorFigureImporter(VenueRowsImporter):
    kind = "visitor_figures"
    model = VisitorFigure
    policy = visitor_figure_policy

    @property
    def label(self) -> str:
        return _("阵地接待人次")

    def make_columns(self):
        return [
            *venue_columns(),
            Column("year", "年度", required=True, aliases=("年份",), help=year_help()),
            Column("month", "月份", required=True, aliases=("月",), help=_("1 到 12")),
            Column("visitors", "接待人次", required=True, aliases=("接待人数", "参观人次")),
            Column("note", "备注"),
        ]

    def clean(self, cells):
        self.clean_venue(cells)
        year = cells.year("year", required=True)
        raw_month = cells.raw("month").removesuffix("月")
        if not raw_month:
            cells.fail("month", _("不能为空"))
        elif not raw_month.isdigit() or not 1 <= int(raw_month) <= 12:
            cells.fail("month", _("“%(v)s”不是 1 到 12 的月份") % {"v": cells.raw("month")})
        else:
            cells.row.fields["month"] = int(raw_month)
            today = timezone.localdate()
            if year and (year, int(raw_month)) > (today.year, today.month):
                cells.fail("month", _("不能晚于本月"))
        cells.number("visitors", required=True)
        cells.text("note")

    def key(self, row):
        return (row.obj.venue_id, row.obj.year, row.obj.month)

    def write(self, rows, *, actor):
        return upsert(VisitorFigure, rows, ("venue_id", "year", "month"))


# --- village science officers -----------------------------------------------------------------------


@register_importer
class VillageOfficerImporter(BaseDataImporter):
    """`kepu import village_officers FILE`: appoint 村级科普员 (phone numbers are never echoed)."""

    kind = "village_officers"
    model = RoleAssignment
    policy = role_assignment_policy
    region_keys = ("region_code", "village")

    @property
    def label(self) -> str:
        return _("村级科普员")

    def make_columns(self):
        return [
            Column("region_code", "村（社区）代码", aliases=("区划代码", "村代码", "社区代码"),
                   help=_("12 位村（社区）区划代码；与村（社区）名称二选一")),
            Column("village", "村（社区）", aliases=("村（社区）名称", "村名", "村", "社区"),
                   help=_("村（社区）名称；重名时填写镇（街）或区划代码")),
            Column("town", "镇（街）", aliases=("所属镇街", "乡镇（街道）", "镇街"), help=_("村（社区）所在的镇（街道）")),
            Column("name", "姓名", required=True),
            Column("phone", "手机号", required=True, aliases=("手机号码", "联系电话"),
                   help=_("11 位手机号码；已有账户的按手机号找到，没有的新建账户")),
        ]

    def clean(self, cells):
        code = cells.ref("region_code")
        village = cells.ref("village")
        town = cells.ref("town")
        if not code and not village:
            cells.fail("region_code", _("请填写村（社区）代码或村（社区）名称"))
        elif village and town:
            cells.row.refs["village"] = town + village
        cells.text("name", required=True, max_length=50)
        phone = pii.normalize_phone(cells.raw("phone"))
        if not phone:
            cells.fail("phone", _("不能为空"))
        elif not phone_validator.regex.match(phone):
            cells.fail("phone", _("请输入 11 位中国大陆手机号码"))
        else:
            cells.row.fields["phone"] = phone

    def build(self, row, unit):
        if row.region.level != RegionLevel.VILLAGE:
            return (self.region_header(row), _("“%(name)s”不是村（社区）") % {"name": row.region.name})
        row.obj = RoleAssignment(role=Role.VILLAGE_OFFICER, region=row.region)
        return None

    def validate(self, rows):
        return []  # name and phone are checked while cleaning, the rest by the service

    def scope_key(self, row):
        return (row.obj.region_id,)

    def may_write(self, actor, row):
        return role_assignment_policy.can(actor, "grant", row.obj)

    def key(self, row):
        return (row.obj.region_id, row.fields["phone"])

    def duplicate_header(self):
        return self.header_of("phone")

    def write(self, rows, *, actor):
        appointed = set()
        for chunk in in_chunks({row.obj.region_id for _n, row in rows}):
            appointed.update(RoleAssignment.objects.filter(role=Role.VILLAGE_OFFICER, region_id__in=chunk)
                             .values_list("region_id", "user__phone"))

        def save(row):
            if (row.obj.region_id, row.fields["phone"]) in appointed:
                return "skipped"
            try:
                village_officer_appoint(actor=actor, village=row.region, name=row.fields["name"],
                                        phone=row.fields["phone"])
            except Conflict:
                return "skipped"
            return "created"

        return self.write_each(rows, save)
