"""Demo work plans (演示数据): the 2022 work points through a year of progress and supervision, and
Yongchuan's creation plan through its phases.

`kepu loaddemo` calls `load_demo_workplans(rng)` once the personas exist. Both plans are the
reference files (cq-2022-work-points.yaml, yc-creation-plan-2021.yaml) loaded with is_demo; what
happens on them is synthetic and seeded:

* 2022 work points (quarterly, Q2–Q4 2022): the city-level units report each quarter, most before
  the deadline (the 10th after the quarter), some late; three laggard units miss most reports of
  Q3 and Q4 and lead the bulletin; cq_admin accepts most reports and returns some with a comment
  (most are sent again, late, a few not); six Q4 reports still wait for review; a unit whose 100 %
  report is accepted is done, two small units finish everything, and the tasks of one to three
  units are mostly done. 市教委's reports are sent by cq_liaison: its Q3 report on task 10 is
  missing and its Q4 report on task 40 was returned, its work to do. The joint meeting of 28 July
  2022 (convened by 市科协) has three decisions, two of them tasks 46 and 47, reported on in Q3
  and Q4. Two deliverables are done with a PDF (the 十四五 plan by 市科协, the title rules for
  science communicators by 市人力社保局), a third is open.
* Yongchuan creation plan (half-yearly, 2021 H2 – 2025 H2): every unit reports each half-year
  (the 2021 H2 reports late: the plan was issued in April 2022), two towns fall behind from 2024
  H2; yc_admin accepts nearly everything. yc_liaison reports for 区教委: on its school tasks every
  half-year (task 4 returned once and sent again, done in 2025 H1), on the tasks of every member
  unit until 2024 only (its overdue periods); its last report (task 12, 2025 H2) waits for
  yc_admin. 区科协 completed 科技志愿服务嘉许激励制度 with a PDF.

Reports of a unit with a demo liaison (市教委, 区教委), their reviews, the meeting and the
deliverables go through the services (audited), at the moment they happened (`now=`); the other
units' reports are inserted as the services would leave them (see Story). Review times, which the
services stamp with the clock, are then set to a few days after each report.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone

from kepu.accounts.models import User
from kepu.core.demo import register_demo_loader
from kepu.core.demo_files import evidence_pdf
from kepu.core.reference import REFERENCE_DIR
from kepu.orgs.models import Unit

from .models import Assignment, Plan, ProgressReport, ReportStatus, Rhythm, Task
from .periods import period, period_label, period_no
from .plans import parse_plan
from .services.meetings import decision_add, decision_to_task, meeting_create
from .services.plans import deliverable_create, plan_load
from .services.progress import deliverable_complete, refresh_task, report_review, report_submit

WORK_POINTS_FILE = REFERENCE_DIR / "cq-2022-work-points.yaml"
YC_PLAN_FILE = REFERENCE_DIR / "yc-creation-plan-2021.yaml"
NOTE = "（演示数据）"
CITY_EDUCATION = "市教委"  # cq_liaison sends its reports
YC_EDUCATION = "区教委"  # yc_liaison sends its reports
LAGGARDS = 3  # city units that miss most reports of Q3 and Q4
FINISHERS = 2  # small city units that finish every task in Q4
# What cq_liaison finds to do: 市教委's Q3 report on task 10 is missing, its Q4 report on task 40
# was returned and not sent again.
EDUCATION_MISSED = (CITY_EDUCATION, "10", 3)
EDUCATION_RETURNED = (CITY_EDUCATION, "40", 4)

RETURN_COMMENTS = (
    "进展情况过于笼统，请补充具体活动场次、参与人次等数据。",
    "所附材料与本任务无关，请重新上传活动通知或总结材料。",
    "完成进度与所述工作不符，请核实后重新报送。",
    "请补充与区县、基层单位联动开展工作的情况。",
    "请写明下一步工作安排和完成时限。",
)

# --- progress texts ----------------------------------------------------------------------------------------

OPENINGS = {
    2: ("工作要点印发后，本单位及时召开专题会议传达学习，制定任务分工方案，",
        "4 月下旬以来，本单位将工作要点纳入年度重点工作统筹推进，",
        "对照工作要点，本单位细化形成 {a} 项具体措施，明确责任处室和完成时限，",
        "二季度，"),
    3: ("三季度，", "7 月以来，结合全国科普日筹备工作，", "本季度重点抓好活动组织和宣传推广，",
        "三季度克服高温限电和疫情影响，"),
    4: ("四季度，对照年度目标逐项盘点，", "截至 12 月底，", "全年来看，", "四季度受疫情影响，部分线下活动改为线上开展，"),
}
CITY_WORK = {
    "市科协": ("联合市级学会开展科普报告会 {a} 场", "组织全国科普日重庆主场及区县联动活动 {a} 场、参与公众约 {b} 万人次",
              "推动“科普中国”资源进基层，新增“科普中国”信息员 {c} 人"),
    "市教委": ("组织院士专家进校园活动 {a} 场，覆盖中小学生约 {b} 万人次", "举办中小学科学教师培训班 {a} 期、培训 {c} 人",
              "指导 {a} 所中小学开展科技节、科学营活动"),
    "市科技局": ("开放科研机构和重点实验室 {a} 个，接待公众参观 {c} 人次", "组织科技活动周主场活动及系列活动 {a} 场",
               "选派科技特派员 {c} 人次深入镇村开展技术服务"),
    "市委宣传部": ("协调市级媒体刊播科普稿件 {c} 篇（条）", "在新时代文明实践中心（所、站）开展科普志愿服务 {a} 场"),
    "市卫生健康委": ("组织健康科普专家巡讲 {a} 场", "开展“世界无烟日”“全民营养周”等主题宣传 {a} 次，发放资料 {b} 万份"),
    "市人力社保局": ("开展补贴性职业技能培训 {b} 万人次", "举办“巴渝工匠”杯职业技能大赛 {a} 个赛项"),
    "团市委": ("组织青少年科技创新市长奖申报评审，收到申报 {c} 件", "开展青年科技志愿服务 {a} 场"),
    "市文化旅游委": ("在公共图书馆、文化馆开展科普阅读推广活动 {a} 场", "推出科普主题研学旅游线路 {a} 条"),
    "市农业农村委": ("开展高素质农民培训 {a} 期、培训 {c} 人", "组织农业科技专家下乡服务 {c} 人次"),
    "市应急局": ("开展防灾减灾、应急避险宣传进社区活动 {a} 场", "组织“安全生产月”咨询日活动 {a} 场"),
    "市妇联": ("开展农村妇女科学素质提升培训 {a} 期", "举办“巾帼科普”宣讲 {a} 场"),
    "市总工会": ("组织职工技术创新成果交流活动 {a} 场", "新命名劳模和工匠人才创新工作室 {a} 个"),
    "市经济信息委": ("推进中小学校网络接入提速，完成 {c} 所学校改造", "组织智能制造科普进企业活动 {a} 场"),
    "市生态环境局": ("开展“六五环境日”系列宣传活动 {a} 场", "开放环境监测设施 {a} 处供公众参观"),
    "市市场监管局": ("开展食品安全宣传周、世界计量日宣传活动 {a} 场",),
    "市民政局": ("依托社区综合服务设施开展科普活动 {a} 场", "在养老机构开展防诈骗、智能手机使用培训 {a} 场"),
    "市委组织部": ("在干部教育培训中安排科学素质专题课程 {a} 讲",),
    "市委党校（重庆行政学院）": ("在主体班次开设前沿科技专题讲座 {a} 讲",),
    "市社科联": ("组织社科普及周活动 {a} 场",),
    "重庆社科院": ("形成科学素质相关研究报告 {a} 篇",),
    "市大数据发展局": ("开展数字技能提升公益培训 {a} 场",),
    "市委网信办": ("组织网络科学辟谣 {c} 条，推动重点网络平台开设科普专区",),
    "市体育局": ("开展科学健身指导进社区活动 {a} 场",),
    "市城市管理局": ("在城市公园、广场新建和更新科普宣传栏 {a} 处",),
    "市商务委": ("组织农村电商直播技能培训 {a} 场",),
    "市委直属机关工委": ("组织机关干部科学素质专题学习 {a} 次",),
    "市国资委": ("指导市属国有企业开放科普场所 {a} 个",),
    "市文联": ("组织科普题材文艺作品创作 {a} 件",),
    "市作协": ("组织科普科幻作家进校园 {a} 场",),
    "市人民防空办": ("开展人民防空知识进校园、进社区宣传 {a} 场",),
    "市乡村振兴局": ("组织乡村振兴本土人才培训 {a} 期",),
}
GENERIC_WORK = ("结合本单位职能开展专题科普活动 {a} 场", "组织干部职工参加科学素质专题学习 {a} 次")
RESULTS = ("，活动开展有序，群众反响良好。", "，相关做法已在本系统内推广。", "，已形成工作台账备查。",
           "，市级媒体对相关活动进行了报道。", "。")
NEXT_STEPS = ("下一步将结合全国科普日集中开展活动。", "下一步将加强与区县对接，推动任务向基层延伸。",
              "下季度将重点做好总结评估和宣传报道。", "下一步将完善工作机制，确保年度任务按期完成。")
YEAR_END = {True: ("全年任务已完成，相关台账资料已归档。", "年度任务全部完成，工作总结已报市纲要办。"),
            False: ("部分工作受疫情影响有所延后，已纳入 2023 年工作计划。", "剩余工作将在 2023 年一季度完成。")}

EDUCATION_WORK = {  # 区教委 on its tasks of the Yongchuan plan
    "3": ("组织全区中小学开展防震减灾、消防安全应急演练 {a} 场，覆盖师生约 {b} 万人次",
          "联合区应急局、区气象局开展“应急科普进校园”活动 {a} 场"),
    "4": ("全区中小学配齐科学教师或专兼职科技辅导员的比例达到 {p}%", "组织科学教师、科技辅导员培训 {a} 期、培训 {c} 人"),
    "5": ("落实学校科技教育经费 {c} 万元，用于科技活动室建设和竞赛活动",),
    "6": ("新建中小学科技活动室 {a} 个，区属中小学建有科技活动室的比例提高到 {p}%",),
    "8": ("通过“永川教育”公众号推送科普内容 {c} 篇", "在中小学开展科普讲座 {a} 场"),
    "9": ("邀请企业、高校专家进校园开展科普活动 {a} 场",),
    "10": ("动员教师注册“科普中国”信息员 {c} 人",),
    "11": ("组织 {a} 所农村学校学生参观流动科技馆巡展", "利用农村中学科技馆和数字科技馆开展科学课 {c} 节"),
    "12": ("打造“科技小达人”校园科普品牌，开展活动 {a} 场",),
}
DISTRICT_WORK = {  # the other district units
    "区科协": ("召开创建工作推进会，通报各镇（街）创建进展", "组织全国科普日永川主场活动，参与群众约 {b} 万人次",
             "开展科普大篷车进镇（街）活动 {a} 场", "新增注册科技志愿者 {c} 人，开展科技志愿服务活动 {a} 场"),
    "区委组织部": ("将科普工作纳入镇（街）领导班子党建带群建考核，完成年度考核",),
    "区委宣传部": ("在永川日报、永川电视台开设科普专栏，刊播科普内容 {a} 期", "依托新时代文明实践中心开展科普活动 {a} 场"),
    "区融媒体中心": ("制作播出科普短视频 {a} 期，累计播放 {c} 万次",),
    "区卫生健康委": ("组织健康科普进社区、进农村 {a} 场",),
    "区财政局": ("落实区科协科普经费 {c} 万元并列入本级财政预算",),
    "区应急局": ("开展应急避险、防灾减灾科普宣传 {a} 场",),
    "区气象局": ("开展气象防灾减灾科普进校园活动 {a} 场",),
    "区农业农村委": ("组织农技专家下乡开展技术培训 {a} 场、培训农民 {c} 人",),
    "区科技局": ("组织科技活动周系列活动 {a} 场，开放科研平台 {a} 个",),
}
DEPARTMENT_WORK = ("结合部门职能开展科普活动 {a} 场，参与群众 {c} 人次", "整理报送创建工作台账资料 {a} 份",
                   "组织干部职工参加科学素质专题学习 {a} 次")
TOWN_WORK = ("召开镇（街）科协工作会议，部署创建全国科普示范区工作", "组织村（社区）科普员开展科普宣传 {a} 场，发放资料 {c} 份",
             "更新科普画廊（宣传栏）内容 {a} 处", "开展科技志愿服务活动 {a} 场，服务群众 {c} 人次",
             "组织“三长”开展健康、农技科普讲座 {a} 场", "依托新时代文明实践所（站）开展科普活动 {a} 场")
YC_NEXT = ("下一步将对照创建标准查漏补缺。", "下一步将做好创建资料的收集整理。", "下阶段将继续巩固创建成果。")


def _fill(template: str, rng: random.Random) -> str:
    """The template with seeded figures: a (a few to tens), b (in 万), c (hundreds), p (a percentage)."""
    return template.format(a=rng.randint(3, 28), b=rng.randint(2, 15), c=rng.randint(40, 480), p=rng.randint(52, 90))


def _headline(task: Task) -> str:
    first = task.text.split("。")[0]
    return first if len(first) <= 26 or task.section is None else task.section.title


def _city_text(rng: random.Random, unit: str, task: Task, quarter: int, percent: int) -> str:
    opening = _fill(rng.choice(OPENINGS[quarter]), rng)
    work = _fill(rng.choice(CITY_WORK.get(unit, GENERIC_WORK)), rng)
    close = rng.choice(YEAR_END[percent >= 100]) if quarter == 4 else rng.choice(NEXT_STEPS)
    return f"{opening}围绕“{_headline(task)}”，{work}{rng.choice(RESULTS)}{close}{NOTE}"


def _yc_text(rng: random.Random, a: Assignment, no: int, district_id: int) -> str:
    if a.unit.name == YC_EDUCATION:
        pool = EDUCATION_WORK[a.task.number]
    else:
        pool = DISTRICT_WORK.get(a.unit.name, DEPARTMENT_WORK if a.unit.region_id == district_id else TOWN_WORK)
    work = _fill(rng.choice(pool), rng)
    return f"{period_label(Rhythm.HALF_YEARLY, no)}，{work}{rng.choice(RESULTS)}{rng.choice(YC_NEXT)}{NOTE}"


def _pdf(title: str, lines: list[str]) -> SimpleUploadedFile:
    body = evidence_pdf(f"{title}{NOTE}", [*lines, "本文件为 Kepu 平台的演示数据，由程序生成，并非真实材料。"])
    return SimpleUploadedFile(f"{title}.pdf", body, content_type="application/pdf")


# --- writing ------------------------------------------------------------------------------------------------


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randrange(60))))


def _days(day: datetime.date, low: int, high: int, rng: random.Random) -> datetime.date:
    return day + datetime.timedelta(days=rng.randint(low, high))


@dataclass
class Story:
    """Reports and reviews written at the moments they happened. A unit with a sending persona goes
    through the services (audited); the others' rows are collected and inserted by `finish` as the
    services would leave them (a service call with its audit entry takes tens of milliseconds, and
    the work points have some 1,200 reports: the loader runs in every `make run` and in the tests)."""

    plan: Plan
    rng: random.Random
    reviewer: User | None
    senders: dict[int, User] = field(default_factory=dict)  # unit id → the persona sending its reports
    reviewed: dict[int, datetime.datetime] = field(default_factory=dict)  # report id → when reviewed
    rows: list[ProgressReport] = field(default_factory=list)  # bulk rows, not yet inserted
    done: set[int] = field(default_factory=set)  # assignments whose 100 % report was accepted

    def submit(self, a: Assignment, no: int, text: str, percent: int, day: datetime.date) -> ProgressReport:
        at = _moment(day, self.rng)
        if a.unit_id in self.senders:
            return report_submit(actor=self.senders[a.unit_id], assignment=a, period=no, text=text,
                                 percent=percent, reported_on=day, now=at, is_demo=True)
        deadline = period(self.plan.rhythm, no, self.plan.grace_days).deadline
        row = ProgressReport(assignment=a, period=no, text=text, percent=percent, reported_on=day, submitted_at=at,
                             late=timezone.localdate(at) > deadline, is_demo=True)
        self.rows.append(row)
        return row

    def review(self, report: ProgressReport, accept: bool, day: datetime.date) -> None:
        comment = "" if accept else self.rng.choice(RETURN_COMMENTS)
        at = max(_moment(day, self.rng), report.submitted_at + datetime.timedelta(hours=2))
        if accept and report.percent >= 100:
            self.done.add(report.assignment_id)
        if report.pk is None:
            report.status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
            report.review_comment, report.reviewed_by, report.reviewed_at = comment, self.reviewer, at
            return
        report_review(actor=self.reviewer, report=report, accept=accept, comment=comment)
        self.reviewed[report.pk] = at

    def finish(self) -> None:
        """Insert the bulk rows, bring their units' progress and the tasks up to them, and set the
        review times of the reports the services decided."""
        for row in self.rows:
            row.full_clean(exclude=["assignment", "reviewed_by"], validate_constraints=False)
        ProgressReport.objects.bulk_create(self.rows)
        latest: dict[int, ProgressReport] = {}
        for row in sorted(self.rows, key=lambda r: (r.period, r.reported_on)):
            if row.status == ReportStatus.ACCEPTED:
                latest[row.assignment_id] = row
        changed = []
        for a in Assignment.objects.filter(pk__in=latest):
            row = latest[a.pk]
            a.percent, a.done_on = row.percent, row.reported_on if row.percent >= 100 else None
            changed.append(a)
        Assignment.objects.bulk_update(changed, ["percent", "done_on"])
        for task in self.plan.tasks.all():
            refresh_task(task)
        decided = list(ProgressReport.objects.filter(pk__in=self.reviewed))
        for r in decided:
            r.reviewed_at = self.reviewed[r.pk]
        for r in [*decided, *self.rows]:
            r.updated_at = r.reviewed_at or r.submitted_at
        ProgressReport.objects.bulk_update([*decided, *self.rows], ["reviewed_at", "updated_at"])
        self.rows, self.reviewed = [], {}


def _persona(username: str) -> User | None:
    return User.objects.filter(username=username, is_demo=True).first()


def _load(path) -> Plan:
    return plan_load(actor=None, spec=parse_plan(path.read_bytes()), is_demo=True)[0]


# --- the 2022 work points ----------------------------------------------------------------------------------


def _work_points(rng: random.Random) -> Plan:
    plan = _load(WORK_POINTS_FILE)
    story = Story(plan, rng, _persona("cq_admin"))
    units = {u.name: u for u in Unit.objects.filter(pk__in=plan.members.values("unit_id"))}
    liaison = _persona("cq_liaison")
    if liaison is not None and CITY_EDUCATION in units:
        story.senders[units[CITY_EDUCATION].pk] = liaison
    counts = dict(Assignment.objects.filter(task__plan=plan).values_list("unit__name").annotate(n=Count("pk")))
    small = sorted(n for n, c in counts.items() if c <= 9 and n != CITY_EDUCATION)
    finishers = set(rng.sample(small, FINISHERS))
    laggards = set(rng.sample(sorted(set(small) - finishers), LAGGARDS))
    goal: dict[int, int] = {}
    pending_left = 6  # Q4 reports still waiting for cq_admin
    for quarter in (2, 3, 4):
        if quarter == 3:
            _joint_meeting(plan, units)
        assignments = list(Assignment.objects.filter(task__plan=plan).select_related("task__section", "unit")
                           .order_by("task__order", "-lead", "unit__name"))
        sizes = Counter(a.task_id for a in assignments)
        for a in assignments:  # where each unit will be at the year's end: most finish, some stay short
            goal.setdefault(a.pk, 100 if a.unit.name in finishers or rng.random() < (0.9 if sizes[a.task_id] <= 3 else 0.5)
                            else rng.choice((80, 85, 90, 95)))
            if (a.unit.name, a.task.number) in (EDUCATION_MISSED[:2], EDUCATION_RETURNED[:2]):
                goal[a.pk] = 90  # not done: the missing and the returned report stay owed
        no = period_no(plan.rhythm, datetime.date(2022, quarter * 3, 1))
        p = period(plan.rhythm, no, plan.grace_days)
        returned = []
        for a in assignments:
            if a.pk in story.done:
                continue
            laggard = a.unit.name in laggards and quarter > 2
            here = (a.unit.name, a.task.number, quarter)
            if here == EDUCATION_MISSED or (laggard and rng.random() < 0.75) or (not laggard and rng.random() < 0.03):
                continue  # missing: the bulletin names the unit
            late = laggard or rng.random() < 0.1
            day = _days(p.deadline, 1, 24, rng) if late else _days(p.end, -6, plan.grace_days, rng)
            percent = {2: rng.randint(15, 40), 3: rng.randint(45, 75), 4: goal[a.pk]}[quarter]
            if quarter == 3 and goal[a.pk] == 100 and rng.random() < 0.15:
                percent = 100  # finished early
            report = story.submit(a, no, _city_text(rng, a.unit.name, a.task, quarter, percent), percent, day)
            if quarter == 4 and pending_left and rng.random() < 0.03:
                pending_left -= 1
                continue
            accept = here != EDUCATION_RETURNED and (a.unit.name in finishers or rng.random() > 0.06)
            story.review(report, accept, _days(day, 2, 8, rng))
            if not accept and here != EDUCATION_RETURNED:
                returned.append((a, report))
        # Most returned reports are sent again (after the deadline, so late); a few are not.
        for a, report in returned:
            if rng.random() < 0.25:
                continue
            day = _days(max(report.reported_on, p.deadline), 3, 12, rng)
            text = "根据审核意见补充完善：" + _city_text(rng, a.unit.name, a.task, quarter, report.percent)
            again = story.submit(a, no, text, report.percent, day)
            story.review(again, True, _days(day, 1, 5, rng))
    story.finish()
    _work_points_deliverables(plan)
    return plan


MEETING_AGENDA = """一、通报 2022 年全民科学素质行动工作要点上半年推进情况
二、研究全国科普日和科技活动周重庆活动安排
三、研究利用科普资源助推“双减”工作的落实措施
四、部署下半年重点工作"""
MEETING_MINUTES = """2022 年 7 月 28 日，市全民科学素质纲要实施工作联席会议召开 2022 年第一次全体会议。会议通报了工作要点
上半年推进情况：45 项任务均已启动，二季度进展按时报送率约九成，个别单位报送不及时。会议研究了全国科普日
重庆活动安排和利用科普资源助推“双减”的工作措施，议定了下列事项。（演示数据）"""
DECISIONS = (
    ("各成员单位于 8 月 31 日前报送全国科普日活动安排，由市科协汇总形成全市活动方案并组织实施。",
     "市科协", None, datetime.date(2022, 9, 30)),
    ("市教委、市科协联合制定利用科普资源助推“双减”工作落实方案，年底前印发实施。",
     "市教委", ["市科协", "市科技局"], datetime.date(2022, 12, 31)),
    ("三季度起每季度通报各成员单位进展报送情况，对逾期未报的单位予以提醒。", "", None, None),
)


def _joint_meeting(plan: Plan, units: dict[str, Unit]) -> None:
    """The joint meeting of July 2022 and its decisions (the first two become tasks)."""
    admin = _persona("cq_admin")
    meeting = meeting_create(actor=admin, plan=plan, title="市全民科学素质纲要实施工作联席会议 2022 年第一次全体会议",
                             held_on=datetime.date(2022, 7, 28), convener=units["市科协"],
                             location="重庆科技馆学术报告厅", agenda=MEETING_AGENDA, minutes=MEETING_MINUTES,
                             attendees=list(units.values()), is_demo=True)
    section = plan.sections.filter(parent__isnull=True).order_by("-order").first()
    for text, lead, others, due in DECISIONS:
        decision = decision_add(actor=admin, meeting=meeting, text=text)
        if not lead:
            continue
        responsible = list(units.values()) if others is None else [units[n] for n in others]
        decision_to_task(actor=admin, decision=decision, number=f"{plan.tasks.count() + 1}", section=section,
                         lead_unit=units[lead], responsible_units=responsible, due_on=due, is_demo=True)


def _work_points_deliverables(plan: Plan) -> None:
    """Two deliverables done with a PDF, one open."""
    admin = _persona("cq_admin")
    done = (
        ("44", "《重庆市科普事业发展“十四五”规划》印发文件", "市科协", datetime.date(2022, 9, 28),
         "规划已经市政府同意印发实施。"),
        ("39", "重庆市科学传播专业职称申报条件", "市人力社保局", datetime.date(2022, 11, 15),
         "已会同市科协出台科学传播专业职称申报条件，2023 年起开展评审。"),
    )
    for number, name, unit_name, day, note in done:
        task = plan.tasks.get(number=number)
        d = deliverable_create(actor=admin, task=task, name=name, due_on=datetime.date(2022, 12, 31))
        unit = Unit.objects.get(region=plan.region, name=unit_name)
        deliverable_complete(actor=admin, deliverable=d, unit=unit, done_on=day, note=note + NOTE,
                             uploads=[_pdf(name, [f"任务 {number}：{_headline(task)}", note])])
    deliverable_create(actor=admin, task=plan.tasks.get(number="9"), name="中学生“英才计划”年度培养名单",
                       due_on=datetime.date(2022, 12, 31))


# --- the Yongchuan creation plan ---------------------------------------------------------------------------

YC_EVERY_PERIOD = ("3", "4", "11", "8", "12")  # 区教委 reports these every half-year
YC_SOMETIMES = ("5", "6", "9", "10")  # ... and these until 2024, then not any more (overdue)
YC_RETURNED = ("4", 2023 * 2)  # 区教委's task and period: returned, then sent again
YC_DONE = ("4", 2025 * 2)  # task 4 is done for 区教委 with the 2025 H1 report
YC_LAGGARDS = 2  # towns that miss most reports since 2024 H2


def _yongchuan(rng: random.Random) -> Plan:
    plan = _load(YC_PLAN_FILE)
    story = Story(plan, rng, _persona("yc_admin"))
    education = Unit.objects.get(region=plan.region, name=YC_EDUCATION)
    liaison = _persona("yc_liaison")
    if liaison is not None:
        story.senders[education.pk] = liaison
    assignments = list(Assignment.objects.filter(task__plan=plan).select_related("task", "unit__region")
                       .order_by("task__order", "-lead", "unit__name"))
    towns = sorted({a.unit.name for a in assignments if a.unit.region.parent_id == plan.region_id})
    laggards = set(rng.sample(towns, YC_LAGGARDS))
    first, last = min(a.task.first_period for a in assignments), plan.last_period
    pending = (education.pk, YC_EVERY_PERIOD[-1], last)  # waits for yc_admin
    for no in range(first, last + 1):
        p = period(plan.rhythm, no, plan.grace_days)
        step = (no - first) / max(last - first, 1)
        for a in assignments:
            if a.pk in story.done:
                continue
            mine = a.unit_id == education.pk
            if mine and a.task.number in YC_SOMETIMES and no >= last - 1:
                continue
            lagging = a.unit.name in laggards and no >= last - 2
            if not mine and rng.random() < (0.7 if lagging else 0.02):
                continue  # missing
            # The plan was issued in April 2022: every 2021 H2 report came late.
            late = no == first or lagging or (not mine and rng.random() < 0.06)
            day = _days(p.deadline, 1, 30, rng) if late else _days(p.end, -10, plan.grace_days, rng)
            if no == first:
                day = _days(p.deadline, 80, 100, rng)
            percent = min(95, int(20 + 75 * step) + rng.randint(-5, 5))
            if (mine and (a.task.number, no) == YC_DONE) or (not mine and no == last and rng.random() < 0.8):
                percent = 100
            report = story.submit(a, no, _yc_text(rng, a, no, plan.region_id), percent, day)
            if (a.unit_id, a.task.number, no) == pending:
                continue
            if (mine and (a.task.number, no) == YC_RETURNED) or (not mine and rng.random() < 0.01):
                story.review(report, False, _days(day, 3, 6, rng))
                day = _days(max(day, p.deadline), 5, 15, rng)
                report = story.submit(a, no, "根据审核意见补充完善：" + _yc_text(rng, a, no, plan.region_id), percent, day)
            story.review(report, True, _days(day, 2, 10, rng))
    story.finish()
    admin = story.reviewer
    association = Unit.objects.get(region=plan.region, name="区科协")
    volunteers = plan.tasks.get(number="7").deliverables.get(name="科技志愿服务嘉许激励制度")
    deliverable_complete(actor=admin, deliverable=volunteers, unit=association, done_on=datetime.date(2023, 3, 15),
                         note="区科协会同区文明办印发《永川区科技志愿服务嘉许激励办法（试行）》。" + NOTE,
                         uploads=[_pdf("永川区科技志愿服务嘉许激励办法（试行）",
                                       ["第一条 为弘扬科技志愿服务精神，激励科技工作者参与科技志愿服务，制定本办法。",
                                        "第二条 对服务时长累计达到 100 小时以上的科技志愿者，予以通报表扬。"])])
    return plan


@register_demo_loader
def load_demo_workplans(rng: random.Random) -> None:
    """The two demo plans with their progress (skipped when demo reports already exist)."""
    if ProgressReport.objects.filter(is_demo=True).exists():
        return
    _work_points(rng)
    _yongchuan(rng)
