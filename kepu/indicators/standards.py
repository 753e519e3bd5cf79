"""Standards as data: read and check the YAML format of standard-yongchuan-2021-2025.yaml.

`parse_standard(text)` returns a StandardSpec or raises StandardFileError with every problem found
(in Chinese, each naming the indicator code or the place in the file), so that a file with any error
writes nothing. Writing the spec to the database is `services.standard_load`.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from kepu.core.documents import name_list, parse_date, read_yaml
from kepu.core.imports import DocumentInvalid
from kepu.core.measures import all_measures

from .models import Kind, Op, Recurrence

MAX_DEPTH = 4
# What the columns hold (Target.value: 18 digits, 6 decimals; Indicator.weight: 7 digits, 2 decimals).
TARGET_LIMIT = Decimal(10) ** 12
WEIGHT_LIMIT = Decimal(10) ** 5
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
STANDARD_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
NODE_KEYS = {"code", "name", "text", "children", "lead_units", "responsible_units", "kind", "measure", "target",
             "measures", "recurrence", "source_note", "weight", "points"}


class StandardFileError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class TargetSpec:
    measure: str
    op: str
    value: Decimal


@dataclass
class IndicatorSpec:
    code: str
    level: int
    parent_code: str | None
    name: str = ""
    text: str = ""
    kind: str = Kind.GROUP
    lead_units: list[str] = field(default_factory=list)
    responsible_units: list[str] = field(default_factory=list)
    recurrence: str = Recurrence.ONCE
    weight: Decimal | None = None
    source_note: str = ""
    targets: list[TargetSpec] = field(default_factory=list)


@dataclass
class StandardSpec:
    code: str
    title: str
    issuer: str = ""
    document_number: str = ""
    issued_on: datetime.date | None = None
    region_code: str = ""
    period_start: int = 0
    period_end: int = 0
    source_file: str = ""
    digest: str = ""  # of the file's bytes
    phases: list[dict] = field(default_factory=list)
    measure_defs: dict[str, dict] = field(default_factory=dict)
    indicators: list[IndicatorSpec] = field(default_factory=list)  # depth-first, parents first


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        return None
    if str(value).strip().endswith("%"):
        number /= 100
    return number if number.is_finite() else None


def parse_standard(text: str | bytes) -> StandardSpec:
    """Read a standard file; raise StandardFileError listing every problem."""
    errors: list[str] = []
    raw = text.encode() if isinstance(text, str) else text
    try:
        doc = read_yaml(raw)
    except DocumentInvalid as exc:
        raise StandardFileError(exc.errors) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("standard"), dict):
        raise StandardFileError([_("文件缺少 standard 部分（标准的代码、名称和起止年度）。")])

    head = doc["standard"]
    code = str(head.get("code") or "").strip()
    if not STANDARD_CODE.match(code):
        errors.append(_("standard.code：代码“%(code)s”无效，只能由小写字母、数字和连字符组成（2—64 位）。")
                      % {"code": code})
    title = str(head.get("title") or "").strip()
    if not title:
        errors.append(_("standard.title：缺少标准名称。"))
    period = head.get("period") or {}
    start, end = (period.get("start"), period.get("end")) if isinstance(period, dict) else (None, None)
    if not (isinstance(start, int) and isinstance(end, int) and 1949 <= start <= end <= 2100):
        errors.append(_("standard.period：起止年度应为 start ≤ end 的两个年份（如 2021、2025）。"))
        start = end = 0
    issued_on = None
    if head.get("issued_on"):
        issued_on = parse_date(head["issued_on"])
        if issued_on is None:
            errors.append(_("standard.issued_on：日期“%(value)s”无效，应为 2022-04-01 这样的格式。")
                          % {"value": head["issued_on"]})
    spec = StandardSpec(
        code=code, title=title[:200], issuer=str(head.get("issuer") or "")[:100],
        document_number=str(head.get("document_number") or "")[:60], issued_on=issued_on,
        region_code=str(head.get("region_code") or "").strip(), period_start=start, period_end=end,
        source_file=str(head.get("source_file") or "")[:200], digest=hashlib.sha256(raw).hexdigest(),
    )

    for i, phase in enumerate(doc.get("phases") or [], start=1):
        if not isinstance(phase, dict) or not str(phase.get("name") or "").strip():
            errors.append(_("phases 第 %(n)d 项：缺少阶段名称。") % {"n": i})
            continue
        p_start, p_end = parse_date(phase.get("start")), parse_date(phase.get("end"))
        if p_start is None or p_end is None or p_end < p_start:
            errors.append(_("phases 第 %(n)d 项（%(name)s）：开始和结束日期应为有效日期，且结束不早于开始。")
                          % {"n": i, "name": phase["name"]})
            continue
        spec.phases.append({"name": str(phase["name"]).strip()[:100], "start": p_start, "end": p_end})

    registered = all_measures()
    declared = doc.get("measures") or {}
    if not isinstance(declared, dict):
        errors.append(_("measures：应为“度量代码: 说明”的映射。"))
        declared = {}
    for key, definition in declared.items():
        definition = definition if isinstance(definition, dict) else {}
        spec.measure_defs[str(key)] = {"text": str(definition.get("text") or ""),
                                       "unit": str(definition.get("unit") or (
                                           registered[key].unit if key in registered else "count"))}

    seen: set[str] = set()

    def walk(nodes, level: int, parent: str | None, where: str) -> None:
        if not isinstance(nodes, list):
            errors.append(_("%(where)s：children 应为指标列表。") % {"where": where})
            return
        for n, node in enumerate(nodes, start=1):
            if not isinstance(node, dict):
                errors.append(_("%(where)s 第 %(n)d 项：应为一个指标。") % {"where": where, "n": n})
                continue
            node_code = str(node.get("code") or "").strip()
            label = _("指标 %(code)s") % {"code": node_code} if node_code else _("%(where)s 第 %(n)d 项") % {
                "where": where, "n": n}
            if not CODE.match(node_code):
                errors.append(_("%(label)s：编号缺失或无效（字母、数字和 . _ -，至多 20 位）。") % {"label": label})
            elif node_code in seen:
                errors.append(_("指标 %(code)s：编号重复。") % {"code": node_code})
            seen.add(node_code)
            unknown = sorted(set(node) - NODE_KEYS)
            if unknown:
                errors.append(_("%(label)s：未知字段 %(fields)s。") % {"label": label, "fields": "、".join(unknown)})
            if level > MAX_DEPTH:
                errors.append(_("%(label)s：层级超过 %(max)d 级。") % {"label": label, "max": MAX_DEPTH})
                continue
            item = IndicatorSpec(code=node_code, level=level, parent_code=parent,
                                 name=str(node.get("name") or "").strip()[:200],
                                 text=str(node.get("text") or "").strip(),
                                 source_note=str(node.get("source_note") or "").strip()[:300])
            for attr in ("lead_units", "responsible_units"):
                names = name_list(node.get(attr))
                if names is None:
                    errors.append(_("%(label)s：%(field)s 应为单位名称的列表。") % {"label": label, "field": attr})
                else:
                    setattr(item, attr, names)
            weight = node.get("weight", node.get("points"))
            if weight is not None:
                item.weight = _decimal(weight)
                if item.weight is None or not 0 <= item.weight < WEIGHT_LIMIT:
                    errors.append(_("%(label)s：分值“%(value)s”应为小于 100000 的非负数。") % {"label": label, "value": weight})
            spec.indicators.append(item)
            children = node.get("children")
            if children:
                if node.get("kind") or node.get("measure") or node.get("measures"):
                    errors.append(_("%(label)s：有下级指标的指标组不能有类型或度量。") % {"label": label})
                if not item.name and not item.text:
                    errors.append(_("%(label)s：缺少名称。") % {"label": label})
                walk(children, level + 1, node_code, label)
                continue
            _leaf(node, item, label)

    def _leaf(node: dict, item: IndicatorSpec, label: str) -> None:
        kind = node.get("kind")
        if kind not in (Kind.EVIDENCE, Kind.MEASURE, Kind.VETO):
            errors.append(_("%(label)s：类型“%(kind)s”无效，应为 evidence、measure 或 veto。")
                          % {"label": label, "kind": kind or ""})
            return
        item.kind = kind
        if not item.text and not item.name:
            errors.append(_("%(label)s：缺少指标内容（text）。") % {"label": label})
        recurrence = node.get("recurrence", Recurrence.ONCE)
        if recurrence not in Recurrence.values:
            errors.append(_("%(label)s：频次“%(value)s”无效，应为 once 或 yearly。")
                          % {"label": label, "value": recurrence})
        else:
            item.recurrence = recurrence
        raw_targets = []
        if node.get("measure") is not None:
            raw_targets.append({"measure": node.get("measure"), "target": node.get("target")})
        if node.get("measures") is not None:
            if not isinstance(node["measures"], list):
                errors.append(_("%(label)s：measures 应为度量目标的列表。") % {"label": label})
            else:
                raw_targets.extend(node["measures"])
        if kind == Kind.EVIDENCE:
            if raw_targets:
                errors.append(_("%(label)s：佐证材料类指标（evidence）不能有度量目标。") % {"label": label})
            return
        if not raw_targets:
            errors.append(_("%(label)s：%(kind)s 类指标至少需要一个度量目标（measure 和 target）。")
                          % {"label": label, "kind": kind})
        keys = set()
        for raw in raw_targets:
            raw = raw if isinstance(raw, dict) else {}
            key = str(raw.get("measure") or "").strip()
            target = raw.get("target") if isinstance(raw.get("target"), dict) else {}
            if key not in registered and key not in spec.measure_defs:
                errors.append(_("%(label)s：未知的度量“%(key)s”（平台没有这个度量，文件的 measures 部分也没有说明它）。")
                              % {"label": label, "key": key})
            if key in keys:
                errors.append(_("%(label)s：度量“%(key)s”重复。") % {"label": label, "key": key})
            keys.add(key)
            op = str(target.get("op") or "").strip()
            if op not in Op.values:
                errors.append(_("%(label)s：度量“%(key)s”的比较符“%(op)s”无效，应为 %(ops)s 之一。")
                              % {"label": label, "key": key, "op": op, "ops": " ".join(Op.values)})
            value = _decimal(target.get("value"))
            if value is not None and abs(value) >= TARGET_LIMIT:
                errors.append(_("%(label)s：度量“%(key)s”的目标值“%(value)s”过大。")
                              % {"label": label, "key": key, "value": target.get("value", "")})
                value = None
            elif value is None:
                errors.append(_("%(label)s：度量“%(key)s”的目标值“%(value)s”不是数字。")
                              % {"label": label, "key": key, "value": target.get("value", "")})
            if key and op in Op.values and value is not None:
                item.targets.append(TargetSpec(key, op, value))

    if not doc.get("indicators"):
        errors.append(_("文件没有 indicators（指标）。"))
    else:
        walk(doc["indicators"], 1, None, "indicators")
    if errors:
        raise StandardFileError(errors)
    return spec
