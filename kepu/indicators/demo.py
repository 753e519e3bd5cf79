"""Demo assessments (演示数据) of the 2021—2025 demonstration-district standard.

`kepu loaddemo` calls `load_demo_assessments(rng)` after the other apps' loaders (kepu.indicators
comes after venues and channels in INSTALLED_APPS), so the records the measures count exist:

* the Yongchuan standard (reference data) is copied and adapted for each of the other eight
  demonstration districts of kepu/fixtures/reference/published-figures-districts.yaml (code
  `<pinyin>-2021-2025`); a target or two follows the district's published figures (沙坪坝区: about
  4,700 registered volunteers, so B4.1 asks for 4,000), the text names the district instead of
  永川, and the indicators that named Yongchuan's subdistricts name every town instead;
* every one of the nine districts has an assessment for 2023 and one for 2024 under its standard;
* 永川区 2023 is nearly done: all but four evidence indicators approved, C2.3 entered as 0, the
  self-assessment submitted (a snapshot), then two changes after it (evidence for B2.2 approved,
  evidence for C4.1 returned) for the differences page. 永川区 2024 carries the once-only evidence,
  has A1.3 and a second C4.2 document awaiting review, C5.1 returned with a comment, B3.1 still to
  be entered, and the unmet computed targets of the demo records (B1.4, B3.2, B4.1 ...);
* the other districts get a seeded mix of approved, pending, returned and missing evidence. C2.3
  (伪科学活动, one-vote veto, entered by hand) is 0 everywhere except 九龙坡区 2024, whose value 1
  triggers the veto (a synthetic incident); 江北区's 2024 value still awaits review.

永川区's rows go through the services (audited, files checked by their content) as the demo personas:
yc_liaison sends in for 区教委, yc_admin for the other units, yc_reviewer reviews. The other districts'
submissions are bulk-inserted as the services would leave them (services with an audit entry each
would double the loader's time; it runs in every `make run` and in the tests): files type-checked
by kepu.core.uploads and stored under the assessment and the indicator code; 沙坪坝区's name
spb_admin as sender and reviewer, the others the system. Evidence files are
small real documents: a one-page PDF naming the indicator (reportlab's built-in CID font
STSong-Light, no font file) and, for on-site work, a PNG. Submission dates are then set within the
assessed year so the pages read plausibly. Everything is seeded (`rng`) except the stored file
names, which are random as the upload service makes them.
"""
from __future__ import annotations

import datetime
import functools
import random
import secrets
import struct
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kepu.accounts.models import User
from kepu.core.demo import register_demo_loader
from kepu.core.demo_files import evidence_pdf
from kepu.core.records import ATTACHMENT_TYPES
from kepu.core.uploads import check_upload
from kepu.orgs.models import Unit
from kepu.regions.models import Region

from . import services
from .models import (
    Assessment,
    EvidenceFile,
    Indicator,
    Kind,
    Recurrence,
    Responsibility,
    Snapshot,
    Standard,
    Submission,
    SubmissionStatus,
)

STANDARD_CODE = "yongchuan-2021-2025"
YONGCHUAN, SHAPINGBA = "500118", "500106"
YEARS = (2023, 2024)
NOTE = "（演示数据）"
VETO = ("500107", 2024)  # 九龙坡区 2024: a (synthetic) pseudoscience incident triggers C2.3
VETO_CODE = "C2.3"
PENDING_VETO = ("500105", 2024)  # 江北区 2024: C2.3 entered, not yet reviewed
# The list of assessments shows the counts stored by the last computation; these are computed at
# load (each takes a scorecard), the others when their scorecard is first opened.
COMPUTED = ((YONGCHUAN, 2023), (YONGCHUAN, 2024), VETO)


@dataclass(frozen=True)
class Adaptation:
    """How a district adapts the Yongchuan standard: its code's stem and new targets by leaf code."""

    slug: str
    targets: dict[str, Decimal]


# The eight other demonstration districts (published-figures-districts.yaml) and their targets.
ADAPTATIONS = {
    "500101": Adaptation("wanzhou", {"B4.1": Decimal(2000), "B3.5": Decimal(10)}),  # ~2,000 volunteers, 35 bases
    "500106": Adaptation("shapingba", {"B4.1": Decimal(4000), "B4.2": Decimal(300)}),  # ~4,700 volunteers, ~300 events
    "500107": Adaptation("jiulongpo", {"B4.1": Decimal(800), "B3.5": Decimal(3)}),
    "500109": Adaptation("beibei", {"B3.5": Decimal(20)}),  # 3 national and 22 municipal bases
    "500112": Adaptation("yubei", {"B3.5": Decimal(10), "B2.1": Decimal(5)}),  # 3 + 10 bases, 7.5 million yuan
    "500113": Adaptation("banan", {"C2.2": Decimal(1)}),  # ~1.5 million at the science-day events
    "500105": Adaptation("jiangbei", {"B4.2": Decimal(20)}),
    "500103": Adaptation("yuzhong", {"B2.1": Decimal(8), "B4.2": Decimal(100)}),  # ~9 yuan a head, ~1,000 events
}

# Where an indicator's text states its target: (the phrase in the Yongchuan text, the new phrase).
TARGET_PHRASES = {
    "B4.1": ("不少于 1000 人", "不少于 {} 人"),
    "B4.2": ("活动 50 场以上", "活动 {} 场以上"),
    "B3.5": ("科技特色学校 5 处（所）", "科技特色学校 {} 处（所）"),
    "B2.1": ("人平不低于 2 元", "人平不低于 {} 元"),
    "C2.2": ("常住人口的 80%以上", "常住人口的 {}%以上"),
}
YONGCHUAN_SUBDISTRICTS = ("中山路街道", "胜利路街道", "南大街街道")
EVERY_TOWN = "各镇（街）"

# What a unit sends in for each indicator of the standard.
EVIDENCE = {
    "A1.1": "区委、区政府将科学素质建设纳入经济社会发展规划和精神文明建设规划的文件摘录",
    "A1.2": "全民科学素质工作领导小组调整文件及成员单位名单",
    "A1.3": "区政府常务会议听取科普工作汇报的会议纪要",
    "A2.1": "党建带群建考核办法（含科普工作指标）及考核结果通报",
    "A3.1": "应急科普宣传工作方案及“科普中国”推送记录",
    "A3.2": "专家解读热点科技事件的媒体报道汇编",
    "B1.1": "镇（街）、村（社区）科普工作专人名单及分工文件",
    "B1.2": "镇（街）科协负责人任职文件及工作职责",
    "B1.3": "“三长”兼任区、镇（街）科协兼职副主席名单",
    "B2.2": "社会资金支持科普事业的合作协议及到账凭证",
    "B3.1": "科技馆纳入“十四五”城市建设规划的批复文件",
    "B3.3": "城区公共场所科普画廊建设及内容更新台账",
    "C1.1": "新时代文明实践中心、社区、学校科普活动台账",
    "C1.3": "“科普中国”及科协微信公众号运营情况说明",
    "C1.4": "主要政务公众号科普栏目截图及推送统计",
    "C2.1": "社会力量兴办和参与科普事业情况汇编",
    "C3.1": "“科普中国”信息员队伍建设方案及发展情况",
    "C3.3": "基层科普渠道分享“科普中国”资源的工作台账",
    "C4.1": "流动科技馆巡展工作方案及现场照片",
    "C4.2": "科普大篷车进镇（街）、进农村中小学活动记录",
    "C5.1": "科普品牌创建工作总结及典型经验材料",
}
PHOTOS = {"B3.3", "C1.1", "C4.1", "C4.2"}  # on-site work: a photo goes with the document
VETO_TEXT = {0: "本年度未发生影响恶劣的愚昧迷信、伪科学活动的情况说明",
             1: "本年度一镇发生以“保健讲座”为名的伪科学推销活动，已由相关部门依法查处"}
RETURN_COMMENTS = (
    "材料未加盖单位公章，请补充盖章扫描件后重新报送。",
    "照片缺少时间、地点说明，请补充活动通知和签到表。",
    "材料为上一年度的内容，请补充本年度的材料。",
    "请补充工作成效的数据（场次、参与人次）。",
)

# 永川区: what is left open in 2023 before the snapshot, and what happens after it.
YC_OPEN_2023 = ("B2.2", "B3.1", "C4.1", "C5.1")
YC_SUBMITTED_ON = datetime.date(2024, 1, 18)
EDUCATION = "区教委"  # its demo liaison (yc_liaison) sends in the school-related evidence
YC_UNITS = {"A1.3": "区政府办公室", "B1.3": EDUCATION, "C4.2": EDUCATION}

YC_NARRATIVES = {
    "basic": "永川区辖 23 个镇（街）、266 个村（社区）。区政府印发《永川区创建 2021—2025 年度全国科普示范区"
             "工作方案》（永川府办发〔2022〕33 号），成立创建工作领导小组，将任务分解到区级部门和各镇（街）。" + NOTE,
    "A": "区委、区政府将科学素质建设纳入全区发展规划，全民科学素质工作领导小组每年召开专题会议。" + NOTE,
    "B": "镇（街）、村（社区）两级科普组织健全，“站栏员”建设持续推进，科技志愿者队伍不断壮大。" + NOTE,
    "C": "依托“科普中国”、融媒体中心和新时代文明实践阵地开展科普活动，打造科普特色品牌。" + NOTE,
    "problems": "部分村（社区）科普员配备不齐，区属媒体科普栏目未做到每周刊播，注册科技志愿者人数尚未达到目标。" + NOTE,
    "next_steps": "补齐村级“站栏员”短板，督促媒体固定科普栏目，开展科技志愿者招募行动。" + NOTE,
}


@dataclass
class Step:
    """One submission: the leaf, what the reviewer does ("approved", "returned", or nothing yet:
    "submitted"), the day it is sent in, and for a value entered by hand the value."""

    code: str
    outcome: str
    day: datetime.date
    value: Decimal | None = None
    unit: str = ""  # the unit's name when the story says who sends it in


@dataclass
class _Made:
    submission: Submission
    day: datetime.date
    reviewed: datetime.date | None
    uploads: list = field(default_factory=list)  # bulk rows: the files still to store


@dataclass
class Context:
    """What the steps of one assessment need: its units, actors, and how rows are written (through
    the services, audited, or bulk-inserted as the services would leave them)."""

    assessment: Assessment
    rng: random.Random
    bulk: bool = False
    actor: User | None = None
    reviewer: User | None = None
    liaisons: dict[int, User] = field(default_factory=dict)  # unit id → the demo liaison sending for it
    units: dict[int, list[tuple[Unit, bool]]] = field(default_factory=dict)  # indicator id → (unit, lead)
    made: list[_Made] = field(default_factory=list)


# --- files ------------------------------------------------------------------------------------------------


def evidence_png(rng: random.Random, width: int = 120, height: int = 80) -> bytes:
    """A small landscape-like PNG (sky over ground, in seeded colours): a stand-in for a photo."""
    sky = bytes((rng.randrange(120, 200), rng.randrange(170, 230), 240))
    ground = bytes((rng.randrange(60, 140), rng.randrange(120, 180), rng.randrange(50, 100)))
    rows = [b"\x00" + (sky if y < height * 3 // 5 else ground) * width for y in range(height)]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


@functools.lru_cache(maxsize=256)
def _document(code: str, text: str, description: str) -> bytes:
    """The PDF of an indicator's evidence (the same for every district sending in the same thing:
    rendering a CID-font page takes a few milliseconds, and there are hundreds)."""
    return evidence_pdf(f"{code} 佐证材料{NOTE}", [f"指标 {code}：{text}", f"材料说明：{description}",
                                                   "本文件为 Kepu 平台的演示数据，由程序生成，并非真实材料。"])


def _uploads(ctx: Context, indicator: Indicator, description: str) -> list[SimpleUploadedFile]:
    files = [SimpleUploadedFile(f"{indicator.code} {description[:30]}.pdf",
                                _document(indicator.code, indicator.text, description), content_type="application/pdf")]
    if indicator.code in PHOTOS:
        files.append(SimpleUploadedFile(f"{indicator.code} 现场照片.png", evidence_png(ctx.rng),
                                        content_type="image/png"))
    return files


# --- steps --------------------------------------------------------------------------------------------------


def _persona(username: str) -> User | None:
    return User.objects.filter(username=username, is_demo=True).first()


def _context(assessment: Assessment, rng: random.Random, *, bulk: bool = False) -> Context:
    code = assessment.region.code
    ctx = Context(assessment, rng, bulk=bulk)
    if code == YONGCHUAN:
        ctx.actor, ctx.reviewer = _persona("yc_admin"), _persona("yc_reviewer")
        liaison = _persona("yc_liaison")
        education = Unit.objects.filter(region=assessment.region, name=EDUCATION).first()
        if liaison is not None and education is not None:
            ctx.liaisons[education.pk] = liaison
    elif code == SHAPINGBA:
        ctx.actor = ctx.reviewer = _persona("spb_admin")
    for r in (Responsibility.objects.filter(assessment=assessment).select_related("unit")
              .order_by("-lead", "unit__name")):
        ctx.units.setdefault(r.indicator_id, []).append((r.unit, r.lead))
    return ctx


def _unit(ctx: Context, indicator: Indicator, name: str = "") -> Unit | None:
    """A unit answerable for the indicator: the one named, else for a value the lead unit, for
    evidence mostly the lead unit and sometimes a responsible one."""
    rows = ctx.units.get(indicator.pk)
    if not rows:
        return None
    named = [unit for unit, _lead in rows if unit.name == name]
    if named:
        return named[0]
    lead = [unit for unit, is_lead in rows if is_lead]
    if lead and (indicator.kind != Kind.EVIDENCE or ctx.rng.random() < 0.7):
        return lead[0]
    return ctx.rng.choice(rows)[0]


def _run(ctx: Context, steps: list[Step], indicators: dict[str, Indicator]) -> None:
    a = ctx.assessment
    for step in steps:
        indicator = indicators[step.code]
        unit = _unit(ctx, indicator, step.unit)
        if indicator.kind == Kind.EVIDENCE:
            description, measure, value = EVIDENCE.get(step.code, f"{step.code} 工作材料"), "", None
        else:
            measure, value = indicator.targets.all()[0].measure, step.value
            description = VETO_TEXT.get(int(value), f"{step.code} 填报说明") if step.code == VETO_CODE else ""
        actor = ctx.liaisons.get(unit.pk, ctx.actor) if unit is not None else ctx.actor
        uploads = _uploads(ctx, indicator, description)
        fields = {"assessment": a, "indicator": indicator, "unit": unit, "description": description + NOTE,
                  "period_start": datetime.date(a.year, 1, 1), "period_end": datetime.date(a.year, 12, 31),
                  "measure": measure, "value": value}
        approve = step.outcome == "approved"
        comment = "" if approve or step.outcome == "submitted" else ctx.rng.choice(RETURN_COMMENTS)
        reviewed = None if step.outcome == "submitted" else step.day + datetime.timedelta(days=ctx.rng.randint(2, 9))
        if ctx.bulk:
            submission = Submission(**fields, status=step.outcome, submitted_by=actor, is_demo=True,
                                    review_comment=comment, reviewed_by=ctx.reviewer if reviewed else None)
            ctx.made.append(_Made(submission, step.day, reviewed, uploads))
            continue
        submission = services.submission_create(actor=actor, uploads=uploads, is_demo=True, **fields)
        if reviewed:
            services.submission_review(actor=ctx.reviewer, submission=submission, approve=approve, comment=comment)
        ctx.made.append(_Made(submission, step.day, reviewed))


def _store(ctx: Context) -> None:
    """Insert the bulk rows: the submissions, then their files (type read from the content, stored
    under the assessment and the indicator code, as the upload service stores them)."""
    rows = [m.submission for m in ctx.made if m.submission.pk is None]
    for row in rows:  # the related rows were just read, and the database checks the constraints
        row.full_clean(exclude=["assessment", "indicator", "unit", "submitted_by", "reviewed_by"],
                       validate_constraints=False)
    Submission.objects.bulk_create(rows)
    files = []
    for made in ctx.made:
        for upload in made.uploads:
            data, kind, name = check_upload(upload, allowed=ATTACHMENT_TYPES)
            f = EvidenceFile(submission=made.submission, stored_name=f"{secrets.token_hex(16)}.{kind.extension}",
                             original_name=name, content_type=kind.content_type, size=len(data),
                             uploaded_by=made.submission.submitted_by)
            f.file.save(f.stored_name, ContentFile(data), save=False)
            files.append(f)
        made.uploads = []
    EvidenceFile.objects.bulk_create(files)


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randrange(60))))


def _date(ctx: Context) -> None:
    """Write what is still to write, then set the submissions' and files' times to the days of their
    steps (services and bulk inserts stamp now)."""
    _store(ctx)
    rows = []
    for made in ctx.made:
        s = made.submission
        s.created_at = _moment(made.day, ctx.rng)
        s.reviewed_at = _moment(made.reviewed, ctx.rng) if made.reviewed else None
        s.updated_at = s.reviewed_at or s.created_at
        rows.append(s)
    Submission.objects.bulk_update(rows, ["created_at", "reviewed_at", "updated_at"])
    files = list(EvidenceFile.objects.filter(submission__in=rows))
    created = {s.pk: s.created_at for s in rows}
    for f in files:
        f.uploaded_at = created[f.submission_id]
    EvidenceFile.objects.bulk_update(files, ["uploaded_at"])
    ctx.made = []


def _days(rng: random.Random, start: datetime.date, end: datetime.date, n: int) -> list[datetime.date]:
    span = (end - start).days
    return sorted(start + datetime.timedelta(days=rng.randrange(span + 1)) for _ in range(n))


def _leaves(standard: Standard) -> dict[str, Indicator]:
    return {i.code: i for i in standard.indicators.exclude(kind=Kind.GROUP).order_by("order")
            .prefetch_related("targets")}


def _evidence_codes(indicators: dict[str, Indicator], *, yearly: bool) -> list[str]:
    return [c for c, i in indicators.items() if i.kind == Kind.EVIDENCE and
            (i.recurrence == Recurrence.YEARLY) == yearly]


def _submit(ctx: Context, day: datetime.date) -> None:
    """Submit the self-assessment (a snapshot) as of `day`."""
    a = ctx.assessment
    snapshot = services.assessment_submit(actor=ctx.actor, assessment=a)
    when = _moment(day, ctx.rng)
    Snapshot.objects.filter(pk=snapshot.pk).update(taken_at=when)
    Assessment.objects.filter(pk=a.pk).update(submitted_at=when)


# --- the story of each district ------------------------------------------------------------------------------


def yongchuan_assessments(standard: Standard, region: Region, rng: random.Random) -> tuple[Assessment, Assessment]:
    """永川区 2023 (nearly done, submitted, two changes after the snapshot) and 2024 (in progress)."""
    indicators = _leaves(standard)
    once, yearly = _evidence_codes(indicators, yearly=False), _evidence_codes(indicators, yearly=True)

    a2023 = services.assessment_create(actor=None, standard=standard, region=region, year=2023, is_demo=True)
    ctx = _context(a2023, rng)
    done = [c for c in once + yearly if c not in YC_OPEN_2023]
    days = _days(rng, datetime.date(2023, 3, 1), datetime.date(2023, 12, 10), len(done))
    steps = [Step(code, "approved", day, unit=YC_UNITS.get(code, "")) for code, day in zip(done, days, strict=True)]
    steps.append(Step(VETO_CODE, "approved", datetime.date(2023, 12, 28), Decimal(0)))
    _run(ctx, steps, indicators)
    services.narratives_update(actor=None, assessment=a2023, narratives=YC_NARRATIVES)
    _date(ctx)
    _submit(ctx, YC_SUBMITTED_ON)
    # After the snapshot: B2.2's evidence arrives and is approved; C4.1's is sent back.
    ctx.made = []
    _run(ctx, [Step("B2.2", "approved", datetime.date(2024, 2, 26)),
               Step("C4.1", "returned", datetime.date(2024, 3, 5), unit=EDUCATION)], indicators)
    _date(ctx)

    a2024 = services.assessment_create(actor=None, standard=standard, region=region, year=2024, is_demo=True)
    ctx = _context(a2024, rng)
    steps = [Step("C1.1", "approved", datetime.date(2024, 6, 12)),  # more of a once-only indicator's evidence
             Step("C4.1", "approved", datetime.date(2024, 5, 20), unit=EDUCATION),  # returned in 2023, done now
             Step("C5.1", "returned", datetime.date(2024, 9, 9)),
             Step("C4.2", "submitted", datetime.date(2024, 10, 15), unit=EDUCATION),
             *[Step(code, "submitted", datetime.date(2024, 11, 20), unit=YC_UNITS.get(code, "")) for code in yearly],
             Step(VETO_CODE, "approved", datetime.date(2024, 12, 20), Decimal(0))]
    _run(ctx, [s for s in steps if s.code in indicators], indicators)
    services.narratives_update(actor=None, assessment=a2024, narratives={"basic": YC_NARRATIVES["basic"]})
    _date(ctx)
    return a2023, a2024


def district_assessment(standard: Standard, region: Region, year: int, rng: random.Random, *,
                        veto_value: Decimal | None = Decimal(0), veto_approved: bool = True,
                        submit: bool = False) -> Assessment:
    """A seeded mix for one district and year: in its first year most evidence approved, a few
    pending or returned; later the yearly evidence and part of what earlier years left open; C2.3
    as given. The submissions are bulk-inserted (no audit entries), as the services leave them."""
    indicators = _leaves(standard)
    once, yearly = _evidence_codes(indicators, yearly=False), _evidence_codes(indicators, yearly=True)
    a = services.assessment_create(actor=None, standard=standard, region=region, year=year, is_demo=True)
    ctx = _context(a, rng, bulk=True)
    start, end = datetime.date(year, 2, 15), datetime.date(year, 12, 10)
    if year == min(YEARS):
        codes = once + yearly
        rng.shuffle(codes)
        approved = round(len(codes) * rng.uniform(0.55, 0.85))
        outcomes = ["approved"] * approved + ["submitted"] * rng.randint(1, 2) + ["returned"]
    else:
        earlier = set(Submission.objects.filter(assessment__standard=standard, assessment__region=region,
                                                assessment__year__lt=year, status=SubmissionStatus.APPROVED)
                      .values_list("indicator__code", flat=True))
        codes = [c for c in once if c not in earlier]
        rng.shuffle(codes)
        outcomes = [rng.choices(["approved", "submitted", "returned", ""], [4, 3, 2, 2])[0] for _ in codes]
        codes = yearly + codes
        outcomes = [rng.choice(["approved", "submitted"]) for _ in yearly] + outcomes
    chosen = [(c, o) for c, o in zip(codes, outcomes, strict=False) if o]
    days = _days(rng, start, end, len(chosen))
    steps = [Step(code, outcome, day) for (code, outcome), day in zip(chosen, days, strict=True)]
    if veto_value is not None and VETO_CODE in indicators:
        steps.append(Step(VETO_CODE, "approved" if veto_approved else "submitted",
                          datetime.date(year, 12, rng.randint(15, 28)), veto_value))
    _run(ctx, steps, indicators)
    _date(ctx)
    if submit:
        _submit(ctx, datetime.date(year + 1, 1, rng.randint(10, 25)))
    return a


def adapt_standard(standard: Standard, region: Region, adaptation: Adaptation) -> Standard:
    """A copy of `standard` for `region` with the district's targets and names (marked as demo)."""
    copy = services.standard_copy(actor=None, standard=standard, code=f"{adaptation.slug}-2021-2025",
                                  title=f"{region.name}创建 2021—2025 年度全国科普示范区任务分解表（改编自永川区）",
                                  region=region)
    Standard.objects.filter(pk=copy.pk).update(is_demo=True)
    copy.is_demo = True
    short = region.name.removesuffix("区").removesuffix("县")
    for indicator in copy.indicators.exclude(kind=Kind.GROUP).prefetch_related("targets"):
        fields = {}
        text = indicator.text.replace("永川", short)
        if indicator.code in adaptation.targets:
            value = adaptation.targets[indicator.code]
            target = indicator.targets.all()[0]
            services.target_update(actor=None, target=target, op=target.op, value=value)
            old, new = TARGET_PHRASES[indicator.code]
            shown = value * 100 if indicator.code == "C2.2" else value
            text = text.replace(old, new.format(format(shown.normalize(), "f")))
        if text != indicator.text:
            fields["text"] = text
        if any(name in YONGCHUAN_SUBDISTRICTS for name in indicator.responsible_units):
            units = [n for n in indicator.responsible_units if n not in YONGCHUAN_SUBDISTRICTS]
            fields["responsible_units"] = [*units, EVERY_TOWN] if EVERY_TOWN not in units else units
        if fields:
            services.indicator_update(actor=None, indicator=indicator, **fields)
    return copy


@register_demo_loader
def load_demo_assessments(rng: random.Random) -> None:
    """The adapted standards and the 2023 and 2024 assessments of the nine demonstration districts."""
    if Assessment.objects.filter(is_demo=True).exists() or Standard.objects.filter(is_demo=True).exists():
        return
    standard = Standard.objects.filter(code=STANDARD_CODE).first()
    if standard is None:  # the reference data was not loaded
        return
    regions = {r.code: r for r in Region.objects.filter(code__in=[YONGCHUAN, *ADAPTATIONS])}
    yongchuan_assessments(standard, regions[YONGCHUAN], rng)
    for code, adaptation in ADAPTATIONS.items():
        copy = adapt_standard(standard, regions[code], adaptation)
        for year in YEARS:
            veto = Decimal(1) if (code, year) == VETO else Decimal(0)
            district_assessment(copy, regions[code], year, rng, veto_value=veto,
                                veto_approved=(code, year) != PENDING_VETO)
    for assessment in Assessment.objects.filter(is_demo=True).select_related("region").order_by("pk"):
        if (assessment.region.code, assessment.year) in COMPUTED:
            services.assessment_refresh(actor=None, assessment=assessment)
