"""`kepu import units FILE`: units with their type, region and optional parent unit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kepu.core.audit import apply_changes, log_action
from kepu.core.imports import Column, Importer, RowError, RowInvalid, RowsInvalid, register_importer
from kepu.regions.models import Region

from .models import Unit, UnitType

TYPE_WORDS = {**{t.value: t.value for t in UnitType}, **{str(t.label): t.value for t in UnitType}}
ALIAS_SPLIT = re.compile(r"[;；、,，|]")


@dataclass
class UnitRow:
    name: str
    type: str
    region_code: str
    parent_name: str
    aliases: list[str]
    contact_name: str
    contact_phone: str
    email: str
    address: str


@register_importer
class UnitImporter(Importer):
    kind = "units"
    label = gettext_lazy("单位")
    columns = [
        Column("name", "单位名称", required=True, aliases=("名称",)),
        Column("type", "单位类型", required=True, aliases=("类型",), help="党政部门、科协、学会、中学、小学、医院、企业、媒体等"),
        Column("region_code", "区划代码", required=True, aliases=("所属区划代码", "region")),
        Column("parent", "上级单位", aliases=("parent_name",), help="同一区划或上级区划中的单位名称"),
        Column("aliases", "别名", help="多个别名用顿号或分号分隔"),
        Column("contact_name", "联系人"),
        Column("contact_phone", "联系电话"),
        Column("email", "电子邮箱"),
        Column("address", "地址"),
    ]

    def clean_row(self, values, row):
        problems = []
        name = values.get("name", "").strip()
        if not name:
            problems.append((self.header_of("name"), _("不能为空")))
        raw_type = values.get("type", "").strip()
        unit_type = TYPE_WORDS.get(raw_type)
        if unit_type is None:
            problems.append((self.header_of("type"), _("无法识别的单位类型“%(v)s”") % {"v": raw_type}))
        region_code = values.get("region_code", "").strip()
        if not region_code:
            problems.append((self.header_of("region_code"), _("不能为空")))
        if problems:
            raise RowInvalid(*problems)
        return UnitRow(
            name=name, type=unit_type, region_code=region_code,
            parent_name=values.get("parent", "").strip(),
            aliases=[a.strip() for a in ALIAS_SPLIT.split(values.get("aliases", "")) if a.strip()],
            contact_name=values.get("contact_name", "").strip(),
            contact_phone=values.get("contact_phone", "").strip(),
            email=values.get("email", "").strip(),
            address=values.get("address", "").strip(),
        )

    def check_rows(self, rows):
        errors = []
        regions = {r.code: r for r in Region.objects.filter(code__in={row.region_code for _n, row in rows})}
        seen: dict[tuple[str, str], int] = {}
        for number, row in rows:
            if row.region_code not in regions:
                errors.append(RowError(number, self.header_of("region_code"),
                                       _("区划代码 %(code)s 不存在") % {"code": row.region_code}))
                continue
            key = (row.region_code, row.name)
            if key in seen:
                errors.append(RowError(number, self.header_of("name"),
                                       _("与第 %(row)d 行重复（同一区划内单位名称不能重复）") % {"row": seen[key]}))
            seen[key] = number
        self._regions = regions
        return errors

    def commit(self, rows, *, actor):
        created = updated = 0
        # Parents first: a row may name a unit that an earlier (or later) row of the file creates.
        pending = sorted(rows, key=lambda item: bool(item[1].parent_name))
        for number, row in pending:
            region = self._regions[row.region_code]
            parent = None
            if row.parent_name:
                parent = (Unit.objects.filter(name=row.parent_name, region__path__in=region.ancestor_paths())
                          .order_by("-region__depth").first())
                if parent is None:
                    raise RowsInvalid([RowError(number, self.header_of("parent"),
                                                _("找不到上级单位“%(name)s”") % {"name": row.parent_name})])
            fields = {"type": row.type, "parent": parent, "aliases": row.aliases,
                      "contact_name": row.contact_name, "contact_phone": row.contact_phone,
                      "email": row.email, "address": row.address}
            unit = Unit.objects.filter(region=region, name=row.name).first()
            try:
                if unit is None:
                    unit = Unit(name=row.name, region=region, **fields)
                    unit.full_clean(validate_unique=False)
                    unit.save()
                    created += 1
                else:
                    changes = apply_changes(unit, fields)
                    if changes:
                        unit.full_clean(validate_unique=False)
                        unit.save()
                        log_action(actor=actor, action="unit.updated", obj=unit, changes=changes)
                        updated += 1
            except ValidationError as exc:
                raise RowsInvalid([RowError(number, self.header_of(f) if f in {c.key for c in self.columns} else f,
                                            "；".join(m)) for f, m in exc.message_dict.items()]) from exc
        return created, updated, 0
from . import base_importers  # noqa: E402,F401 -- registers school_profiles, rural_associations, funding
