"""`kepu import regions FILE`: a statistical division table (统计用区划代码表) as csv or xlsx."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kepu.core.audit import apply_changes
from kepu.core.imports import Column, Importer, RowError, RowInvalid, RowsInvalid, register_importer

from .models import Kind, Level, Region
from .services import build_region

MUNICIPALITY_PREFIXES = {"11", "12", "31", "50"}
# Rows of the national table that group districts but are not regions of their own: in the four
# municipalities 市辖区 and 县 sit between the city and its districts. Their children are attached
# to the municipality instead.
PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

LEVEL_WORDS = {
    **{lv.value: lv.value for lv in Level},
    **{str(lv.label): lv.value for lv in Level},
    "municipality": Level.PROVINCE, "city": Level.PREFECTURE, "county": Level.DISTRICT,
    "省": Level.PROVINCE, "省级": Level.PROVINCE, "直辖市": Level.PROVINCE, "地级": Level.PREFECTURE,
    "区县": Level.DISTRICT, "区县级": Level.DISTRICT, "县级": Level.DISTRICT,
    "乡镇": Level.TOWN, "乡级": Level.TOWN, "乡镇级": Level.TOWN, "镇街": Level.TOWN,
    "村": Level.VILLAGE, "村级": Level.VILLAGE, "村社区": Level.VILLAGE,
    "1": Level.PROVINCE, "2": Level.PREFECTURE, "3": Level.DISTRICT, "4": Level.TOWN, "5": Level.VILLAGE,
}
KIND_WORDS = {**{k.value: k.value for k in Kind}, **{str(k.label): k.value for k in Kind}}


def normalize_code(raw: str) -> tuple[str, str | None]:
    """The short code and, for a numeric code, the level its digits imply."""
    code = raw.strip()
    if code.isdigit() and len(code) == 12:
        if code[2:] == "0" * 10:
            return code[:6], Level.PROVINCE
        if code[4:] == "0" * 8:
            return code[:6], Level.PREFECTURE
        if code[6:] == "0" * 6:
            return code[:6], Level.DISTRICT
        if code[9:] == "000":
            return code[:9], Level.TOWN
        return code, Level.VILLAGE
    if code.isdigit() and len(code) == 6:
        if code[2:] == "0000":
            return code, Level.PROVINCE
        if code[4:] == "00":
            return code, Level.PREFECTURE
        return code, Level.DISTRICT
    if code.isdigit() and len(code) == 9:
        return code, Level.TOWN
    return code, None


def guess_kind(code: str, name: str, level: str) -> str:
    if level == Level.PROVINCE:
        return Kind.MUNICIPALITY if code[:2] in MUNICIPALITY_PREFIXES else Kind.PROVINCE
    if level == Level.PREFECTURE:
        return Kind.PREFECTURE_CITY
    suffixes = {
        Level.DISTRICT: [("自治县", Kind.AUTONOMOUS_COUNTY), ("区", Kind.DISTRICT), ("县", Kind.COUNTY), ("市", Kind.COUNTY_CITY)],
        Level.TOWN: [("街道", Kind.SUBDISTRICT), ("镇", Kind.TOWN), ("乡", Kind.TOWNSHIP)],
        Level.VILLAGE: [("社区", Kind.COMMUNITY), ("居委会", Kind.COMMUNITY), ("村", Kind.VILLAGE), ("村委会", Kind.VILLAGE)],
    }
    for suffix, kind in suffixes.get(level, []):
        if name.endswith(suffix):
            return kind
    return Kind.OTHER


def implied_parents(code: str, level: str) -> list[str]:
    """Candidate parent codes of a numeric code, nearest first."""
    if not code.isdigit():
        return []
    if level == Level.VILLAGE:
        return [code[:9]]
    if level == Level.TOWN:
        return [code[:6]]
    if level == Level.DISTRICT:
        return [code[:4] + "00", code[:2] + "0000"]
    if level == Level.PREFECTURE:
        return [code[:2] + "0000"]
    return []


@dataclass
class RegionRow:
    code: str
    name: str
    level: str
    kind: str
    parent_code: str
    candidates: list[str]
    urban_rural_code: str
    placeholder: bool


@register_importer
class RegionImporter(Importer):
    kind = "regions"
    label = gettext_lazy("行政区划")
    columns = [
        Column("code", "统计用区划代码", required=True, aliases=("区划代码", "代码"),
               help="6 位（省、区县）、9 位（乡镇街道）或 12 位代码；功能区可用英文标识"),
        Column("name", "名称", required=True, aliases=("区划名称",)),
        Column("level", "层级", aliases=("级别",), help="省级/地级/区县级/乡镇级/村级，可省略（由代码推断）"),
        Column("parent_code", "上级代码", aliases=("上级区划代码", "parent"), help="可省略（由代码推断）"),
        Column("urban_rural_code", "城乡分类代码", aliases=("城乡分类", "urban_rural"), help="如 111、121、220"),
        Column("kind", "类型", help="直辖市、市辖区、县、自治县、街道、镇、乡、社区、村等，可省略"),
    ]

    def clean_row(self, values, row):
        problems = []
        code, implied_level = normalize_code(values.get("code", ""))
        name = values.get("name", "").strip()
        if not code:
            problems.append((self.header_of("code"), _("不能为空")))
        if not name:
            problems.append((self.header_of("name"), _("不能为空")))
        raw_level = values.get("level", "").strip()
        level = LEVEL_WORDS.get(raw_level) if raw_level else implied_level
        if raw_level and level is None:
            problems.append((self.header_of("level"), _("无法识别的层级“%(v)s”") % {"v": raw_level}))
        elif level is None and code:
            problems.append((self.header_of("level"), _("非数字代码必须填写层级")))
        raw_kind = values.get("kind", "").strip()
        kind = KIND_WORDS.get(raw_kind) if raw_kind else None
        if raw_kind and kind is None:
            problems.append((self.header_of("kind"), _("无法识别的类型“%(v)s”") % {"v": raw_kind}))
        urban_rural = values.get("urban_rural_code", "").strip()
        if urban_rural and not (len(urban_rural) == 3 and urban_rural.isdigit() and urban_rural[0] in "12"):
            problems.append((self.header_of("urban_rural_code"), _("应为 3 位数字，如 111、220")))
        parent_code = normalize_code(values.get("parent_code", ""))[0]
        if problems:
            raise RowInvalid(*problems)
        return RegionRow(
            code=code, name=name, level=level, kind=kind or guess_kind(code, name, level),
            parent_code=parent_code, candidates=[parent_code] if parent_code else implied_parents(code, level),
            urban_rural_code=urban_rural,
            placeholder=level == Level.PREFECTURE and name in PLACEHOLDER_NAMES,
        )

    def check_rows(self, rows):
        errors: list[RowError] = []
        code_header = self.header_of("code")
        seen: dict[str, int] = {}
        for number, r in rows:
            if r.code in seen:
                errors.append(RowError(number, code_header, _("代码 %(code)s 与第 %(row)d 行重复") % {"code": r.code, "row": seen[r.code]}))
            else:
                seen[r.code] = number
        if errors:
            return errors
        in_file = {r.code: r for _n, r in rows}
        codes = set(in_file) | {c for _n, r in rows for c in r.candidates}
        existing = {reg.code: reg for reg in Region.objects.filter(code__in=codes)}
        self._existing = existing
        for number, r in rows:
            if r.placeholder:
                continue
            r.parent_code = self._resolve_parent(r, in_file, existing)
            if r.parent_code is None:
                want = r.candidates[0] if r.candidates else ""
                message = (_("找不到上级区划 %(code)s（文件和系统中都没有）") % {"code": want}) if want \
                    else _("非省级区划必须填写上级代码")
                if r.level == Level.PROVINCE and not r.candidates:
                    r.parent_code = ""
                    continue
                errors.append(RowError(number, self.header_of("parent_code"), message))
                continue
            current = existing.get(r.code)
            if current is not None and (current.parent.code if current.parent else "") != r.parent_code:
                errors.append(RowError(number, self.header_of("parent_code"),
                                       _("%(code)s 已在系统中且上级不同；导入不移动已有区划") % {"code": r.code}))
        return errors

    def _header_for(self, field: str) -> str:
        keys = {c.key: c.header for c in self.columns}
        return keys.get(field, keys["parent_code"] if field == "parent" else field)

    def _resolve_parent(self, r: RegionRow, in_file, existing) -> str | None:
        for candidate in r.candidates:
            row = in_file.get(candidate)
            if row is not None and row.placeholder:
                # Skip the placeholder: the child hangs under the placeholder's own parent.
                return next(iter(implied_parents(candidate, Level.PREFECTURE)), None)
            if row is not None or candidate in existing:
                return candidate
        return None

    def commit(self, rows, *, actor):
        existing = dict(self._existing)
        existing.update({reg.code: reg for reg in Region.objects.filter(code__in=[r.code for _n, r in rows])})
        created = updated = skipped = 0
        pending = [(n, r) for n, r in rows if not r.placeholder]
        skipped = len(rows) - len(pending)
        depth_of = {Level.PROVINCE: 0, Level.PREFECTURE: 1, Level.DISTRICT: 2, Level.TOWN: 3, Level.VILLAGE: 4}
        pending.sort(key=lambda item: depth_of[item[1].level])
        to_update = []
        for level in (Level.PROVINCE, Level.PREFECTURE, Level.DISTRICT, Level.TOWN, Level.VILLAGE):
            batch = []
            for number, r in pending:
                if r.level != level:
                    continue
                current = existing.get(r.code)
                if current is not None:
                    if apply_changes(current, {"name": r.name, "kind": r.kind,
                                               "urban_rural_code": r.urban_rural_code or current.urban_rural_code}):
                        to_update.append(current)
                    continue
                parent = existing.get(r.parent_code) if r.parent_code else None
                try:
                    batch.append(build_region(code=r.code, name=r.name, level=r.level, kind=r.kind,
                                              parent=parent, urban_rural_code=r.urban_rural_code))
                except ValidationError as exc:
                    raise RowsInvalid([RowError(number, self._header_for(field), "；".join(msgs))
                                       for field, msgs in exc.message_dict.items()]) from exc
            for region in Region.objects.bulk_create(batch, batch_size=1000):
                existing[region.code] = region
            created += len(batch)
        if to_update:
            Region.objects.bulk_update(to_update, ["name", "kind", "urban_rural_code"], batch_size=1000)
            updated = len(to_update)
        return created, updated, skipped
