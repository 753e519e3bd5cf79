"""Reads: the scorecard of an assessment, its differences from the last snapshot, the comparison of
many regions, a unit's indicators across assessments.

The scorecard is computed when it is asked for: each measure of the standard once for the
assessment's region (and once for the year before, for the trend), the submissions and the
responsibilities in one query each. The comparison computes each measure once for all the child
regions together (the registry's batch contract).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from kepu.core.measures import MeasureValue, all_measures, reason_text

from .models import (
    Assessment,
    Indicator,
    Kind,
    Recurrence,
    Responsibility,
    Standard,
    Status,
    Submission,
    SubmissionStatus,
    Target,
)
from .values import format_value, meets, trend


@dataclass
class MeasureInfo:
    key: str
    label: str
    unit: str
    computed: bool  # a registered measure computes it from records; else units enter it


def measure_info(standard: Standard, key: str) -> MeasureInfo:
    registered = all_measures().get(key)
    declared = standard.measure_defs.get(key) or {}
    label = declared.get("text") or (str(registered.label) if registered else key)
    unit = registered.unit if registered else declared.get("unit", "count")
    return MeasureInfo(key, label, unit, registered is not None)


@dataclass
class TargetResult:
    measure: str
    label: str
    unit: str
    op: str
    target: Decimal
    value: Decimal | int | float | None = None
    numerator: object = None
    denominator: object = None
    records_url: str = ""
    reason: str = ""
    source: str = ""  # "computed" | "manual" | ""
    status: str = Status.NO_DATA
    last_value: object = None
    trend: str = ""
    better: bool | None = None
    submission: Submission | None = None  # the approved or pending manual value

    @property
    def met(self) -> bool | None:
        return None if self.value is None else self.status == Status.MET

    @property
    def value_text(self) -> str:
        return format_value(self.value, self.unit)

    @property
    def target_text(self) -> str:
        return format_value(self.target, self.unit)

    @property
    def last_text(self) -> str:
        return format_value(self.last_value, self.unit)

    @property
    def reason_text(self) -> str:
        return reason_text(self.reason) if self.reason else ""


@dataclass
class IndicatorResult:
    indicator: Indicator
    status: str
    targets: list[TargetResult] = field(default_factory=list)
    submissions: list[Submission] = field(default_factory=list)  # this assessment's, newest last
    carried: list[Submission] = field(default_factory=list)  # approved in an earlier year (once-only)
    lead_units: list = field(default_factory=list)
    units: list = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    returned: bool = False  # the latest submission was sent back

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def evidence(self) -> list[Submission]:
        """What counts as evidence now: the approved submissions (carried ones included)."""
        return [s for s in self.submissions if s.status == SubmissionStatus.APPROVED] + self.carried


@dataclass
class GroupSummary:
    indicator: Indicator
    met: int = 0
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def readiness(self) -> float:
        return self.met / self.total if self.total else 0.0


@dataclass
class Scorecard:
    assessment: Assessment
    year: int
    nodes: list[Indicator]  # the whole tree, depth first
    results: dict[str, IndicatorResult]  # leaves by code
    groups: list[GroupSummary]  # level 1
    computed_at: object = None

    @property
    def leaves(self) -> list[IndicatorResult]:
        return [self.results[n.code] for n in self.nodes if n.code in self.results]

    @property
    def met(self) -> int:
        return sum(1 for r in self.results.values() if r.status == Status.MET)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def readiness(self) -> float:
        return self.met / self.total if self.total else 0.0

    @property
    def vetoed(self) -> bool:
        return any(r.status == Status.VETOED for r in self.results.values())

    @property
    def by_status(self) -> dict[str, int]:
        counts = dict.fromkeys(Status.values, 0)
        for r in self.results.values():
            counts[r.status] += 1
        return counts

    @property
    def score(self) -> Decimal | None:
        """Points of the met indicators, for standards whose indicators carry points."""
        weighted = [r for r in self.results.values() if r.indicator.weight is not None]
        if not weighted:
            return None
        return sum((r.indicator.weight for r in weighted if r.status == Status.MET), Decimal(0))

    def summary(self) -> dict:
        score = self.score
        return {"met": self.met, "total": self.total, "vetoed": self.vetoed, "by_status": self.by_status,
                "readiness": round(self.readiness, 4), "score": str(score) if score is not None else None}


def standard_tree(standard: Standard) -> list[Indicator]:
    """The indicators depth first (the order they were loaded in), with their targets."""
    return list(standard.indicators.order_by("order").prefetch_related("targets"))


def _compute(keys, regions, year: int) -> dict[str, dict[str, MeasureValue]]:
    registered = all_measures()
    return {key: registered[key].compute(regions, year) for key in keys if key in registered}


def _latest_values(submissions) -> dict[str, Submission]:
    """The latest approved manual value per measure."""
    out: dict[str, Submission] = {}
    for s in sorted(submissions, key=lambda s: (s.reviewed_at or s.created_at, s.id)):
        if s.measure and s.status == SubmissionStatus.APPROVED:
            out[s.measure] = s
    return out


def _previous(assessment: Assessment) -> Assessment | None:
    if not assessment.year:
        return None
    return (Assessment.objects.filter(standard=assessment.standard_id, region=assessment.region_id,
                                      year=assessment.year - 1).first())


def _submissions(assessment_ids) -> list[Submission]:
    return list(Submission.objects.filter(assessment__in=assessment_ids)
                .select_related("unit", "submitted_by", "reviewed_by", "indicator")
                .prefetch_related("files").order_by("created_at", "id"))


def scorecard(assessment: Assessment, *, with_last_year: bool = True) -> Scorecard:
    standard = assessment.standard
    nodes = standard_tree(standard)
    leaves = [n for n in nodes if n.is_leaf]
    region = assessment.region
    year = assessment.measure_year
    keys = {t.measure for n in leaves for t in n.targets.all()}

    values = {key: by_region[region.code] for key, by_region in _compute(keys, [region], year).items()}
    last_values = {}
    if with_last_year and year > standard.period_start - 1:
        last_values = {key: by_region[region.code] for key, by_region in _compute(keys, [region], year - 1).items()}

    own = _submissions([assessment.pk])
    by_indicator: dict[int, list[Submission]] = defaultdict(list)
    for s in own:
        by_indicator[s.indicator_id].append(s)
    carried: dict[int, list[Submission]] = defaultdict(list)
    earlier = Submission.objects.filter(assessment__standard=standard, assessment__region=region,
                                        status=SubmissionStatus.APPROVED, indicator__recurrence=Recurrence.ONCE,
                                        measure="").exclude(assessment=assessment)
    if assessment.year:
        earlier = earlier.filter(Q(assessment__year__lt=assessment.year))
    for s in earlier.select_related("unit", "assessment", "indicator").prefetch_related("files"):
        carried[s.indicator_id].append(s)

    previous = _previous(assessment) if with_last_year else None
    last_manual = _latest_values(_submissions([previous.pk])) if previous else {}

    lead: dict[int, list] = defaultdict(list)
    units: dict[int, list] = defaultdict(list)
    for r in Responsibility.objects.filter(assessment=assessment).select_related("unit").order_by("unit__name"):
        (lead if r.lead else units)[r.indicator_id].append(r.unit)

    results: dict[str, IndicatorResult] = {}
    for node in leaves:
        subs = by_indicator.get(node.pk, [])
        result = IndicatorResult(node, Status.AWAITING_INPUT, submissions=subs, carried=carried.get(node.pk, []),
                                 lead_units=lead.get(node.pk, []), units=units.get(node.pk, []),
                                 unmatched=assessment.unmatched_units.get(node.code, []),
                                 returned=bool(subs) and subs[-1].status == SubmissionStatus.RETURNED)
        if node.kind == Kind.EVIDENCE:
            result.status = _evidence_status(result)
        else:
            manual = _latest_values(subs)
            pending = {s.measure: s for s in subs if s.measure and s.status == SubmissionStatus.SUBMITTED}
            for target in node.targets.all():
                result.targets.append(_target_result(standard, target, values.get(target.measure),
                                                     last_values.get(target.measure), manual, pending,
                                                     last_manual))
            result.status = _measure_status(node, result.targets)
        results[node.code] = result

    by_code = {n.pk: n for n in nodes}
    top_of: dict[int, Indicator] = {}
    for node in nodes:
        top_of[node.pk] = node if node.parent_id is None else top_of[by_code[node.parent_id].pk]
    summaries = {n.pk: GroupSummary(n) for n in nodes if n.parent_id is None}
    for node in leaves:
        group = summaries[top_of[node.pk].pk]
        status = results[node.code].status
        group.total += 1
        group.met += status == Status.MET
        group.by_status[status] = group.by_status.get(status, 0) + 1
    return Scorecard(assessment, year, nodes, results, list(summaries.values()), computed_at=timezone.now())


def _evidence_status(result: IndicatorResult) -> str:
    if any(s.status == SubmissionStatus.APPROVED for s in result.submissions) or result.carried:
        return Status.MET
    if any(s.status == SubmissionStatus.SUBMITTED for s in result.submissions):
        return Status.AWAITING_REVIEW
    return Status.AWAITING_INPUT


def _target_result(standard, target, computed: MeasureValue | None, last: MeasureValue | None,
                   manual: dict[str, Submission], pending: dict[str, Submission], last_manual: dict[str, Submission]):
    info = measure_info(standard, target.measure)
    out = TargetResult(target.measure, info.label, info.unit, target.op, target.value)
    if computed is not None:
        out.numerator, out.denominator = computed.numerator, computed.denominator
        out.records_url, out.reason = computed.records_url, computed.reason
    if computed is not None and computed.value is not None:
        out.value, out.source = computed.value, "computed"
    elif target.measure in manual:  # no record computes it: the approved entry of a responsible unit
        out.submission = manual[target.measure]
        out.value, out.source, out.reason = out.submission.value, "manual", ""
    if out.value is not None:
        out.status = Status.MET if meets(out.value, target.op, target.value) else Status.UNMET
    elif target.measure in pending:
        out.status = Status.AWAITING_REVIEW
        out.submission = pending[target.measure]
    elif info.computed:
        out.status, out.reason = Status.NO_DATA, out.reason or "no_data"
    else:
        out.status = Status.AWAITING_INPUT
    if last is not None and last.value is not None:
        out.last_value = last.value
    elif target.measure in last_manual:
        out.last_value = last_manual[target.measure].value
    out.trend, out.better = trend(out.value, out.last_value, target.op)
    return out


# Which status an indicator with several targets takes: the first that any target has.
_PRECEDENCE = (Status.UNMET, Status.AWAITING_REVIEW, Status.AWAITING_INPUT, Status.NO_DATA)


def _measure_status(node: Indicator, targets: list[TargetResult]) -> str:
    statuses = {t.status for t in targets}
    if node.kind == Kind.VETO and Status.UNMET in statuses:
        return Status.VETOED
    for status in _PRECEDENCE:
        if status in statuses:
            return status
    return Status.MET if targets else Status.NO_DATA


# --- snapshots --------------------------------------------------------------------------------------


def _plain(value) -> str | None:
    return None if value is None else str(value)


def snapshot_data(card: Scorecard) -> dict:
    """What a snapshot keeps: the summary, each leaf's status and values, and its evidence."""
    results, evidence = {}, {}
    for r in card.leaves:
        results[r.code] = {
            "status": r.status,
            "targets": [{"measure": t.measure, "value": _plain(t.value), "numerator": _plain(t.numerator),
                         "denominator": _plain(t.denominator), "source": t.source, "reason": t.reason}
                        for t in r.targets],
        }
        evidence[r.code] = [{"id": s.pk, "status": s.status, "description": s.description,
                             "files": [f.original_name for f in s.files.all()]}
                            for s in [*r.submissions, *r.carried]]
    return {"summary": card.summary(), "year": card.year, "results": results, "evidence": evidence}


@dataclass
class Change:
    code: str
    what: str  # "status" | "value" | "evidence_added" | "evidence_removed" | "evidence_status"
    before: str = ""
    after: str = ""
    measure: str = ""


def differences(old: dict, card: Scorecard) -> list[Change]:
    """How the current scorecard differs from a snapshot's data, indicator by indicator."""
    new = snapshot_data(card)
    changes: list[Change] = []
    for code, now in new["results"].items():
        then = old.get("results", {}).get(code)
        if then is None:
            changes.append(Change(code, "status", "", now["status"]))
            continue
        if then["status"] != now["status"]:
            changes.append(Change(code, "status", then["status"], now["status"]))
        before = {t["measure"]: t["value"] for t in then.get("targets", [])}
        for t in now["targets"]:
            if before.get(t["measure"]) != t["value"]:
                changes.append(Change(code, "value", before.get(t["measure"]) or "", t["value"] or "", t["measure"]))
        then_ev = {e["id"]: e for e in old.get("evidence", {}).get(code, [])}
        now_ev = {e["id"]: e for e in new["evidence"].get(code, [])}
        for sid in now_ev.keys() - then_ev.keys():
            changes.append(Change(code, "evidence_added", "", now_ev[sid]["description"]))
        for sid in then_ev.keys() - now_ev.keys():
            changes.append(Change(code, "evidence_removed", then_ev[sid]["description"], ""))
        for sid in now_ev.keys() & then_ev.keys():
            if now_ev[sid]["status"] != then_ev[sid]["status"]:
                changes.append(Change(code, "evidence_status", then_ev[sid]["status"], now_ev[sid]["status"],
                                      now_ev[sid]["description"]))
    return changes


# --- comparison -------------------------------------------------------------------------------------


@dataclass
class Column:
    indicator: Indicator
    target: object  # models.Target
    info: MeasureInfo

    @property
    def key(self) -> str:
        return f"{self.indicator.code}:{self.target.measure}"


@dataclass
class Cell:
    value: object
    status: str
    unit: str
    records_url: str = ""
    reason: str = ""

    @property
    def text(self) -> str:
        return format_value(self.value, self.unit)


@dataclass
class Comparison:
    standard: Standard
    parent: object
    year: int
    regions: list
    columns: list[Column]
    cells: dict[str, dict[str, Cell]]  # region code → column key → cell
    assessments: dict[str, Assessment]  # region code → the region's assessment of the year, if any

    def unmet(self, code: str) -> int:
        return sum(1 for c in self.cells[code].values() if c.status in (Status.UNMET, Status.VETOED))

    def met(self, code: str) -> int:
        return sum(1 for c in self.cells[code].values() if c.status == Status.MET)

    def most_unmet(self, limit: int = 10) -> list:
        ranked = sorted(self.regions, key=lambda r: (-self.unmet(r.code), r.code))
        return [r for r in ranked if self.unmet(r.code)][:limit]

    def ranking(self, column: Column) -> list[tuple[object, Cell]]:
        """Regions by the column's value, best first (by the target's direction); no value last."""
        higher = column.target.op in (">=", ">")
        with_value = [(r, self.cells[r.code][column.key]) for r in self.regions
                      if self.cells[r.code][column.key].value is not None]
        without = [(r, self.cells[r.code][column.key]) for r in self.regions
                   if self.cells[r.code][column.key].value is None]
        with_value.sort(key=lambda rc: Decimal(str(rc[1].value)), reverse=higher)
        return with_value + without


def comparison(standard: Standard, parent, year: int, regions=None) -> Comparison:
    """Every measure target of `standard` for each child region of `parent` (or `regions`) in `year`."""
    if regions is None:
        regions = list(parent.children.order_by("code"))
    nodes = [n for n in standard_tree(standard) if n.kind in (Kind.MEASURE, Kind.VETO)]
    columns = [Column(n, t, measure_info(standard, t.measure)) for n in nodes for t in n.targets.all()]
    computed = _compute({c.target.measure for c in columns}, regions, year)
    assessments = {a.region.code: a for a in Assessment.objects.filter(
        standard=standard, year=year, region__in=regions).select_related("region")}
    manual: dict[tuple[str, str], Decimal] = {}
    pending: set[tuple[str, str]] = set()
    for s in (Submission.objects.filter(assessment__in=assessments.values(), measure__gt="")
              .exclude(status=SubmissionStatus.RETURNED).select_related("assessment__region")
              .order_by("reviewed_at", "id")):
        key = (s.assessment.region.code, s.measure)
        if s.status == SubmissionStatus.APPROVED:
            manual[key] = s.value
        else:
            pending.add(key)
    cells: dict[str, dict[str, Cell]] = {r.code: {} for r in regions}
    for column in columns:
        key = column.target.measure
        for region in regions:
            mv = computed.get(key, {}).get(region.code)
            value = mv.value if mv is not None and mv.value is not None else manual.get((region.code, key))
            if value is not None:
                ok = meets(value, column.target.op, column.target.value)
                status = Status.MET if ok else (Status.VETOED if column.indicator.kind == Kind.VETO else Status.UNMET)
            elif (region.code, key) in pending:
                status = Status.AWAITING_REVIEW
            else:
                status = Status.NO_DATA if column.info.computed else Status.AWAITING_INPUT
            cells[region.code][column.key] = Cell(value, status, column.info.unit,
                                                  mv.records_url if mv is not None else "",
                                                  mv.reason if mv is not None and value is None else "")
    return Comparison(standard, parent, year, regions, columns, cells, assessments)


# --- lists ------------------------------------------------------------------------------------------


def unit_indicators(user, *, assessments=None):
    """The leaf indicators the user's liaison units answer for, across the assessments they see,
    with their latest submission: [(responsibility, latest submission or None)]."""
    from kepu.accounts.models import Role
    from kepu.accounts.scope import scope_of

    units = scope_of(user).unit_ids({Role.UNIT_LIAISON})
    rows = (Responsibility.objects.filter(unit_id__in=units)
            .select_related("assessment__region", "assessment__standard", "indicator", "unit")
            .order_by("-assessment__year", "assessment__region__path", "indicator__order"))
    if assessments is not None:
        rows = rows.filter(assessment__in=assessments)
    rows = list(rows)
    latest: dict[tuple[int, int, int], Submission] = {}
    for s in (Submission.objects.filter(assessment__in={r.assessment_id for r in rows}, unit_id__in=units)
              .order_by("created_at", "id")):
        latest[(s.assessment_id, s.indicator_id, s.unit_id)] = s
    return [(r, latest.get((r.assessment_id, r.indicator_id, r.unit_id))) for r in rows]


@dataclass
class Duty:
    """An indicator a unit answers for in an assessment, with the unit's latest submission."""

    responsibility: object
    latest: Submission | None
    # Why nothing is needed from the unit without a submission of its own: "computed" (the platform
    # computes every value from records), "here" (approved evidence or values of another unit or
    # of the region in this assessment), "carried" (once-only evidence of an earlier year).
    covered: str = ""
    carried_from: int | None = None

    @property
    def state(self) -> str:
        if self.latest:
            return self.latest.status
        return self.covered or "none"

    @property
    def due(self) -> bool:
        """Nothing sent in while the indicator still needs it, or sent back."""
        if self.latest is None:
            return not self.covered
        return self.latest.status == SubmissionStatus.RETURNED


@dataclass
class AssessmentDuties:
    assessment: Assessment
    duties: list[Duty]

    @property
    def due(self) -> int:
        return sum(d.due for d in self.duties)


def _covered(assessments: list[Assessment], indicators) -> dict[tuple[int, int], tuple[str, int | None]]:
    """{(assessment id, indicator id): (why, year)} for the indicators that need nothing more from
    a unit, by the scorecard's rules: measures the platform computes; approved evidence (or, for
    values units enter, approved values of every such measure) in the assessment; once-only
    evidence approved in an earlier assessment of the same standard and region (a whole-period
    assessment counts every other one)."""
    out: dict[tuple[int, int], tuple[str, int | None]] = {}
    if not assessments:
        return out
    registered = all_measures()
    entered: dict[int, set[str]] = {}  # measure indicators: the measures units enter by hand
    for indicator_id, measure in Target.objects.filter(indicator__in=indicators).values_list("indicator_id",
                                                                                           "measure"):
        entered.setdefault(indicator_id, set())
        if measure not in registered:
            entered[indicator_id].add(measure)
    for a in assessments:
        for indicator_id, measures in entered.items():
            if not measures:
                out[(a.pk, indicator_id)] = ("computed", None)
    rows = list(Submission.objects.filter(
        status=SubmissionStatus.APPROVED,
        assessment__standard_id__in={a.standard_id for a in assessments},
        assessment__region_id__in={a.region_id for a in assessments},
    ).values_list("assessment_id", "assessment__standard_id", "assessment__region_id", "assessment__year",
                  "indicator_id", "indicator__kind", "indicator__recurrence", "measure").distinct())
    values: dict[tuple[int, int], set[str]] = {}
    for a in assessments:
        for assessment_id, standard_id, region_id, year, indicator_id, kind, recurrence, measure in rows:
            key = (a.pk, indicator_id)
            if key in out and out[key][0] in ("computed", "here"):
                continue
            if assessment_id == a.pk:
                if measure:
                    values.setdefault(key, set()).add(measure)
                    if values[key] >= entered.get(indicator_id, {measure}):
                        out[key] = ("here", None)
                elif kind == Kind.EVIDENCE:
                    out[key] = ("here", None)
                continue
            earlier = (kind == Kind.EVIDENCE and not measure and recurrence == Recurrence.ONCE
                       and (standard_id, region_id) == (a.standard_id, a.region_id)
                       and (not a.year or bool(year and year < a.year)))
            if earlier and (key not in out or (year or 0) > (out[key][1] or 0)):
                out[key] = ("carried", year)
    return out


def unit_duties(user) -> list[AssessmentDuties]:
    """unit_indicators grouped by assessment, each with what is still needed from the unit."""
    rows = unit_indicators(user)
    assessments = list({r.assessment_id: r.assessment for r, _latest in rows}.values())
    covered = _covered(assessments, {r.indicator_id for r, _latest in rows})
    groups: dict[int, AssessmentDuties] = {}
    for responsibility, latest in rows:
        how, year = covered.get((responsibility.assessment_id, responsibility.indicator_id), ("", None))
        group = groups.setdefault(responsibility.assessment_id, AssessmentDuties(responsibility.assessment, []))
        group.duties.append(Duty(responsibility, latest, covered=how, carried_from=year))
    return list(groups.values())
