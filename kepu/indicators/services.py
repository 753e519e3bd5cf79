"""Every write to standards, assessments and submissions: checked, atomic, audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.core.audit import apply_changes, check_unchanged, log_action
from kepu.core.errors import Conflict, KepuError
from kepu.core.evidence import evidence_offers
from kepu.core.measures import all_measures
from kepu.core.records import ATTACHMENT_TYPES, file_attach, file_remove
from kepu.orgs.models import Unit, UnitType
from kepu.orgs.selectors import unit_name_index
from kepu.regions.models import Region

from .models import (
    Assessment,
    AssessmentStatus,
    EvidenceFile,
    Indicator,
    Kind,
    Phase,
    ReportJob,
    Responsibility,
    Snapshot,
    Standard,
    Submission,
    SubmissionStatus,
    Target,
)
from .policies import assessment_policy, evidence_file_policy, standard_policy, submission_policy
from .standards import StandardFileError, StandardSpec

# How standards name groups of units (resolved per assessment region).
EVERY_TOWN = {"各镇（街）", "各镇(街)", "各镇街", "各镇（街道）", "各乡镇（街道）", "各乡镇(街道)", "各街镇"}
EVERY_MEMBER = {"全区公民科学素质成员单位", "全县公民科学素质成员单位", "公民科学素质成员单位", "各成员单位"}
MEMBER_TYPES = (UnitType.PARTY_GOVERNMENT, UnitType.ASSOCIATION, UnitType.MASS_ORG, UnitType.MEDIA)
NARRATIVE_KEYS = ("basic", "problems", "next_steps")


# --- standards --------------------------------------------------------------------------------------


@transaction.atomic
def standard_load(*, actor, spec: StandardSpec, is_demo: bool = False) -> tuple[Standard, bool]:
    """Create the standard of a parsed file, or bring an existing one (same code) up to the file:
    indicators matched by code are updated, new ones added, and those no longer in the file removed
    unless evidence was sent in for them. Returns (standard, created)."""
    region = None
    if spec.region_code:
        region = Region.objects.filter(code=spec.region_code).first()
        if region is None:
            raise StandardFileError([_("standard.region_code：没有代码为 %(code)s 的区划。")
                                     % {"code": spec.region_code}])
    standard = Standard.objects.select_for_update().filter(code=spec.code).first()
    created = standard is None
    if not created and spec.digest and standard.source_digest == spec.digest:
        standard_policy.check(actor, "change", standard)
        return standard, False  # the same file again
    fields = {"title": spec.title, "issuer": spec.issuer, "document_number": spec.document_number,
              "issued_on": spec.issued_on, "region": region, "period_start": spec.period_start,
              "period_end": spec.period_end, "source_file": spec.source_file, "measure_defs": spec.measure_defs,
              "source_digest": spec.digest}
    if created:
        standard = Standard(code=spec.code, is_demo=is_demo, **fields)
        standard_policy.check(actor, "add", standard)
        standard.full_clean()
        try:
            with transaction.atomic():
                standard.save()
        except IntegrityError:  # the same file loaded twice at once
            raise Conflict(_("代码为 %(code)s 的标准正在被他人导入，请稍后重试。") % {"code": spec.code},
                           code="duplicate") from None
        changes = {"code": spec.code}
    else:
        standard_policy.check(actor, "change", standard)
        changes = apply_changes(standard, fields)
        standard.full_clean()
        standard.save()
    standard.phases.all().delete()
    Phase.objects.bulk_create(Phase(standard=standard, order=i, **p) for i, p in enumerate(spec.phases))

    existing = {i.code: i for i in standard.indicators.all()}
    gone = [i for code, i in existing.items() if code not in {s.code for s in spec.indicators}]
    blocked = [i.code for i in gone if i.submissions.exists()]
    if blocked:
        raise StandardFileError([_("指标 %(code)s 已有报送的佐证材料，不能从标准中删除。") % {"code": code}
                                 for code in blocked])
    Indicator.objects.filter(pk__in=[i.pk for i in gone]).delete()
    by_code: dict[str, Indicator] = {}
    for order, item in enumerate(spec.indicators):
        indicator = existing.get(item.code) or Indicator(standard=standard, code=item.code)
        for name in ("name", "text", "level", "kind", "lead_units", "responsible_units", "recurrence", "weight",
                     "source_note"):
            setattr(indicator, name, getattr(item, name))
        indicator.parent = by_code[item.parent_code] if item.parent_code else None
        indicator.order = order
        indicator.save()
        by_code[item.code] = indicator
        indicator.targets.all().delete()
        Target.objects.bulk_create(Target(indicator=indicator, measure=t.measure, op=t.op, value=t.value, order=n)
                                   for n, t in enumerate(item.targets))
    changes["indicators"] = len(spec.indicators)
    log_action(actor=actor, action="standard.loaded" if not created else "standard.created", obj=standard,
               changes=changes)
    return standard, created


@transaction.atomic
def standard_copy(*, actor, standard: Standard, code: str, title: str, region: Region | None) -> Standard:
    """A copy of a standard (its phases, indicators and targets) for another region to adapt."""
    copy = Standard(code=code, title=title, issuer=standard.issuer, document_number=standard.document_number,
                    issued_on=standard.issued_on, region=region, period_start=standard.period_start,
                    period_end=standard.period_end, source_file=standard.source_file, based_on=standard,
                    measure_defs=standard.measure_defs)
    standard_policy.check(actor, "copy", standard)
    if region is not None:
        standard_policy.check(actor, "change", copy)
    elif actor is not None and not _is_platform_admin(actor):
        raise ValidationError({"region": _("请选择改编后的标准所属区划。")})
    copy.full_clean()
    try:
        with transaction.atomic():
            copy.save()
    except IntegrityError:
        raise ValidationError({"code": _("代码“%(code)s”已被其他标准使用。") % {"code": code}}) from None
    Phase.objects.bulk_create(Phase(standard=copy, name=p.name, start=p.start, end=p.end, order=p.order)
                              for p in standard.phases.all())
    new: dict[int, Indicator] = {}
    for old in standard.indicators.order_by("order").prefetch_related("targets"):
        indicator = Indicator.objects.create(
            standard=copy, parent=new[old.parent_id] if old.parent_id else None, code=old.code, name=old.name,
            text=old.text, level=old.level, kind=old.kind, lead_units=old.lead_units,
            responsible_units=old.responsible_units, recurrence=old.recurrence, weight=old.weight,
            source_note=old.source_note, order=old.order)
        new[old.pk] = indicator
        Target.objects.bulk_create(Target(indicator=indicator, measure=t.measure, op=t.op, value=t.value,
                                          order=t.order) for t in old.targets.all())
    log_action(actor=actor, action="standard.copied", obj=copy, changes={"from": standard.code})
    return copy


def _is_platform_admin(user) -> bool:
    from kepu.accounts.scope import scope_of

    return scope_of(user).platform_admin


INDICATOR_FIELDS = ("name", "text", "lead_units", "responsible_units", "recurrence", "weight")


@transaction.atomic
def indicator_update(*, actor, indicator: Indicator, **fields) -> Indicator:
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise TypeError(f"indicator_update does not take {sorted(unknown)}")
    standard_policy.check(actor, "change", indicator.standard)
    changes = apply_changes(indicator, fields)
    if changes:
        indicator.full_clean()
        indicator.save()
        log_action(actor=actor, action="indicator.updated", obj=indicator, changes=changes)
    return indicator


@transaction.atomic
def target_update(*, actor, target: Target, op: str, value) -> Target:
    standard_policy.check(actor, "change", target.indicator.standard)
    changes = apply_changes(target, {"op": op, "value": value})
    if changes:
        target.full_clean()
        target.save()
        log_action(actor=actor, action="indicator.target_updated", obj=target.indicator,
                   changes={"measure": target.measure, **changes})
    return target


@transaction.atomic
def indicator_delete(*, actor, indicator: Indicator) -> None:
    """Drop an indicator (and what is below it) from an adapted standard; not once evidence exists."""
    standard_policy.check(actor, "change", indicator.standard)
    below = _subtree_ids(indicator)
    if Submission.objects.filter(indicator_id__in=below).exists():
        raise Conflict(_("指标 %(code)s 已有报送的佐证材料，不能删除。") % {"code": indicator.code}, code="protected")
    log_action(actor=actor, action="indicator.deleted", obj=indicator.standard,
               changes={"code": indicator.code})
    indicator.delete()


def _subtree_ids(indicator: Indicator) -> list[int]:
    ids, frontier = [indicator.pk], [indicator.pk]
    while frontier:
        frontier = list(Indicator.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


# --- assessments ------------------------------------------------------------------------------------


def resolve_units(standard: Standard, region: Region) -> tuple[dict[int, list[tuple[Unit, bool]]], dict]:
    """The units of `region` (and its towns) that the standard's unit names stand for, per leaf
    indicator: ({indicator id: [(unit, lead)]}, {indicator code: [names matching no unit]})."""
    here, by_name = unit_name_index(region)
    towns = [u for u in here if u.region.parent_id == region.pk and u.type == UnitType.PARTY_GOVERNMENT]
    members = [u for u in here if u.region_id == region.pk and u.type in MEMBER_TYPES]

    out: dict[int, list[tuple[Unit, bool]]] = {}
    unmatched: dict[str, list[str]] = {}
    for indicator in standard.indicators.exclude(kind=Kind.GROUP):
        chosen: dict[int, tuple[Unit, bool]] = {}
        for lead, names in ((True, indicator.lead_units), (False, indicator.responsible_units)):
            for name in names:
                if name in EVERY_TOWN:
                    found = towns
                elif name in EVERY_MEMBER:
                    found = members
                else:
                    found = [by_name[name]] if name in by_name else []
                if not found:
                    unmatched.setdefault(indicator.code, []).append(name)
                for unit in found:
                    if unit.pk not in chosen or lead:
                        chosen[unit.pk] = (unit, lead or chosen.get(unit.pk, (None, False))[1])
        out[indicator.pk] = list(chosen.values())
    return out, unmatched


def _assign(assessment: Assessment) -> None:
    """Bring the assessment's responsibilities up to the standard and the region's units."""
    wanted, unmatched = resolve_units(assessment.standard, assessment.region)
    have = {(r.indicator_id, r.unit_id): r for r in Responsibility.objects.filter(assessment=assessment)}
    keep, new = set(), []
    for indicator_id, units in wanted.items():
        for unit, lead in units:
            row = have.get((indicator_id, unit.pk))
            keep.add((indicator_id, unit.pk))
            if row is None:
                new.append(Responsibility(assessment=assessment, indicator_id=indicator_id, unit=unit, lead=lead))
            elif row.lead != lead:
                Responsibility.objects.filter(pk=row.pk).update(lead=lead)
    Responsibility.objects.bulk_create(new)
    Responsibility.objects.filter(pk__in=[r.pk for k, r in have.items() if k not in keep]).delete()
    assessment.unmatched_units = unmatched


@transaction.atomic
def assessment_create(*, actor, standard: Standard, region: Region, year: int | None,
                      is_demo: bool = False) -> Assessment:
    if year is not None and year not in standard.years:
        raise ValidationError({"year": _("年度应在标准的创建期 %(start)d—%(end)d 之内。")
                               % {"start": standard.period_start, "end": standard.period_end}})
    assessment = Assessment(standard=standard, region=region, year=year, is_demo=is_demo)
    assessment.sync_region_path()
    assessment_policy.check(actor, "add", assessment)
    if Assessment.objects.filter(standard=standard, region=region, year=year).exists():
        raise Conflict(_("%(region)s 已有该标准 %(period)s 的评估。")
                       % {"region": region.name, "period": assessment.period_label}, code="duplicate")
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:
        raise Conflict(_("%(region)s 已有该标准 %(period)s 的评估。")
                       % {"region": region.name, "period": assessment.period_label}, code="duplicate") from None
    _assign(assessment)
    assessment.save(update_fields=["unmatched_units"])
    log_action(actor=actor, action="assessment.created", obj=assessment,
               changes={"standard": standard.code, "region": region.code, "year": year})
    return assessment


@transaction.atomic
def assessment_refresh(*, actor, assessment: Assessment):
    """Re-resolve the responsible units and recompute the scorecard; store its counts for lists."""
    from .selectors import scorecard

    assessment_policy.check(actor, "change", assessment)
    assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    _assign(assessment)
    card = scorecard(assessment)
    assessment.summary = card.summary()
    assessment.computed_at = card.computed_at
    assessment.save(update_fields=["unmatched_units", "summary", "computed_at", "updated_at"])
    return card


def store_summary(assessment: Assessment, card) -> None:
    """Keep the counts a page just computed for the lists, when they changed (no audit: nothing was
    decided; a page view that finds the same counts writes nothing)."""
    summary = card.summary()
    if assessment.summary != summary:
        Assessment.objects.filter(pk=assessment.pk).update(summary=summary, computed_at=card.computed_at)
        assessment.summary, assessment.computed_at = summary, card.computed_at


@transaction.atomic
def assessment_submit(*, actor, assessment: Assessment) -> Snapshot:
    """Submit the self-assessment: freeze every value and the evidence list in a snapshot."""
    from .selectors import scorecard, snapshot_data

    assessment_policy.check(actor, "change", assessment)
    assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    if assessment.status == AssessmentStatus.SUBMITTED:
        raise Conflict(_("该评估已提交自评；如需重新提交，请先退回修改。"), code="submitted")
    card = scorecard(assessment)
    snapshot = Snapshot.objects.create(assessment=assessment, taken_by=_user(actor), data=snapshot_data(card))
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = snapshot.taken_at
    assessment.submitted_by = _user(actor)
    assessment.summary, assessment.computed_at = card.summary(), card.computed_at
    assessment.save()
    log_action(actor=actor, action="assessment.submitted", obj=assessment,
               changes={"snapshot": snapshot.pk, **{k: v for k, v in card.summary().items() if k != "by_status"}})
    return snapshot


@transaction.atomic
def assessment_reopen(*, actor, assessment: Assessment, reason: str) -> Assessment:
    assessment_policy.check(actor, "change", assessment)
    assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise Conflict(_("该评估尚未提交自评。"), code="not_submitted")
    if not reason.strip():
        raise ValidationError({"reason": _("请说明退回修改的原因。")})
    assessment.status = AssessmentStatus.DRAFT
    assessment.save(update_fields=["status", "updated_at"])
    log_action(actor=actor, action="assessment.reopened", obj=assessment, changes={"reason": reason.strip()[:300]})
    return assessment


@transaction.atomic
def narratives_update(*, actor, assessment: Assessment, narratives: dict[str, str], unchanged_since=None):
    """The report's text: basic situation, one paragraph per level-1 indicator, problems, next steps."""
    assessment_policy.check(actor, "change", assessment)
    allowed = set(NARRATIVE_KEYS) | set(assessment.standard.indicators.filter(parent__isnull=True)
                                        .values_list("code", flat=True))
    unknown = set(narratives) - allowed
    if unknown:
        raise ValidationError({"narratives": _("未知的报告段落：%(keys)s") % {"keys": "、".join(sorted(unknown))}})
    assessment = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    check_unchanged(assessment, unchanged_since)
    before = dict(assessment.narratives)
    merged = {**before, **{k: v.strip()[:5000] for k, v in narratives.items()}}
    changed = sorted(k for k in merged if before.get(k, "") != merged[k])
    if changed:
        assessment.narratives = merged
        assessment.save(update_fields=["narratives", "updated_at"])
        log_action(actor=actor, action="assessment.narratives_updated", obj=assessment, changes={"sections": changed})
    return assessment


# --- submissions ------------------------------------------------------------------------------------


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_measure(assessment: Assessment, indicator: Indicator, measure: str, value) -> None:
    targets = set(indicator.targets.values_list("measure", flat=True))
    if measure not in targets:
        raise ValidationError({"measure": _("指标 %(code)s 没有度量“%(key)s”。") % {"code": indicator.code,
                                                                              "key": measure}})
    if value is None:
        raise ValidationError({"value": _("请填写数值。")})
    registered = all_measures().get(measure)
    if registered is not None:
        computed = registered.compute([assessment.region], assessment.measure_year)[assessment.region.code]
        if computed.value is not None:
            raise ValidationError({"measure": _("“%(label)s”由平台根据记录计算（当前为 %(value)s），无需填报。")
                                   % {"label": registered.label, "value": computed.value}})


@transaction.atomic
def submission_create(*, actor, assessment: Assessment, indicator: Indicator, description: str,
                      unit: Unit | None = None, period_start=None, period_end=None, measure: str = "",
                      value=None, uploads=(), is_demo: bool = False) -> Submission:
    """Send in evidence for an indicator (and for a measure no record computes, its value).

    Evidence needs at least one file; files are checked by their content and stored under the
    assessment and the indicator code."""
    if indicator.standard_id != assessment.standard_id or not indicator.is_leaf:
        raise ValidationError({"indicator": _("指标不属于该评估的标准。")})
    submission = Submission(assessment=assessment, indicator=indicator, unit=unit, description=description.strip(),
                            period_start=period_start, period_end=period_end, measure=measure or "",
                            value=value if measure else None, submitted_by=_user(actor), is_demo=is_demo)
    submission_policy.check(actor, "add", submission)
    if unit is not None and unit.region_id != assessment.region_id and unit.region.parent_id != assessment.region_id:
        raise ValidationError({"unit": _("报送单位不在 %(region)s。") % {"region": assessment.region.name}})
    if measure:
        _check_measure(assessment, indicator, measure, value)
    elif indicator.kind != Kind.EVIDENCE and value is not None:
        raise ValidationError({"measure": _("请选择填报数值对应的度量。")})
    if not uploads:
        raise ValidationError({"files": _("请上传至少一份佐证材料。")})
    submission.full_clean()
    submission.save()
    for upload in uploads:
        _attach(actor, submission, upload)
    log_action(actor=actor, action="indicator_submission.created", obj=submission,
               changes={"indicator": indicator.code, "unit": unit.pk if unit else None, "measure": measure,
                        "value": str(value) if measure else None, "files": len(uploads)})
    return submission


@transaction.atomic
def submission_from_offers(*, actor, assessment: Assessment, indicator: Indicator, keys, description: str = "",
                           unit: Unit | None = None, period_start=None, period_end=None) -> Submission:
    """Send in files another app offers for the indicator (core.evidence, e.g. a linked task's
    accepted progress reports) as a new submission: the bytes go through the same checks as uploads."""
    offers = {o.key: o for o in evidence_offers(assessment=assessment, indicator=indicator, user=actor)}
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise ValidationError({"offered": _("请至少选择一份材料。")})
    chosen = [offers.get(k) for k in keys]
    if None in chosen:
        raise ValidationError({"offered": _("所选材料已不存在，或您无权引用，请刷新页面后重新选择。")})
    uploads = []
    for offer in chosen:
        try:
            data = offer.open()
        except (OSError, ValueError):  # the storage lost the file
            raise ValidationError({"offered": _("材料“%(name)s”的文件已不在存储中，无法引用。")
                                   % {"name": offer.name}}) from None
        uploads.append(SimpleUploadedFile(offer.name, data, content_type=offer.content_type))
    sources = "、".join(dict.fromkeys(o.source for o in chosen))
    description = (description or "").strip() or (_("引用%(sources)s 的佐证材料") % {"sources": sources})[:500]
    submission = submission_create(actor=actor, assessment=assessment, indicator=indicator, description=description,
                                   unit=unit, period_start=period_start, period_end=period_end, uploads=uploads)
    log_action(actor=actor, action="indicator_submission.evidence_referenced", obj=submission,
               changes={"offers": keys})
    return submission


def _attach(actor, submission: Submission, upload) -> EvidenceFile:
    try:
        return file_attach(actor=actor, policy=evidence_file_policy, file=EvidenceFile(submission=submission),
                           upload=upload, action="indicator_submission", allowed=ATTACHMENT_TYPES)
    except ValidationError as exc:
        raise ValidationError({"files": exc.messages}) from None


def _lock(submission: Submission) -> Submission:
    """The submission's row, locked; a Conflict when it was withdrawn meanwhile."""
    row = (Submission.objects.select_for_update(of=("self",)).select_related("assessment", "indicator")
           .filter(pk=submission.pk).first())
    if row is None:
        raise Conflict(_("该报送已被撤回，请刷新页面。"), code="gone")
    return row


def _locked_row(submission: Submission) -> Submission:
    row = _lock(submission)
    if row.locked:
        raise Conflict(_("该报送已审核通过并锁定；如需修改，请管理员先解除锁定。"), code="locked")
    return row


SUBMISSION_FIELDS = ("description", "period_start", "period_end", "value")


@transaction.atomic
def submission_update(*, actor, submission: Submission, unchanged_since=None, uploads=(), **fields) -> Submission:
    """Correct a submission that is not approved (a returned one goes back for review)."""
    unknown = set(fields) - set(SUBMISSION_FIELDS)
    if unknown:
        raise TypeError(f"submission_update does not take {sorted(unknown)}")
    submission_policy.check(actor, "change", submission)
    row = _locked_row(submission)
    check_unchanged(row, unchanged_since)
    if "value" in fields:
        if not row.measure:
            fields.pop("value")
        else:
            _check_measure(row.assessment, row.indicator, row.measure, fields["value"])
    changes = apply_changes(row, fields)
    if row.status == SubmissionStatus.RETURNED and (changes or uploads):
        row.status = SubmissionStatus.SUBMITTED
        changes["status"] = [SubmissionStatus.RETURNED, SubmissionStatus.SUBMITTED]
    row.full_clean()
    row.save()
    for upload in uploads:
        _attach(actor, row, upload)
    if changes:
        log_action(actor=actor, action="indicator_submission.updated", obj=row, changes=changes)
    return row


@transaction.atomic
def submission_remove_file(*, actor, file: EvidenceFile) -> None:
    _locked_row(file.submission)
    if file.submission.files.count() <= 1:
        raise Conflict(_("至少保留一份佐证材料；请先上传替换的文件。"), code="last_file")
    file_remove(actor=actor, policy=evidence_file_policy, file=file, action="indicator_submission")


@transaction.atomic
def submission_withdraw(*, actor, submission: Submission) -> None:
    submission_policy.check(actor, "change", submission)
    row = _locked_row(submission)
    files = list(row.files.all())
    log_action(actor=actor, action="indicator_submission.withdrawn", obj=row,
               changes={"indicator": row.indicator.code, "description": row.description[:200]})
    row.delete()
    for f in files:
        transaction.on_commit(lambda f=f: f.file.delete(save=False))


@transaction.atomic
def submission_review(*, actor, submission: Submission, approve: bool, comment: str = "") -> Submission:
    """Approve (and so lock) or return a submission; a return needs a comment for the unit."""
    submission_policy.check(actor, "review", submission)
    row = _lock(submission)
    if row.status != SubmissionStatus.SUBMITTED:
        raise Conflict(_("该报送已由他人审核（%(status)s），请刷新页面。") % {"status": row.get_status_display()},
                       code="reviewed")
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("退回时请填写审核意见，说明需要补充或修改的内容。")})
    row.status = SubmissionStatus.APPROVED if approve else SubmissionStatus.RETURNED
    row.review_comment = comment[:500]
    row.reviewed_by = _user(actor)
    row.reviewed_at = timezone.now()
    row.save()
    log_action(actor=actor, action="indicator_submission." + ("approved" if approve else "returned"), obj=row,
               changes={"indicator": row.indicator.code, "comment": row.review_comment})
    return row


@transaction.atomic
def submission_unlock(*, actor, submission: Submission, reason: str) -> Submission:
    """Reopen an approved submission for changes (back to 待审核); an audited admin action."""
    submission_policy.check(actor, "unlock", submission)
    row = _lock(submission)
    if not row.locked:
        raise Conflict(_("该报送未锁定。"), code="not_locked")
    if not reason.strip():
        raise ValidationError({"reason": _("请说明解除锁定的原因。")})
    row.status = SubmissionStatus.SUBMITTED
    row.save()
    log_action(actor=actor, action="indicator_submission.unlocked", obj=row,
               changes={"indicator": row.indicator.code, "reason": reason.strip()[:300]})
    return row


# --- reports ----------------------------------------------------------------------------------------


@transaction.atomic
def report_request(*, actor, assessment: Assessment, kind: str) -> ReportJob:
    """Queue the generation of a report (the page polls the job's progress)."""
    from .models import ReportKind
    from .tasks import generate_report

    assessment_policy.check(actor, "view", assessment)
    if kind not in ReportKind.values:
        raise KepuError(_("未知的报告类型“%(kind)s”。") % {"kind": kind}, code="invalid")
    job = ReportJob.objects.create(assessment=assessment, kind=kind, requested_by=_user(actor))
    transaction.on_commit(lambda: generate_report.enqueue(job.pk))
    log_action(actor=actor, action="assessment.report_requested", obj=assessment, changes={"kind": kind})
    return job

