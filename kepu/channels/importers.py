"""`kepu import column_issues FILE` and `kepu import info_officers FILE [--year]`.

Column issues are added to columns that already exist (outlet and column by name, among the
outlets the uploader may see; 区划代码 tells apart outlets of the same name); an issue already
logged (same column, date and title) is an error. The 科普中国 figures come from the platform's
export as it is: regions by code or by name (重庆市永川区, 永川区, town names under the uploader's
region), the year from a 年度 column or chosen on the page when the export has none; each region
and year is upserted with source “科普中国平台导出”. A 合计 row of the export is skipped.

The shared rules are in kepu.orgs.base_importers.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from kepu.core.import_helpers import in_chunks
from kepu.core.imports import Column as ImportColumn
from kepu.core.imports import RowError, register_importer
from kepu.orgs.base_importers import (
    BaseDataImporter,
    norm,
    region_code_help,
    year_help,
)
from kepu.regions.importers import normalize_code

from .models import Column, ColumnIssue, FigureSource, InfoOfficerFigure, MediaOutlet
from .policies import column_issue_policy, info_officer_policy, outlet_policy
from .services import info_officers_set, issue_create

TOTAL_WORDS = {"合计", "总计", "小计", "全市合计", "全市", "总数"}


@register_importer
class ColumnIssueImporter(BaseDataImporter):
    kind = "column_issues"
    model = ColumnIssue
    policy = column_issue_policy
    fk_fields = ("column", "region_path")

    @property
    def label(self) -> str:
        return _("栏目刊播记录")

    def make_columns(self):
        return [
            ImportColumn("outlet", "媒体", required=True, aliases=("媒体名称",), help=_("已登记的媒体名称")),
            ImportColumn("column", "栏目", required=True, aliases=("栏目名称",), help=_("该媒体已登记的科普栏目")),
            ImportColumn("region_code", "区划代码", help=_("媒体所属区划的代码；不同区划有同名媒体时填写")),
            ImportColumn("date", "刊播日期", required=True, aliases=("日期", "播出日期", "刊发日期"),
                         help=_("如 2024-03-05")),
            ImportColumn("title", "标题", required=True, aliases=("题目",)),
            ImportColumn("url", "链接", aliases=("网址",), help=_("http:// 或 https:// 开头；可不填")),
        ]

    def clean(self, cells):
        cells.ref("outlet", required=True)
        cells.ref("column", required=True)
        cells.ref("region_code")
        cells.date("date", required=True)
        cells.text("title", required=True)
        url = cells.text("url", max_length=500)
        if url:
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                cells.fail("url", _("不是有效的链接，请以 http:// 或 https:// 开头"))

    def resolve(self, rows):
        """Each row's column: outlet by name among those the uploader sees, then its column by name."""
        outlets = MediaOutlet.objects.select_related("region")
        if self.actor is not None:
            outlets = outlet_policy.visible_to(self.actor).select_related("region")
        by_name: dict[str, list[MediaOutlet]] = {}
        for outlet in outlets:  # a region has a handful: compare them all by normalized name
            by_name.setdefault(norm(outlet.name), []).append(outlet)
        columns = {}
        found_outlets = {o.pk for _n, r in rows for o in by_name.get(r.refs["outlet"], [])}
        for chunk in in_chunks(found_outlets):
            for column in Column.objects.filter(outlet_id__in=chunk).select_related("outlet__region"):
                columns[(column.outlet_id, norm(column.name))] = column
        errors = []
        for number, row in rows:
            found = by_name.get(row.refs["outlet"], [])
            if row.refs.get("region_code"):
                code = normalize_code(row.refs["region_code"])[0]
                found = [o for o in found if o.region.code == code]
            if len(found) != 1:
                message = (_("有多个名为“%(name)s”的媒体，请填写区划代码") if found
                           else _("找不到媒体“%(name)s”（须先登记媒体和栏目）"))
                errors.append(RowError(number, self.header_of("outlet"), message % {"name": row.refs["outlet"]}))
                continue
            column = columns.get((found[0].pk, row.refs["column"]))
            if column is None:
                errors.append(RowError(number, self.header_of("column"), _("“%(outlet)s”没有栏目“%(name)s”") % {
                    "outlet": found[0].name, "name": row.refs["column"]}))
                continue
            row.obj = ColumnIssue(column=column, **row.fields)
            row.region = found[0].region
        return errors

    def region_header(self, row):
        return self.header_of("outlet")

    def scope_key(self, row):
        return (row.obj.column.outlet_id,)

    def key(self, row):
        return (row.obj.column_id, row.obj.date, row.obj.title)

    def duplicates(self, rows):
        """The same issue twice, in the file or already logged, would count a week twice."""
        errors = super().duplicates(rows)
        stored = set()
        for chunk in in_chunks({r.obj.column_id for _n, r in rows}):
            stored.update(ColumnIssue.objects.filter(column_id__in=chunk).values_list("column_id", "date", "title"))
        for number, row in rows:
            if self.key(row) in stored:
                errors.append(RowError(number, self.header_of("title"), _("系统中已有这一期（同一栏目、日期和标题）")))
        return errors

    def duplicate_header(self):
        return self.header_of("title")

    def write(self, rows, *, actor):
        def save(row):
            issue_create(actor=actor, column=row.obj.column, **row.fields)
            return "created"

        return self.write_each(rows, save)


@register_importer
class InfoOfficerImporter(BaseDataImporter):
    kind = "info_officers"
    model = InfoOfficerFigure
    policy = info_officer_policy
    # The year of rows without a 年度 cell: chosen on the import page (or --year on the command line).
    default_year: int | None = None

    @property
    def label(self) -> str:
        return _("科普中国信息员")

    def make_columns(self):
        return [
            ImportColumn("region_code", "区划代码", aliases=("地区代码", "行政区划代码"), help=region_code_help()),
            ImportColumn("region_name", "地区", aliases=("区划", "所属区划", "区域", "地区名称", "区县", "行政区划",
                                                         "区县名称", "镇街", "所属地区"),
                         help=_("如 重庆市永川区、永川区，或您所辖的镇（街）名称；与区划代码二选一")),
            ImportColumn("year", "年度", aliases=("年份",),
                         help=year_help() + _("；平台导出的文件没有年度列时，在导入页面选择年度")),
            ImportColumn("registered", "信息员人数", required=True, aliases=("注册信息员数", "信息员总数", "信息员数"),
                         help=_("人数")),
            ImportColumn("active", "年度活跃人数", required=True, aliases=("活跃人数", "年度总活跃人数"), help=_("人数")),
            ImportColumn("shares", "分享次数", aliases=("分享量", "分享数"), help=_("不填为 0")),
        ]

    def clean(self, cells):
        if norm(cells.raw("region_name")) in TOTAL_WORDS and not cells.raw("region_code"):
            cells.row.skip = True
            return
        self.region_cells(cells)
        year = cells.year("year")
        if year is None and not cells.raw("year"):
            if self.default_year is None:
                cells.fail("year", _("没有年度：请在文件中加“年度”列，或在导入时选择年度"))
            else:
                cells.row.fields["year"] = self.default_year
        cells.number("registered", required=True)
        cells.number("active", required=True)
        cells.number("shares", maximum=9_000_000_000_000)

    def build(self, row, unit):
        row.obj = InfoOfficerFigure(region=row.region, source=FigureSource.IMPORTED, **row.fields)
        return None

    def key(self, row):
        return (row.obj.region_id, row.obj.year)

    def duplicate_header(self):
        return self.header_of("region_name")

    def write(self, rows, *, actor):
        def enter(row, given):
            info_officers_set(actor=actor, region=row.region, year=row.obj.year, **given)

        return self.upsert_each(rows, ("region_id", "year"), fixed=("year",), extra={"source": FigureSource.IMPORTED},
                                create=enter, update=lambda old, row, given: enter(row, given))
