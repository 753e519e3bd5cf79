"""Plans as data: read and check the YAML format of cq-2022-work-points.yaml.

`parse_plan(raw)` returns a PlanSpec or raises DocumentInvalid with every problem found (in Chinese,
each naming the task number or the place in the file). Writing the spec is `services.plan_load`.

The format (every key but plan.code, plan.title, plan.region_code and the tasks' number and text
may be left out):

    plan: {code, title, kind, issuer, document_number, issued_on, year, starts_on, ends_on,
           region_code, rhythm, grace_days, remind_days, source_file}
    members: [unit name, ...]        # 各责任单位; default: every unit the tasks name
    phases: [{name, start, end, description}]
    milestones: [{title, date, task}]
    sections:
    - number: 一
      title: ...
      subsections: [...]             # the same shape, one level down
      tasks:
      - {number, text, lead_unit, responsible_units: [...], starts_on, due_on,
         deliverables: [name | {name, due_on}], milestones: [{title, date}]}
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kepu.core.documents import name_list, parse_date, read_yaml
from kepu.core.imports import DocumentInvalid

from .models import PlanKind, Rhythm

PLAN_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
TASK_NUMBER = re.compile(r"^[0-9A-Za-z.\-]{1,20}$")
# What a plan writes for "every member unit of the plan".
EVERY_MEMBER = frozenset({"各责任单位", "各成员单位", "全体成员单位"})
PLAN_KEYS = {"code", "title", "kind", "issuer", "document_number", "issued_on", "year", "starts_on", "ends_on",
             "region_code", "rhythm", "grace_days", "remind_days", "source_file"}
TASK_KEYS = {"number", "text", "lead_unit", "responsible_units", "starts_on", "due_on", "deliverables", "milestones"}


@dataclass
class TaskSpec:
    number: str
    text: str
    section: int | None  # index into PlanSpec.sections
    lead: str = ""
    responsible: list[str] = field(default_factory=list)
    starts_on: datetime.date | None = None
    due_on: datetime.date | None = None
    deliverables: list[tuple[str, datetime.date | None]] = field(default_factory=list)
    milestones: list[tuple[str, datetime.date]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [*([self.lead] if self.lead else []), *self.responsible]


@dataclass
class SectionSpec:
    number: str
    title: str
    parent: int | None  # index into PlanSpec.sections


@dataclass
class PlanSpec:
    code: str
    title: str
    region_code: str
    starts_on: datetime.date
    ends_on: datetime.date
    kind: str = PlanKind.WORK_POINTS
    issuer: str = ""
    document_number: str = ""
    issued_on: datetime.date | None = None
    year: int | None = None
    rhythm: str = Rhythm.QUARTERLY
    grace_days: int = 10
    remind_days: int = 5
    source_file: str = ""
    digest: str = ""
    members: list[str] = field(default_factory=list)
    phases: list[dict] = field(default_factory=list)
    milestones: list[dict] = field(default_factory=list)
    sections: list[SectionSpec] = field(default_factory=list)
    tasks: list[TaskSpec] = field(default_factory=list)

    def member_names(self) -> list[str]:
        """The names 各责任单位 stands for: the file's members, or every unit its tasks name."""
        if self.members:
            return self.members
        seen: dict[str, None] = {}
        for task in self.tasks:
            for name in task.names:
                if name not in EVERY_MEMBER:
                    seen.setdefault(name)
        return list(seen)


class _Reader:
    def __init__(self):
        self.errors: list[str] = []

    def error(self, message: str) -> None:
        self.errors.append(message)

    def date(self, value, where: str, *, required: bool = False) -> datetime.date | None:
        if value in (None, ""):
            if required:
                self.error(_("%(where)s：缺少日期。") % {"where": where})
            return None
        day = parse_date(value)
        if day is None:
            self.error(_("%(where)s：日期“%(value)s”无效，应为 2022-04-19 这样的格式。") % {"where": where, "value": value})
        return day

    def number(self, value, where: str, default: int, top: int) -> int:
        if value in (None, ""):
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            self.error(_("%(where)s：应为 0 到 %(top)d 之间的整数。") % {"where": where, "top": top})
            return default
        return value


def parse_plan(raw: bytes | str) -> PlanSpec:
    """Read a plan file; raise DocumentInvalid listing every problem."""
    raw = raw.encode() if isinstance(raw, str) else raw
    doc = read_yaml(raw)
    if not isinstance(doc, dict) or not isinstance(doc.get("plan"), dict):
        raise DocumentInvalid([_("文件缺少 plan 部分（计划的代码、名称和所属区划）。")])
    r = _Reader()
    head = doc["plan"]
    unknown = sorted(set(map(str, head)) - PLAN_KEYS)
    if unknown:
        r.error(_("plan：不认识的项 %(keys)s。") % {"keys": "、".join(unknown)})
    code = str(head.get("code") or "").strip()
    if not PLAN_CODE.match(code):
        r.error(_("plan.code：代码“%(code)s”无效，只能由小写字母、数字和连字符组成（2—64 位）。") % {"code": code})
    title = str(head.get("title") or "").strip()
    if not title:
        r.error(_("plan.title：缺少计划名称。"))
    region_code = str(head.get("region_code") or "").strip()
    if not region_code:
        r.error(_("plan.region_code：缺少所属区划代码。"))
    year = head.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1949 <= year <= 2100):
        r.error(_("plan.year：年度“%(value)s”无效。") % {"value": year})
        year = None
    issued_on = r.date(head.get("issued_on"), "plan.issued_on")
    # A yearly plan runs from its issue (units are not asked for the months before it) to the year's end.
    starts_on = r.date(head.get("starts_on"), "plan.starts_on") or (
        (issued_on if issued_on and issued_on.year == year else datetime.date(year, 1, 1)) if year else None)
    ends_on = r.date(head.get("ends_on"), "plan.ends_on") or (datetime.date(year, 12, 31) if year else None)
    if starts_on is None or ends_on is None:
        r.error(_("plan：请写明年度（year），或起止日期（starts_on、ends_on）。"))
    elif ends_on < starts_on:
        r.error(_("plan.ends_on：截止日期早于起始日期。"))
    kind = str(head.get("kind") or PlanKind.WORK_POINTS)
    if kind not in PlanKind.values:
        r.error(_("plan.kind：类型“%(value)s”无效，可选 %(choices)s。") % {"value": kind, "choices": "、".join(PlanKind.values)})
    rhythm = str(head.get("rhythm") or Rhythm.QUARTERLY)
    if rhythm not in Rhythm.values:
        r.error(_("plan.rhythm：报送频次“%(value)s”无效，可选 %(choices)s。")
                % {"value": rhythm, "choices": "、".join(Rhythm.values)})
    spec = PlanSpec(
        code=code, title=title[:200], region_code=region_code, kind=kind,
        starts_on=starts_on or datetime.date(2000, 1, 1), ends_on=ends_on or datetime.date(2000, 1, 1),
        issuer=str(head.get("issuer") or "").strip()[:100],
        document_number=str(head.get("document_number") or "").strip()[:60],
        issued_on=issued_on, year=year, rhythm=rhythm,
        grace_days=r.number(head.get("grace_days"), "plan.grace_days", 10, 90),
        remind_days=r.number(head.get("remind_days"), "plan.remind_days", 5, 60),
        source_file=str(head.get("source_file") or "").strip()[:200], digest=hashlib.sha256(raw).hexdigest(),
    )

    members = name_list(doc.get("members"))
    if members is None:
        r.error(_("members：应为单位名称的列表。"))
    else:
        spec.members = list(dict.fromkeys(members))
    _phases(r, spec, doc.get("phases"))
    _milestones(r, spec, doc.get("milestones"))
    sections = doc.get("sections")
    if not isinstance(sections, list) or not sections:
        r.error(_("sections：计划没有任何章节和任务。"))
    else:
        _sections(r, spec, sections, parent=None, where="sections")
    numbers = [t.number for t in spec.tasks]
    for number in sorted({n for n in numbers if numbers.count(n) > 1}):
        r.error(_("任务 %(number)s：编号重复。") % {"number": number})
    known = {t.number for t in spec.tasks}
    for m in spec.milestones:
        if m["task"] and m["task"] not in known:
            r.error(_("milestones：“%(title)s”所属任务 %(number)s 不存在。") % {"title": m["title"], "number": m["task"]})
    if r.errors:
        raise DocumentInvalid(r.errors)
    return spec


def _phases(r: _Reader, spec: PlanSpec, phases) -> None:
    if phases is None:
        return
    if not isinstance(phases, list):
        r.error(_("phases：应为阶段的列表。"))
        return
    for i, phase in enumerate(phases, start=1):
        name = str(phase.get("name") or "").strip() if isinstance(phase, dict) else ""
        if not name:
            r.error(_("phases 第 %(n)d 项：缺少阶段名称。") % {"n": i})
            continue
        where = _("phases 第 %(n)d 项（%(name)s）") % {"n": i, "name": name}
        start, end = r.date(phase.get("start"), where, required=True), r.date(phase.get("end"), where, required=True)
        if start and end and end < start:
            r.error(_("%(where)s：结束日期早于开始日期。") % {"where": where})
            continue
        if start and end:
            spec.phases.append({"name": name[:100], "start": start, "end": end,
                                "description": str(phase.get("description") or "").strip()})


def _milestones(r: _Reader, spec: PlanSpec, milestones) -> None:
    if milestones is None:
        return
    if not isinstance(milestones, list):
        r.error(_("milestones：应为时间节点的列表。"))
        return
    for i, item in enumerate(milestones, start=1):
        title = str(item.get("title") or "").strip() if isinstance(item, dict) else ""
        if not title:
            r.error(_("milestones 第 %(n)d 项：缺少节点名称。") % {"n": i})
            continue
        day = r.date(item.get("date"), _("milestones 第 %(n)d 项（%(title)s）") % {"n": i, "title": title},
                     required=True)
        if day:
            spec.milestones.append({"title": title[:200], "date": day, "task": str(item.get("task") or "").strip()})


def _sections(r: _Reader, spec: PlanSpec, nodes: list, *, parent: int | None, where: str) -> None:
    for i, node in enumerate(nodes, start=1):
        here = f"{where}[{i}]"
        if not isinstance(node, dict) or not str(node.get("title") or "").strip():
            r.error(_("%(where)s：章节缺少标题。") % {"where": here})
            continue
        spec.sections.append(SectionSpec(str(node.get("number") or "").strip()[:10],
                                         str(node["title"]).strip()[:200], parent))
        index = len(spec.sections) - 1
        children = node.get("subsections") or []
        if parent is not None and children:
            r.error(_("%(where)s：章节最多两级。") % {"where": here})
        elif not isinstance(children, list):
            r.error(_("%(where)s.subsections：应为章节的列表。") % {"where": here})
        else:
            _sections(r, spec, children, parent=index, where=f"{here}.subsections")
        tasks = node.get("tasks") or []
        if not isinstance(tasks, list):
            r.error(_("%(where)s.tasks：应为任务的列表。") % {"where": here})
            continue
        for j, task in enumerate(tasks, start=1):
            _task(r, spec, task, index, f"{here}.tasks[{j}]")


def _task(r: _Reader, spec: PlanSpec, node, section: int, where: str) -> None:
    if not isinstance(node, dict):
        r.error(_("%(where)s：任务应写成“number、text、responsible_units”等项。") % {"where": where})
        return
    number = str(node.get("number") if node.get("number") is not None else "").strip()
    if not TASK_NUMBER.match(number):
        r.error(_("%(where)s：任务编号“%(number)s”无效（1—20 位字母、数字、点或连字符）。") % {"where": where, "number": number})
        return
    label = _("任务 %(number)s") % {"number": number}
    unknown = sorted(set(map(str, node)) - TASK_KEYS)
    if unknown:
        r.error(_("%(task)s：不认识的项 %(keys)s。") % {"task": label, "keys": "、".join(unknown)})
    text = str(node.get("text") or "").strip()
    if not text:
        r.error(_("%(task)s：缺少任务内容（text）。") % {"task": label})
    lead = node.get("lead_unit") or ""
    if not isinstance(lead, str):
        r.error(_("%(task)s：牵头单位（lead_unit）应为一个单位名称。") % {"task": label})
        lead = ""
    responsible = name_list(node.get("responsible_units"))
    if responsible is None:
        r.error(_("%(task)s：责任单位（responsible_units）应为单位名称的列表。") % {"task": label})
        responsible = []
    if not lead.strip() and not responsible:
        r.error(_("%(task)s：没有牵头单位，也没有责任单位。") % {"task": label})
    item = TaskSpec(number=number, text=text, section=section, lead=lead.strip(),
                    responsible=list(dict.fromkeys(responsible)),
                    starts_on=r.date(node.get("starts_on"), f"{label} starts_on"),
                    due_on=r.date(node.get("due_on"), f"{label} due_on"))
    if item.starts_on and item.due_on and item.due_on < item.starts_on:
        r.error(_("%(task)s：完成时限早于开始日期。") % {"task": label})
    for k, d in enumerate(node.get("deliverables") or [], start=1):
        if isinstance(d, str) and d.strip():
            item.deliverables.append((d.strip()[:200], None))
        elif isinstance(d, dict) and str(d.get("name") or "").strip():
            item.deliverables.append((str(d["name"]).strip()[:200], r.date(d.get("due_on"), f"{label} deliverables[{k}]")))
        else:
            r.error(_("%(task)s：第 %(n)d 项成果缺少名称。") % {"task": label, "n": k})
    for k, m in enumerate(node.get("milestones") or [], start=1):
        title = str(m.get("title") or "").strip() if isinstance(m, dict) else ""
        day = r.date(m.get("date") if isinstance(m, dict) else None, f"{label} milestones[{k}]", required=True)
        if not title:
            r.error(_("%(task)s：第 %(n)d 个时间节点缺少名称。") % {"task": label, "n": k})
        elif day:
            item.milestones.append((title[:200], day))
    spec.tasks.append(item)
