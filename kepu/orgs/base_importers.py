"""Imports of base data (科普阵地, school profiles, 农技协, funding, media columns, 科普中国 figures).

`kepu import school_profiles|rural_associations|funding FILE`, and the shared machinery the venue
and channel importers build on: parsing cells, finding regions by code or by name under the
uploader's regions, finding units and checking each row against the record's policy.

The rules every base-data import follows, once:

- A region is given by its code (区划代码) or by its name: 永川区, 青峰镇, 重庆市永川区青峰镇. A name
  is looked for under the uploader's regions (anywhere for the command line); a name that fits
  several regions is an error that asks for the code.
- A unit is looked for in the row's region, then below it, then in the regions above it.
- A row outside the uploader's scope (the record's policy says no) is an error, never skipped.
- Kinds kept one per key (a school's profile per year, a venue's visitors per month ...) are
  upserted: a blank cell leaves the stored value as it is, so a file of a few columns corrects
  those columns only. To clear a number write 0, a yes/no 否.
- Small kinds are written row by row through their services (audited one by one); the large
  ones (venues, visitor figures, school profiles) in batches, audited as one import entry.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.accounts.scope import STAFF_ROLES, scope_of
from kepu.core.errors import KepuError
from kepu.core.import_helpers import in_chunks, parse_date, parse_yes_no
from kepu.core.imports import Column, Importer, RowError, RowInvalid, RowsInvalid, register_importer
from kepu.regions.importers import normalize_code
from kepu.regions.models import Region
from kepu.regions.querysets import subtree_q

from .models import (
    FeatureLevel,
    FundingRecord,
    FundingSource,
    FundingUse,
    RuralTechAssociation,
    SchoolProfile,
    Unit,
)
from .policies import funding_policy, rural_association_policy, school_profile_policy
from .profile_services import association_create, association_update, funding_create

BATCH = 1000
NUMBER_NOISE = re.compile(r"[,，\s]|人次$|人$|名$|个$|元$|平方米$|㎡$|次$")
LEVEL_WORDS = {"国家级": "national", "国家": "national", "全国": "national", "national": "national",
               "市级": "municipal", "省级": "municipal", "重庆市级": "municipal", "市": "municipal",
               "municipal": "municipal", "区县级": "district", "区级": "district", "县级": "district",
               "区县": "district", "district": "district"}
NOT_A_LEVEL = {"无", "否", "不是", "-", "—", "/"}


def norm(text: str) -> str:
    """A name as compared: no spaces, half-width brackets."""
    return "".join(str(text).split()).replace("（", "(").replace("）", ")")


def word(text: str) -> str:
    return norm(text).lower()


def choice_words(choices: type[models.TextChoices], **extra: str) -> dict[str, str]:
    """Each choice by its key and its Chinese label (normalized), and any other words for it."""
    words = {word(c.value): c.value for c in choices}
    words.update({word(str(c.label)): c.value for c in choices})
    words.update({word(k): v for k, v in extra.items()})
    return words


# --- one row's cells ----------------------------------------------------------------------------------


@dataclass
class Row:
    """A row as cleaned: field values from its non-blank cells, and the names still to be found."""

    fields: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # normalized (norm), compared with normalized names
    flags: dict[str, Any] = field(default_factory=dict)
    region: Region | None = None
    obj: Any = None  # the record the row describes, once its references are found
    existing: Any = None  # the stored record with the same key, for upserts
    failed: bool = False
    skip: bool = False  # a row that is not data (a 合计 line of an export)


class Cells:
    """Parse one row's cells into a Row, collecting (column header, message) problems."""

    def __init__(self, importer: Importer, values: dict[str, str]):
        self.importer = importer
        self.values = values
        self.problems: list[tuple[str, str]] = []
        self.row = Row()

    def raw(self, key: str) -> str:
        return str(self.values.get(key, "")).strip()

    def fail(self, key: str, message: str) -> None:
        self.problems.append((self.importer.header_of(key), message))

    def _missing(self, key: str, required: bool) -> bool:
        if self.raw(key):
            return False
        if required:
            self.fail(key, _("不能为空"))
        return True

    def text(self, key: str, *, to: str | None = None, required: bool = False, max_length: int = 200) -> str:
        value = self.raw(key)
        if self._missing(key, required):
            return ""
        if len(value) > max_length:
            self.fail(key, _("不能超过 %(n)d 个字") % {"n": max_length})
        self.row.fields[to or key] = value
        return value

    def ref(self, key: str, *, required: bool = False) -> str:
        """A name or code to look up later (a region, a unit, a venue)."""
        value = norm(self.raw(key))
        if not self._missing(key, required):
            self.row.refs[key] = value
        return value

    def number(self, key: str, *, to: str | None = None, required: bool = False, places: int = 0,
               maximum: int | Decimal = 2_000_000_000) -> int | Decimal | None:
        raw = self.raw(key)
        if self._missing(key, required):
            return None
        text = NUMBER_NOISE.sub("", raw)
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.fail(key, _("“%(v)s”不是数字") % {"v": raw})
            return None
        if value < 0:
            self.fail(key, _("不能是负数"))
            return None
        if value > maximum:
            self.fail(key, _("不能大于 %(max)s") % {"max": maximum})
            return None
        if places == 0:
            if value != value.to_integral_value():
                self.fail(key, _("应为整数"))
                return None
            result: int | Decimal = int(value)
        else:
            result = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        self.row.fields[to or key] = result
        return result

    def coordinate(self, key: str, *, limit: int) -> Decimal | None:
        """A longitude or latitude in decimal degrees (negative allowed), kept to 6 places."""
        raw = self.raw(key)
        if not raw:
            return None
        try:
            value = Decimal(raw.replace("°", ""))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or abs(value) > limit:
            self.fail(key, _("“%(v)s”不是有效的坐标（十进制度数，绝对值不超过 %(n)d）") % {"v": raw, "n": limit})
            return None
        value = value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        self.row.fields[key] = value
        return value

    def year(self, key: str, *, required: bool = False) -> int | None:
        raw = self.raw(key)
        if self._missing(key, required):
            return None
        text = raw.removesuffix("年度").removesuffix("年")
        if not text.isdigit() or not 1949 <= int(text) <= 2100:
            self.fail(key, _("“%(v)s”不是有效的年度，请写成 2024 的样子") % {"v": raw})
            return None
        self.row.fields[key] = int(text)
        return int(text)

    def date(self, key: str, *, to: str | None = None, required: bool = False) -> datetime.date | None:
        raw = self.raw(key)
        if self._missing(key, required):
            return None
        try:
            value = parse_date(raw)
        except (ValueError, OverflowError):
            self.fail(key, _("无法识别的日期“%(v)s”，请写成 2024-03-05 的样子") % {"v": raw})
            return None
        if not 1900 <= value.year <= 2100:
            self.fail(key, _("无法识别的日期“%(v)s”，请写成 2024-03-05 的样子") % {"v": raw})
            return None
        self.row.fields[to or key] = value
        return value

    def yes_no(self, key: str, *, to: str | None = None) -> bool | None:
        raw = self.raw(key)
        try:
            value = parse_yes_no(raw)
        except ValueError:
            self.fail(key, _("请填写“是”或“否”"))
            return None
        if value is not None:
            self.row.fields[to or key] = value
        return value

    def choice(self, key: str, words: dict[str, str], *, to: str | None = None, required: bool = False,
               labels: Iterable[str] = ()) -> str | None:
        raw = self.raw(key)
        if self._missing(key, required):
            return None
        value = words.get(word(raw))
        if value is None:
            self.fail(key, _("无法识别的“%(v)s”，请填写：%(choices)s") % {"v": raw, "choices": "、".join(labels)})
            return None
        self.row.fields[to or key] = value
        return value

    def done(self) -> Row:
        if self.problems:
            raise RowInvalid(*self.problems)
        return self.row


def model_problems(obj: models.Model, headers: dict[str, str], *, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The model's own validation (field validators, lengths, clean()) as (header, message) pairs.

    References are left out (they were found, not typed), and so are uniqueness and database
    constraints: the importers check those across rows with one query for the whole file.
    """
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        out = []
        for name, messages in exc.message_dict.items():
            for message in messages:
                out.append((headers.get(name, ""), message))
        return out
    return []


# --- regions by code or name ------------------------------------------------------------------------


class RegionFinder:
    """The regions a file names, by code or by name under the uploader's regions (all for None)."""

    def __init__(self, actor):
        scope = scope_of(actor) if actor is not None else None
        if scope is None or scope.platform_admin:
            self.roots: list[str] | None = None
        else:
            self.roots = sorted({*scope.region_paths(STAFF_ROLES), *scope.unit_region_paths(STAFF_ROLES)})
        self.by_code: dict[str, Region] = {}
        self.by_name: dict[str, list[Region]] = {}
        self.names_of: dict[str, str] = {}  # code -> name, for the regions above the candidates

    def load(self, codes: Iterable[str], names: Iterable[str]) -> None:
        codes = {normalize_code(c)[0] for c in codes if c}
        for chunk in in_chunks(codes):
            self.by_code.update((r.code, r) for r in Region.objects.filter(code__in=chunk))
        suffixes = {n[i:] for n in set(names) if n for i in range(len(n) - 1)}
        candidates = Region.objects.all()
        if self.roots is not None:
            candidates = candidates.filter(subtree_q(self.roots))
        for chunk in in_chunks(suffixes):
            for region in candidates.filter(name__in=chunk):
                self.by_name.setdefault(norm(region.name), []).append(region)
        above = {c for regions in self.by_name.values() for r in regions for c in r.ancestor_codes()[:-1]}
        for chunk in in_chunks(above - set(self.names_of)):
            self.names_of.update(Region.objects.filter(code__in=chunk).values_list("code", "name"))

    def chain(self, region: Region) -> str:
        """The region's name with those above it: 重庆市永川区青峰镇."""
        return "".join(self.names_of.get(c, "") for c in region.ancestor_codes()[:-1]) + region.name

    def _named(self, name: str) -> list[Region]:
        """Regions whose name ends `name`, the rest of it being names of regions above them."""
        found = []
        for i in range(len(name) - 1):
            for region in self.by_name.get(name[i:], []):
                rest = name[:i]
                for code in reversed(region.ancestor_codes()[:-1]):
                    above = norm(self.names_of.get(code, ""))
                    if above and rest.endswith(above):
                        rest = rest[: -len(above)]
                if not rest:
                    found.append(region)
        return found

    def find(self, code: str, name: str) -> tuple[Region | None, str]:
        """The region, or None and why not."""
        if code:
            short = normalize_code(code)[0]
            region = self.by_code.get(short)
            return (region, "") if region else (None, _("区划代码 %(code)s 不存在") % {"code": short})
        found = self._named(norm(name))
        if len(found) == 1:
            return found[0], ""
        if found:
            shown = "、".join(self.chain(r) for r in found[:3])
            return None, _("“%(name)s”对应多个区划（%(list)s），请填写区划代码或带上上级区划名称") % {
                "name": name, "list": shown}
        if self.roots is not None:
            return None, _("在您管理的区划中找不到“%(name)s”") % {"name": name}
        return None, _("找不到区划“%(name)s”") % {"name": name}


# --- units by name ------------------------------------------------------------------------------------


class UnitFinder:
    """Units by any name they go by, near a region: in it, below it, then in the regions above."""

    def __init__(self, regions: Iterable[Region]):
        paths = [r.path for r in regions]
        self.index: dict[str, list[Unit]] = {}
        if not paths:
            return
        parts = [p.strip("/").split("/") for p in paths]
        common = []
        for level in zip(*parts, strict=False):
            if len(set(level)) != 1:
                break
            common.append(level[0])
        root = "/".join(common) + "/" if common else ""
        q = subtree_q([root], field="region__path") if root else Q()
        above = ["/".join(common[:i]) + "/" for i in range(1, len(common))]
        if above:
            q |= Q(region__path__in=above)
        for unit in Unit.objects.filter(q).select_related("region"):
            for name in {unit.name, unit.full_name, *(unit.aliases or [])}:
                bucket = self.index.setdefault(norm(name), [])
                if unit not in bucket:
                    bucket.append(unit)

    def find(self, region: Region, name: str) -> tuple[Unit | None, str]:
        candidates = self.index.get(norm(name), [])
        tiers = [[u for u in candidates if u.region.path == region.path],
                 [u for u in candidates if u.region.path.startswith(region.path) and u.region.path != region.path]]
        for path in reversed(region.ancestor_paths()[:-1]):
            tiers.append([u for u in candidates if u.region.path == path])
        for tier in tiers:
            if len(tier) == 1:
                return tier[0], ""
            if tier:
                shown = "、".join(f"{u.region.name}{u.name}" for u in tier[:3])
                return None, _("“%(name)s”对应多个单位（%(list)s），请填写单位全称或更具体的区划") % {
                    "name": name, "list": shown}
        return None, _("在%(region)s及其上下级区划中找不到单位“%(name)s”") % {"region": region.name, "name": name}


# --- the importer all base data share ------------------------------------------------------------


class BaseDataImporter(Importer):
    """Clean rows into `Row`s; then find references, validate, check scope and duplicates.

    A subclass gives `clean` (cells -> Row), `build` (Row with its region -> the record, or an
    error), `policy`, and `write`; optionally `key` (rows with the same key are duplicates, or
    upserted), `fk_fields` (excluded from the model validation) and `field_columns` (model field ->
    column key, for naming the column of a model validation error).
    """

    policy: Any = None
    model: type[models.Model]
    region_keys = ("region_code", "region_name")
    fk_fields: tuple[str, ...] = ("region", "unit", "region_path")
    field_columns: dict[str, str] = {}
    # The uploader whose scope rows are checked against while validating; None is the system.
    actor = None

    def __init__(self):
        self.columns = self.make_columns()

    def make_columns(self) -> list[Column]:
        raise NotImplementedError

    def clean(self, cells: Cells) -> None:
        raise NotImplementedError

    def clean_row(self, values, row):
        cells = Cells(self, values)
        self.clean(cells)
        return cells.done()

    def region_cells(self, cells: Cells) -> None:
        code_key, name_key = self.region_keys
        if not cells.ref(code_key) and not cells.ref(name_key):
            cells.fail(code_key, _("请填写%(code)s或%(name)s") % {"code": self.header_of(code_key),
                                                               "name": self.header_of(name_key)})

    # --- across rows ------------------------------------------------------------------------------

    def check_rows(self, rows):
        errors: list[RowError] = []
        live = [(n, r) for n, r in rows if not r.skip]
        by_number = dict(live)
        for stage in (self.resolve, self.validate, self.scope_errors_of_actor, self.duplicates):
            found = stage([(n, r) for n, r in live if not r.failed])
            for error in found:
                if error.row in by_number:
                    by_number[error.row].failed = True
            errors.extend(found)
        return errors

    def region_of(self, number: int, row: Row, finder: RegionFinder) -> RowError | None:
        code_key, name_key = self.region_keys
        region, why = finder.find(row.refs.get(code_key, ""), row.refs.get(name_key, ""))
        row.region = region
        if region is None:
            return RowError(number, self.region_header(row), why)
        return None

    def region_header(self, row: Row) -> str:
        code_key, name_key = self.region_keys
        return self.header_of(code_key if row.refs.get(code_key) else name_key)

    def resolve(self, rows) -> list[RowError]:
        """Find each row's region and other references and build its record."""
        code_key, name_key = self.region_keys
        finder = RegionFinder(self.actor)
        finder.load((r.refs.get(code_key, "") for _n, r in rows), (r.refs.get(name_key, "") for _n, r in rows))
        errors = []
        for number, row in rows:
            error = self.region_of(number, row, finder)
            if error:
                errors.append(error)
        found = [(n, r) for n, r in rows if r.region is not None]
        errors.extend(self.build_all(found))
        return errors

    def build_all(self, rows) -> list[RowError]:
        units = UnitFinder({r.region for _n, r in rows}) if any("unit" in r.refs for _n, r in rows) else None
        errors = []
        for number, row in rows:
            unit = None
            if units is not None and row.refs.get("unit"):
                unit, why = units.find(row.region, row.refs["unit"])
                if unit is None:
                    errors.append(RowError(number, self.header_of("unit"), why))
                    continue
            problem = self.build(row, unit)
            if problem:
                errors.append(RowError(number, *problem))
        return errors

    def build(self, row: Row, unit: Unit | None) -> tuple[str, str] | None:
        """Set row.obj (the record with the row's fields); or return (header, message)."""
        raise NotImplementedError

    def validate(self, rows) -> list[RowError]:
        headers = {f: self.header_of(self.field_columns.get(f, f)) for f in self._field_keys()}
        errors = []
        for number, row in rows:
            if hasattr(row.obj, "sync_region_path"):
                row.obj.sync_region_path()
            problems = model_problems(row.obj, {**headers, "region": self.region_header(row)}, exclude=self.fk_fields)
            errors.extend(RowError(number, h, m) for h, m in problems)
        return errors

    def _field_keys(self) -> set[str]:
        keys = {c.key for c in self.columns}
        return {f.name for f in self.model._meta.fields if f.name in keys or f.name in self.field_columns}

    def scope_errors_of_actor(self, rows) -> list[RowError]:
        return self.scope_errors(rows, self.actor)

    def scope_errors(self, rows, actor) -> list[RowError]:
        """Rows the actor may not write: each one an error, never a silent skip."""
        if actor is None:
            return []
        allowed: dict[tuple, bool] = {}
        errors = []
        for number, row in rows:
            key = self.scope_key(row)
            if key not in allowed:
                allowed[key] = self.may_write(actor, row)
            if not allowed[key]:
                errors.append(RowError(number, self.region_header(row), _("不在您的管理范围内")))
        return errors

    def scope_key(self, row: Row) -> tuple:
        return (row.obj.region_id, getattr(row.obj, "unit_id", None))

    def may_write(self, actor, row: Row) -> bool:
        return self.policy.can(actor, "add", row.obj)

    def key(self, row: Row) -> tuple | None:
        """Rows with the same key describe the same record; None: no such key."""
        return None

    def duplicates(self, rows) -> list[RowError]:
        errors = []
        first: dict[tuple, int] = {}
        for number, row in rows:
            key = self.key(row)
            if key is None:
                continue
            if key in first:
                errors.append(RowError(number, self.duplicate_header(), _("与第 %(row)d 行重复") % {"row": first[key]}))
            else:
                first[key] = number
        return errors

    def duplicate_header(self) -> str:
        return self.columns[0].header

    # --- writing ----------------------------------------------------------------------------------

    def commit(self, rows, *, actor):
        live = [(n, r) for n, r in rows if not r.skip]
        if actor is not self.actor:
            errors = self.scope_errors(live, actor)
            if errors:
                raise RowsInvalid(errors)
        created, updated, skipped = self.write(live, actor=actor)
        return created, updated, skipped + len(rows) - len(live)

    def write(self, rows, *, actor) -> tuple[int, int, int]:
        raise NotImplementedError

    def column_header(self, field_name: str) -> str:
        """The header of the column a model field comes from; "" when none does."""
        key = self.field_columns.get(field_name, field_name)
        return self.header_of(key) if any(c.key == key for c in self.columns) else ""

    def service_errors(self, number: int, exc: Exception) -> list[RowError]:
        """A service's refusal of one row, as row errors."""
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            return [RowError(number, self.column_header(f), m) for f, messages in exc.message_dict.items()
                    for m in messages]
        if isinstance(exc, ValidationError):
            return [RowError(number, "", m) for m in exc.messages]
        if isinstance(exc, PermissionDenied):
            return [RowError(number, "", _("不在您的管理范围内"))]
        return [RowError(number, "", str(getattr(exc, "message", exc)))]

    def write_each(self, rows, save) -> tuple[int, int, int]:
        """Call `save(row)` (returning "created", "updated" or "skipped") for each row through the
        services; every refusal is collected and named by its row, and then nothing is kept."""
        counts = {"created": 0, "updated": 0, "skipped": 0}
        errors: list[RowError] = []
        for number, row in rows:
            try:
                counts[save(row)] += 1
            except (ValidationError, PermissionDenied, KepuError) as exc:
                errors.extend(self.service_errors(number, exc))
        if errors:
            raise RowsInvalid(errors)
        return counts["created"], counts["updated"], counts["skipped"]

    def upsert_each(self, rows, key_fields: tuple[str, ...], *, create, update, fixed: tuple[str, ...] = (),
                    extra: dict | None = None) -> tuple[int, int, int]:
        """Through the services, row by row: `create(row)` when no stored record has the row's key,
        else `update(old, row, given)` with the fields the row gives (less the key's `fixed` ones,
        plus `extra`), and skip the row when none of them differs from the stored record."""
        existing = existing_by_key(self.model, rows, key_fields)

        def save(row):
            old = existing.get(tuple(getattr(row.obj, k) for k in key_fields))
            given = {k: v for k, v in row.fields.items() if k not in fixed} | (extra or {})
            if old is None:
                create(row, given)
                return "created"
            if not changed_fields(old, row.obj, given):
                return "skipped"
            update(old, row, given)
            return "updated"

        return self.write_each(rows, save)


def existing_by_key(model: type[models.Model], rows, key_fields: tuple[str, ...]) -> dict[tuple, models.Model]:
    """The stored records with the keys of `rows` (their objs), by key; one query per few thousand."""
    first = key_fields[0]
    values = {getattr(r.obj, first) for _n, r in rows}
    out = {}
    for chunk in in_chunks(values):
        for obj in model.objects.filter(**{f"{first}__in": chunk}):
            out[tuple(getattr(obj, k) for k in key_fields)] = obj
    return out


def changed_fields(old: models.Model, new: models.Model, names: Iterable[str]) -> list[str]:
    return [n for n in names if getattr(old, n) != getattr(new, n)]


def upsert(model: type[models.Model], rows, key_fields: tuple[str, ...]) -> tuple[int, int, int]:
    """Create the rows' new records and update the stored ones with the row's given fields, in batches."""
    existing = existing_by_key(model, rows, key_fields)
    new, changed, fields = [], [], set()
    now = timezone.now()
    for _number, row in rows:
        old = existing.get(tuple(getattr(row.obj, k) for k in key_fields))
        if old is None:
            new.append(row.obj)
            continue
        diff = changed_fields(old, row.obj, row.fields)
        if diff:
            for name in diff:
                setattr(old, name, getattr(row.obj, name))
            fields.update(diff)
            changed.append(old)
    try:
        model.objects.bulk_create(new, batch_size=BATCH)
    except IntegrityError:
        raise RowsInvalid([RowError(0, "", _("写入时与其他操作冲突，请重新导入。"))]) from None
    if changed:
        if any(f.name == "updated_at" for f in model._meta.fields):
            for obj in changed:
                obj.updated_at = now
            fields.add("updated_at")
        model.objects.bulk_update(changed, sorted(fields), batch_size=BATCH)
    return len(new), len(changed), len(rows) - len(new) - len(changed)


def may_add(policy):
    """Who may open an import page of records under `policy`: whoever may add such records somewhere."""
    return lambda user: policy.can(user, "add")


LEVEL_LABELS = ("国家级", "市级", "区县级")


# Column help, in the uploader's language (the columns are built per importer instance).
def year_help() -> str:
    return _("如 2024")


def region_code_help() -> str:
    return _("区划代码，如 500118（永川区）、500118100（青峰镇）；与名称二选一")


def region_name_help() -> str:
    return _("区划名称，如 青峰镇、永川区青峰镇；在您管理的区划中查找，重名时请填写区划代码")


# --- school profiles --------------------------------------------------------------------------------


@register_importer
class SchoolProfileImporter(BaseDataImporter):
    """`kepu import school_profiles FILE`: one row per school and year, upserted."""

    kind = "school_profiles"
    model = SchoolProfile
    policy = school_profile_policy

    @property
    def label(self) -> str:
        return _("学校科普情况")

    def make_columns(self):
        return [
            Column("unit", "学校", required=True, aliases=("学校名称", "单位", "单位名称"),
                   help=_("学校名称或别名，在所填区划及其上下级区划中查找；须是小学或中学")),
            Column("region_code", "区划代码", aliases=("所属区划代码",), help=region_code_help()),
            Column("region_name", "所属区划", aliases=("区划名称", "区划"), help=region_name_help()),
            Column("year", "年度", required=True, aliases=("年份",), help=year_help()),
            Column("district_run", "区属", aliases=("区属学校", "是否区属"), help=_("是 或 否；新增时不填为是")),
            Column("science_teachers", "科学教师", aliases=("科学教师人数", "科学教师数"), help=_("人数")),
            Column("tutors_full_time", "专职科技辅导员", aliases=("专职科技辅导员人数",), help=_("人数")),
            Column("tutors_part_time", "兼职科技辅导员", aliases=("兼职科技辅导员人数",), help=_("人数")),
            Column("has_tech_room", "科技活动室", aliases=("建有科技活动室", "是否建有科技活动室"), help=_("是 或 否")),
            Column("feature_level", "科技特色学校级别", aliases=("科技特色学校",),
                   help=_("国家级、市级、区县级；不是科技特色学校填“无”")),
            Column("note", "备注"),
        ]

    def clean(self, cells):
        cells.ref("unit", required=True)
        self.region_cells(cells)
        cells.year("year", required=True)
        cells.yes_no("district_run")
        for key in ("science_teachers", "tutors_full_time", "tutors_part_time"):
            cells.number(key, maximum=10_000)
        cells.yes_no("has_tech_room")
        raw_level = cells.raw("feature_level")
        if raw_level and norm(raw_level) in NOT_A_LEVEL:
            cells.row.fields["feature_level"] = ""
        else:
            cells.choice("feature_level", choice_words(FeatureLevel, **LEVEL_WORDS), labels=LEVEL_LABELS)
        cells.text("note")

    def build(self, row, unit):
        row.obj = SchoolProfile(unit=unit, region=unit.region, **row.fields)
        return None

    def key(self, row):
        return (row.obj.unit_id, row.obj.year)

    def duplicate_header(self):
        return self.header_of("unit")

    def write(self, rows, *, actor):
        return upsert(SchoolProfile, rows, ("unit_id", "year"))


# --- 农技协 ---------------------------------------------------------------------------------------


@register_importer
class RuralAssociationImporter(BaseDataImporter):
    """`kepu import rural_associations FILE`: one row per association of a town, upserted by name."""

    kind = "rural_associations"
    model = RuralTechAssociation
    policy = rural_association_policy

    @property
    def label(self) -> str:
        return _("农技协")

    def make_columns(self):
        return [
            Column("name", "名称", required=True, aliases=("协会名称", "农技协名称")),
            Column("region_name", "镇（街）", aliases=("所属镇街", "乡镇（街道）", "镇街", "所属区划"),
                   help=_("镇（街道）名称，如 青峰镇、永川区青峰镇；在您管理的区划中查找")),
            Column("region_code", "区划代码", help=_("镇（街道）或村（社区）的区划代码；与镇（街）二选一")),
            Column("founded_on", "成立日期", help=_("如 2019-06-01")),
            Column("members", "会员数", aliases=("会员人数",), help=_("人数")),
            Column("on_smart_platform", "入驻智慧农技协平台", aliases=("已入驻智慧农技协平台", "智慧农技协平台"),
                   help=_("是 或 否")),
            Column("industry", "产业领域", aliases=("产业",), help=_("如 柑橘、茶叶、生猪")),
            Column("contact_name", "联系人"),
        ]

    def clean(self, cells):
        cells.text("name", required=True)
        self.region_cells(cells)
        cells.date("founded_on")
        cells.number("members", maximum=10_000_000)
        cells.yes_no("on_smart_platform")
        cells.text("industry", max_length=100)
        cells.text("contact_name", max_length=50)

    def build(self, row, unit):
        row.obj = RuralTechAssociation(region=row.region, **row.fields)
        return None

    def key(self, row):
        return (row.obj.region_id, row.obj.name)

    def write(self, rows, *, actor):
        return self.upsert_each(
            rows, ("region_id", "name"), fixed=("name",),
            create=lambda row, given: association_create(actor=actor, region=row.region, **row.fields),
            update=lambda old, row, given: association_update(actor=actor, association=old, **given))


# --- funding --------------------------------------------------------------------------------------


@register_importer
class FundingImporter(BaseDataImporter):
    """`kepu import funding FILE`: funding records, always new; a record already stored is an error."""

    kind = "funding"
    model = FundingRecord
    policy = funding_policy

    @property
    def label(self) -> str:
        return _("科普经费")

    def make_columns(self):
        return [
            Column("region_code", "区划代码", aliases=("所属区划代码",), help=region_code_help()),
            Column("region_name", "所属区划", aliases=("区划名称", "区划"), help=region_name_help()),
            Column("unit", "单位", aliases=("单位名称", "填报单位"), help=_("单位名称或别名；可不填（区划的经费）")),
            Column("year", "年度", required=True, aliases=("年份",), help=year_help()),
            Column("source", "来源", required=True, aliases=("经费来源",),
                   help="、".join(str(s.label) for s in FundingSource)),
            Column("use", "使用方向", aliases=("支出方向", "用途类别"),
                   help="、".join(str(u.label) for u in FundingUse) + _("；不填为科普活动支出")),
            Column("budgeted", "预算金额", aliases=("预算金额（元）", "预算数"), help=_("单位：元")),
            Column("received", "到位金额", aliases=("到位金额（元）", "到位数", "实际到位"), help=_("单位：元；与预算金额至少填一项")),
            Column("purpose", "用途", required=True, aliases=("项目名称", "经费用途")),
            Column("document_number", "预算文号", aliases=("文号",)),
            Column("note", "备注"),
        ]

    def clean(self, cells):
        self.region_cells(cells)
        cells.ref("unit")
        cells.year("year", required=True)
        cells.choice("source", choice_words(FundingSource, 财政拨款="fiscal_budget", 财政预算="fiscal_budget",
                                            财政专项="fiscal_special", 专项经费="fiscal_special", 捐赠="donation",
                                            自筹="self_raised", 其他="other"),
                     required=True, labels=[str(s.label) for s in FundingSource])
        cells.choice("use", choice_words(FundingUse, 行政="administration", 活动="activities",
                                         场馆基建="venue_construction", 基建="venue_construction", 其他="other"),
                     labels=[str(u.label) for u in FundingUse])
        budgeted = cells.number("budgeted", places=2, maximum=Decimal("999999999999"))
        received = cells.number("received", places=2, maximum=Decimal("999999999999"))
        if budgeted is None and received is None and not cells.raw("budgeted") and not cells.raw("received"):
            cells.fail("budgeted", _("预算金额和到位金额至少填写一项"))
        cells.text("purpose", required=True)
        cells.text("document_number", max_length=100)
        cells.text("note")

    def build(self, row, unit):
        row.obj = FundingRecord(region=row.region, unit=unit, **row.fields)
        return None

    def key(self, row):
        o = row.obj
        return (o.region_id, o.unit_id, o.year, o.source, o.use, o.purpose, o.budgeted, o.received)

    def duplicates(self, rows):
        """The same record twice, in the file or already stored, would count its money twice."""
        errors = super().duplicates(rows)
        stored = set()
        for chunk in in_chunks({r.obj.region_id for _n, r in rows}):
            stored.update(FundingRecord.objects.filter(region_id__in=chunk).values_list(
                "region_id", "unit_id", "year", "source", "use", "purpose", "budgeted", "received"))
        for number, row in rows:
            if self.key(row) in stored:
                errors.append(RowError(number, self.header_of("purpose"),
                                       _("系统中已有相同的经费记录（同一区划、单位、年度、来源、用途和金额）")))
        return errors

    def duplicate_header(self):
        return self.header_of("purpose")

    def write(self, rows, *, actor):
        def save(row):
            funding_create(actor=actor, region=row.region, unit=row.obj.unit, **row.fields)
            return "created"

        return self.write_each(rows, save)
