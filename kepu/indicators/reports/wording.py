"""The text the reports share: periods, values, problems, the signatory (numbers and dates in words
come from `kepu.core.word`)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

# Numbers, dates and shortened texts are shared with the other apps' documents; archive.py and the
# tests read them here too.
from kepu.core.word import chinese_number, local_time, shorten, when_text  # noqa: F401

from .. import selectors
from ..models import AssessmentStatus, Kind, Op, Status

Progress = Callable[..., None]
OPEN_STATUSES = (Status.VETOED, Status.UNMET, Status.NO_DATA, Status.AWAITING_INPUT, Status.AWAITING_REVIEW)


def no_progress(percent: int, message: str = "") -> None:
    return None


def period_text(assessment) -> str:
    """The period in a title: 2024年度, or 2021—2025年 for an assessment of the whole period."""
    if assessment.year:
        return _("%(year)s年度") % {"year": assessment.year}
    return _("%(start)s—%(end)s年") % {"start": assessment.standard.period_start, "end": assessment.standard.period_end}


def top_of(card) -> dict[str, object]:
    """Leaf code → its level-1 indicator."""
    by_pk = {n.pk: n for n in card.nodes}
    top: dict[int, object] = {}
    for node in card.nodes:  # depth first: a parent comes before its children
        top[node.pk] = node if node.parent_id is None else top[by_pk[node.parent_id].pk]
    return {n.code: top[n.pk] for n in card.nodes}


def value_lines(result) -> tuple[str, str]:
    """(数值, 目标) cell texts of a leaf: one line per target, numbered when there are several."""
    if result.indicator.kind == Kind.EVIDENCE:
        return "—", _("定性指标")
    many = len(result.targets) > 1
    values, targets = [], []
    for i, t in enumerate(result.targets):
        mark = "①②③④⑤⑥⑦⑧⑨"[i] if many and i < 9 else ""
        manual = _("（填报）") if t.source == "manual" else ""
        values.append(f"{mark}{t.value_text}{manual}")
        targets.append(f"{mark}{Op(t.op).label} {t.target_text}")
    return "\n".join(values) or "—", "\n".join(targets) or "—"


def status_text(result) -> str:
    label = str(Status(result.status).label)
    reasons = [t.reason_text for t in result.targets if t.value is None and t.reason]
    return label + (f"\n（{'；'.join(dict.fromkeys(reasons))}）" if reasons else "")


def evidence_names(result) -> list[str]:
    """File names of the approved evidence; carried evidence says the year it comes from."""
    out = []
    for s in result.evidence:
        names = [f.original_name for f in s.files.all()] or [s.description]
        if s in result.carried:
            year = s.assessment.year
            names = [(_("%(name)s（沿用 %(year)s 年）") % {"name": n, "year": year}) if year
                     else (_("%(name)s（沿用）") % {"name": n}) for n in names]
        out.extend(names)
    return out


def problem_lines(card) -> list[str]:
    """One sentence per leaf that is not met, with why."""
    lines = []
    for r in card.leaves:
        if r.status not in OPEN_STATUSES:
            continue
        head = f"{r.code} {shorten(r.indicator.title, 40)}"
        if r.status in (Status.UNMET, Status.VETOED):
            parts = [_("%(label)s为 %(value)s，目标 %(op)s %(target)s") % {
                "label": t.label, "value": t.value_text, "op": Op(t.op).label, "target": t.target_text}
                for t in r.targets if t.status == Status.UNMET]
            why = "；".join(parts)
        elif r.status == Status.NO_DATA:
            why = "；".join(dict.fromkeys(t.reason_text or _("没有数据") for t in r.targets if t.value is None))
        elif r.status == Status.AWAITING_REVIEW:
            why = _("已报送材料，尚待审核")
        elif r.returned:
            why = _("报送的材料已被退回，尚待重新报送")
        else:
            why = _("尚未报送佐证材料或填报数值")
        lines.append(_("%(head)s：%(status)s，%(why)s。") % {"head": head, "status": Status(r.status).label,
                                                           "why": why})
    return lines


def basic_text(card) -> list[str]:
    """The generated 基本情况 when the report text does not give one."""
    a, standard = card.assessment, card.assessment.standard
    counts = card.by_status
    doc = f"（{standard.document_number}）" if standard.document_number else ""
    text = [_("根据《%(title)s》%(doc)s，%(region)s对照 %(total)d 项指标开展%(period)s创建全国科普示范区自评工作。"
              "截至本报告生成时，已达标 %(met)d 项，达标率 %(rate).1f%%；未达标 %(unmet)d 项，待审核 %(review)d 项，"
              "待填报 %(input)d 项，无数据 %(nodata)d 项。") % {
        "title": standard.title, "doc": doc, "region": a.region.name, "total": card.total,
        "period": period_text(a), "met": card.met, "rate": card.readiness * 100, "unmet": counts[Status.UNMET],
        "review": counts[Status.AWAITING_REVIEW], "input": counts[Status.AWAITING_INPUT],
        "nodata": counts[Status.NO_DATA]}]
    if card.vetoed:
        text.append(_("另有 %(n)d 项一票否决指标被触发，须优先整改。") % {"n": counts[Status.VETOED]})
    text.append(_("各项量化指标的数值由科普平台根据业务记录计算，无法由记录计算的由责任单位填报并经审核。"))
    return text


def snapshot_text(card) -> str:
    """When a submitted self-assessment was frozen, and whether anything changed since."""
    assessment = card.assessment
    if assessment.status != AssessmentStatus.SUBMITTED:
        return ""
    snapshot = assessment.snapshots.first()
    if snapshot is None:
        return ""
    note = _("本自评已于%(when)s提交并形成数据快照。") % {"when": when_text(snapshot.taken_at)}
    changes = len(selectors.differences(snapshot.data, card))
    if changes:
        note += _("提交后共有 %(n)d 处变化，本报告按生成时的数据编制。") % {"n": changes}
    return note


def next_steps_text(card) -> list[str]:
    open_leaves = [r for r in card.leaves if r.status in OPEN_STATUSES]
    if not open_leaves:
        return [_("巩固创建成果，持续做好各项指标的日常监测和佐证材料归档，确保各项指标长期保持达标。")]
    leads = list(dict.fromkeys(name for r in open_leaves for name in r.indicator.lead_units))
    return [_("针对上述 %(n)d 项尚未达标的指标，由%(leads)s等牵头单位逐项制定整改措施，明确责任人和完成时限，"
              "按期报送佐证材料，确保各项指标全部达标。") % {"n": len(open_leaves),
                                                        "leads": "、".join(leads[:5]) or _("各牵头单位")}]


def signatory(assessment) -> str:
    """The region's 科协 (the unit filing the report)."""
    from kepu.orgs.models import Unit, UnitType

    unit = (Unit.objects.filter(region=assessment.region, type=UnitType.ASSOCIATION).select_related("region")
            .order_by("name").first())
    return unit.full_name if unit else _("%(region)s科协") % {"region": assessment.region.name}

