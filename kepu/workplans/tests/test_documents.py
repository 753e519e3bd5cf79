"""The documents of a plan: the progress report (Word), the tracking sheet (Excel) and the bulletin
(page, Word, Excel) — what they say, who may have them, and what they cost."""

import datetime
import io
import re

import docx
import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ..models import Assignment, Rhythm
from ..periods import period_no
from ..services.plans import task_create
from .factories import make_plan, submit, unit, work_points

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))
Q2_2022 = period_no(Rhythm.QUARTERLY, datetime.date(2022, 5, 1))
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(response) -> docx.document.Document:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == DOCX
    return docx.Document(io.BytesIO(response.content))


def _texts(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def _xlsx(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.content[:300]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def _assignment(plan, number: str, name: str, region: str = "500000") -> Assignment:
    return Assignment.objects.get(task__plan=plan, task__number=number, unit=unit(name, region))


@pytest.fixture
def points():
    """The 2022 work points on task 4 in the second quarter: 市科协 reported late (accepted), 市科技局's
    report was returned, 市委宣传部 sent nothing."""
    plan = work_points()
    submit(_assignment(plan, "4", "市科协"), period=Q2_2022, percent=60, text="举办重庆英才讲堂 12 场。",
           when=datetime.datetime(2022, 7, 15, 9, tzinfo=TZ), accept=True)
    submit(_assignment(plan, "4", "市科技局"), period=Q2_2022, percent=30, text="正在推进。",
           when=datetime.datetime(2022, 7, 5, 9, tzinfo=TZ), accept=False)
    return plan


def _liaison_plan():
    """A Yongchuan plan whose tasks 1 and 2 are 区科协's and 区科技局's, and task 3 区教委's alone."""
    plan = make_plan(year=2026, tasks=2, units=("区科协", "区科技局"))
    task_create(actor=None, plan=plan, section=plan.sections.get(), number="3", text="开展校园科技节。",
                lead_unit=unit("区教委"), responsible_units=[])
    return plan


# --- the progress report --------------------------------------------------------------------------------


def test_progress_report_goes_section_by_section_with_the_latest_progress(points, client_for):
    response = client_for("city_admin").get(reverse("workplans:plan_report_docx", args=[points.pk]))
    assert "filename*=UTF-8''cq-2022-kxsz-gzyd-" in response["Content-Disposition"]
    document = _docx(response)
    texts = _texts(document)
    assert texts[0] == "2022 年重庆市全民科学素质行动工作要点年度推进情况报告"
    assert document.paragraphs[0].style.name == "报告标题"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:2] == ["一、以习近平新时代中国特色社会主义思想为统领，在全社会厚植创新发展沃土",
                            "（一）深入贯彻习近平新时代中国特色社会主义思想"]
    assert [p.style.name for p in document.paragraphs if p.text == headings[1]] == ["Heading 2"]
    assert "共部署任务 45 项" in texts[1] and "按时报送 0 份，逾期报送 1 份；被退回 1 份" in texts[1]
    task4 = texts.index(next(t for t in texts if t.startswith("4. 宣传展示党的十八大以来")))
    assert texts[task4 + 1].startswith("牵头单位：—；责任单位：市委宣传部、市科技局、市科协。")
    assert texts[task4 + 2] == "最新进展（市科协，2022 年第二季度，2022年7月15日，完成 60%）：举办重庆英才讲堂 12 场。"
    assert "市委宣传部" in texts[task4 + 3] and "市科技局的进展被退回后未重新报送" in texts[task4 + 3]
    assert texts[-2] == "重庆市全民科学素质纲要实施工作办公室"


def test_a_units_progress_report_is_about_its_own_tasks(client_for):
    plan = _liaison_plan()
    url = reverse("workplans:plan_report_docx", args=[plan.pk])
    education = unit("区教委")
    texts = _texts(_docx(client_for("yc_admin").get(url, {"unit": education.pk})))
    assert texts[0] == "永川区教委关于永川区科普工作要点落实情况的报告"
    assert "永川区教委承担任务 1 项，其中牵头 1 项" in texts[1]
    assert [t for t in texts if t[:2] in ("1.", "2.", "3.")] == ["3. 开展校园科技节。"]
    assert texts[-2] == "永川区教委"
    # a liaison's report is its unit's without asking
    texts = _texts(_docx(client_for("yc_liaison").get(url)))
    assert texts[0] == "永川区教委关于永川区科普工作要点落实情况的报告"
    assert [t for t in texts if t[:2] in ("1.", "2.", "3.")] == ["3. 开展校园科技节。"]


def test_a_unit_that_is_not_the_users_is_refused_with_a_message(client_for):
    plan = _liaison_plan()
    science = unit("区科协")
    for value in (str(science.pk), "abc", "²", "9" * 30):
        response = client_for("yc_liaison").get(reverse("workplans:plan_tracking_xlsx", args=[plan.pk]),
                                                {"unit": value})
        assert response.status_code == 302 and response["Location"] == reverse("workplans:plan_detail",
                                                                              args=[plan.pk])
        messages = [str(m) for m in response.wsgi_request._messages]
        assert messages == [f"单位：“{value[:20]}”不是本计划中您可查看的成员单位。"]


# --- the tracking sheet ---------------------------------------------------------------------------------


def test_tracking_sheet_has_a_row_per_task_and_per_unit(points, client_for):
    book = _xlsx(client_for("city_admin").get(reverse("workplans:plan_tracking_xlsx", args=[points.pk])))
    assert book.sheetnames == ["任务分解表", "单位进展"]
    tasks = _rows(book["任务分解表"])
    assert tasks[0] == ("序号", "章节", "任务内容", "牵头单位", "责任单位", "状态", "完成进度", "最新进展", "进展日期",
                        "完成时限", "是否逾期")
    assert len(tasks) == 1 + 45
    row4 = next(r for r in tasks if r[0] == "4")
    assert row4[1] == "（二）大力弘扬科学精神和科学家精神"
    assert row4[4] == "市委宣传部、市科技局、市科协"
    assert row4[5] == "已逾期" and row4[10] == "是"
    assert row4[7] == "市科协：举办重庆英才讲堂 12 场。"
    assert row4[8].date() == datetime.date(2022, 7, 15)
    units = {(r[0], r[1]): r for r in _rows(book["单位进展"])[1:]}
    assert len(units) == 393
    assert units[("4", "市科协")][3:7] == (0.6, "2022 年第二季度", "举办重庆英才讲堂 12 场。", "已采纳")
    assert units[("4", "市科技局")][6] == "已退回" and units[("4", "市科技局")][8] == 1
    assert units[("4", "市委宣传部")][6] == "未报送"
    assert units[("4", "市委宣传部")][7].startswith("2022 年第二季度、2022 年第三季度")


def test_liaisons_tracking_sheet_holds_only_its_units_tasks(client_for):
    plan = _liaison_plan()
    book = _xlsx(client_for("yc_liaison").get(reverse("workplans:plan_tracking_xlsx", args=[plan.pk])))
    assert [r[0] for r in _rows(book["任务分解表"])[1:]] == ["3"]
    assert [(r[0], r[1]) for r in _rows(book["单位进展"])[1:]] == [("3", "区教委")]
    # the region's admin gets every task
    book = _xlsx(client_for("yc_admin").get(reverse("workplans:plan_tracking_xlsx", args=[plan.pk])))
    assert [r[0] for r in _rows(book["任务分解表"])[1:]] == ["1", "2", "3"]


# --- the bulletin ---------------------------------------------------------------------------------------


def test_bulletin_page_names_the_units_with_overdue_or_returned_items(points, client_for):
    response = client_for("city_admin").get(reverse("workplans:bulletin", args=[points.pk]), {"date": "2022-07-20"})
    assert response.status_code == 200
    b = response.context["bulletin"]
    labels = [u.label for u in b.units]
    assert "市委宣传部" in labels and "市科技局" in labels and len(labels) == 31
    science = next(u for u in b.units if u.label == "市科技局")
    returned = [p for p in science.problems if p.kind == "returned"]
    assert [(p.task.number, p.comment) for p in returned] == [("4", "材料不全，请补充。")]
    assert b.statuses["total"] == 45
    page = response.content.decode()
    assert "材料不全，请补充。" in page and 'data-kind="returned" data-task="4"' in page
    for name in ("bulletin_docx", "bulletin_xlsx"):
        assert f'href="{reverse(f"workplans:{name}", args=[points.pk])}?date=2022-07-20"' in page


def test_bulletin_in_word_names_each_units_items(points, client_for):
    response = client_for("city_admin").get(reverse("workplans:bulletin_docx", args=[points.pk]),
                                            {"date": "2022-07-20"})
    assert "2022-07-20.docx" in response["Content-Disposition"]
    texts = _texts(_docx(response))
    assert texts[0] == "关于2022 年重庆市全民科学素质行动工作要点落实情况的督查通报"
    assert "截至2022年7月20日" in texts[1] and "共有 31 个单位" in texts[1]
    assert texts[2] == "一、总体情况" and "共部署任务 45 项" in texts[3]
    assert texts[4] == "二、存在问题"

    def missing_q2(name: str) -> list[str]:
        """The tasks the unit's paragraph names as missing the second quarter."""
        paragraph = next(t for t in texts if f"{name}：" in t)
        found = re.search(r"任务 ([\d、]+) 的 2022 年第二季度进展逾期未报送（截止2022年7月10日）", paragraph)
        return found.group(1).split("、")

    assert "4" in missing_q2("市委宣传部")
    assert "4" not in missing_q2("市科协")  # it reported, late
    assert "4" not in missing_q2("市科技局")  # named once, as returned:
    science = next(t for t in texts if "市科技局：" in t)
    assert "任务 4 的 2022 年第二季度进展被退回后未重新报送（审核意见：材料不全，请补充）" in science
    assert "三、工作要求" in texts and any("5 个工作日内" in t for t in texts)
    assert texts[-2:] == ["重庆市全民科学素质纲要实施工作办公室", "2022年7月20日"]


def test_bulletin_in_excel_has_a_summary_and_the_details(points, client_for):
    book = _xlsx(client_for("city_admin").get(reverse("workplans:bulletin_xlsx", args=[points.pk]),
                                              {"date": "2022-07-20"}))
    assert book.sheetnames == ["通报汇总", "明细"]
    summary = _rows(book["通报汇总"])
    assert summary[0] == ("单位", "缺报期次数", "逾期任务数", "退回未改数", "合计")
    by_unit = {r[0]: r for r in summary[1:]}
    assert by_unit["市科技局"][3] == 1
    assert by_unit["合计"][4] == sum(r[4] for r in summary[1:-1])
    details = _rows(book["明细"])
    assert details[0] == ("单位", "任务编号", "任务内容", "问题类型", "期次", "截止日期", "逾期天数", "审核意见")
    row = next(r for r in details if r[0] == "市委宣传部" and r[1] == "4")
    assert row[3:5] == ("逾期未报送", "2022 年第二季度") and row[5].date() == datetime.date(2022, 7, 10)
    assert row[6] == 10
    row = next(r for r in details if r[0] == "市科技局" and r[3] == "退回未改")
    assert row[1] == "4" and row[7] == "材料不全，请补充。"


def test_a_bad_date_gives_a_message_and_today(points, client_for):
    client = client_for("city_admin")
    for value in ("2022-13-45", "yesterday", "0001-01-01"):
        response = client.get(reverse("workplans:bulletin", args=[points.pk]), {"date": value})
        assert response.status_code == 200
        assert response.context["day"] == timezone.localdate()
        assert f"通报日期：“{value}”不是有效的日期" in response.content.decode()
    assert client.get(reverse("workplans:bulletin_docx", args=[points.pk]), {"date": "x"}).status_code == 200
    assert client.get(reverse("workplans:bulletin_xlsx", args=[points.pk]), {"date": "x"}).status_code == 200


def test_a_plan_with_nothing_overdue_says_so(client_for):
    plan = make_plan(year=2026, tasks=1)
    texts = _texts(_docx(client_for("yc_admin").get(reverse("workplans:bulletin_docx", args=[plan.pk]),
                                                    {"date": "2026-02-01"})))
    assert "本期未发现逾期未报送、超期未完成或退回未改的情况。" in texts


# --- who may have them ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bulletin", "bulletin_docx", "bulletin_xlsx"])
@pytest.mark.parametrize(("persona", "status"), [
    ("yc_admin", 200), ("yc_reviewer", 200), ("platform_admin", 200), ("city_admin", 200),
    ("yc_liaison", 403), ("citizen", 403), ("spb_admin", 404), ("outsider", 403), ("anonymous", 302),
])
def test_bulletin_is_for_the_plans_owners_and_reviewers(client_for, name, persona, status):
    plan = make_plan(year=2026, tasks=1)
    assert client_for(persona).get(reverse(f"workplans:{name}", args=[plan.pk])).status_code == status


@pytest.mark.parametrize("name", ["plan_report_docx", "plan_tracking_xlsx"])
@pytest.mark.parametrize(("persona", "status"), [
    ("yc_admin", 200), ("yc_reviewer", 200), ("yc_liaison", 200), ("spb_admin", 404), ("citizen", 403),
    ("anonymous", 302),
])
def test_progress_documents_are_for_whoever_sees_the_plan(client_for, name, persona, status):
    plan = make_plan(year=2026, tasks=1)
    assert client_for(persona).get(reverse(f"workplans:{name}", args=[plan.pk])).status_code == status


def test_an_unknown_plan_is_404(client_for):
    assert client_for("platform_admin").get(reverse("workplans:bulletin", args=[999999])).status_code == 404


# --- cost -----------------------------------------------------------------------------------------------


def _with_reports(tasks: int, code: str):
    plan = make_plan(code=code, year=2026, tasks=tasks, units=("区教委", "区科协", "区科技局"))
    q1 = period_no(Rhythm.QUARTERLY, datetime.date(2026, 1, 1))
    for i, a in enumerate(Assignment.objects.filter(task__plan=plan).order_by("pk")):
        submit(a, period=q1, when=datetime.datetime(2026, 4, 5 + i % 10, 9, tzinfo=TZ), accept=bool(i % 2))
    return plan


@pytest.mark.parametrize("name", ["bulletin", "bulletin_docx", "bulletin_xlsx", "plan_report_docx",
                                  "plan_tracking_xlsx"])
def test_queries_do_not_grow_with_tasks(client_for, django_assert_max_num_queries, name):
    client = client_for("yc_admin")
    small, large = _with_reports(2, "small"), _with_reports(8, "large")
    params = {"date": "2026-08-01"}
    client.get(reverse(f"workplans:{name}", args=[small.pk]), params)  # sessions, scope: the same for both
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(f"workplans:{name}", args=[small.pk]), params).status_code == 200
    with django_assert_max_num_queries(len(queries)):
        assert client.get(reverse(f"workplans:{name}", args=[large.pk]), params).status_code == 200
