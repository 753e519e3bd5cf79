"""The read pages of plans: list, board, timeline, statistics, members (and mapping unit names), import."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ..models import Assignment, Plan, Task
from ..periods import period_no
from ..plans import parse_plan
from ..services.plans import plan_load, task_create, task_update
from .factories import make_plan, submit, unit, work_points

pytestmark = pytest.mark.django_db

PAGES = ("plan_detail", "plan_timeline", "plan_stats", "plan_members")

YC_FILE = """plan:
  code: yc-2026-points
  title: 永川区科普工作要点
  document_number: 永科普办〔2026〕1 号
  year: {year}
  starts_on: '{start}'
  ends_on: '{end}'
  region_code: '500118'
phases:
- {{name: 动员阶段, start: '{start}', end: '{mid}'}}
milestones:
- {{title: 中期检查, date: '{mid}'}}
sections:
- number: 一
  title: 重点任务
  tasks:
  - {{number: 1, text: 开展校园科普活动, lead_unit: 区教委, responsible_units: [区科协, 区未知办]}}
  - {{number: 2, text: 开展科技活动周, responsible_units: [区科协]}}
"""


def yc_file() -> bytes:
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=5), today + datetime.timedelta(days=300)
    return YC_FILE.format(year=start.year, start=start, end=end, mid=today + datetime.timedelta(days=60)).encode()


def url(name, plan, **query):
    base = reverse(f"workplans:{name}", args=[plan.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def yc_plan():
    return make_plan(year=2026, tasks=2)


@pytest.fixture
def board_plan():
    """Five tasks of Yongchuan, one of each board status; task 5 is 区科协's alone.

    1 in progress, 2 overdue (past its due date), 3 returned, 4 done, 5 not started."""
    today = timezone.localdate()
    plan = make_plan(code="yc-board", year=today.year, tasks=4, starts_on=today - datetime.timedelta(days=5),
                     ends_on=today + datetime.timedelta(days=300))
    now = period_no(plan.rhythm, today)
    t1, t2, t3, t4 = plan.tasks.order_by("order")
    lead = {t.number: Assignment.objects.get(task=t, lead=True) for t in (t1, t2, t3, t4)}
    submit(lead["1"], period=now, percent=40, text="已举办三场校园科普讲座。", accept=True)
    task_update(actor=None, task=t2, due_on=today - datetime.timedelta(days=1))
    submit(lead["3"], period=now, accept=False)
    for a in Assignment.objects.filter(task=t4):
        submit(a, period=now, percent=100, accept=True)
    task_create(actor=None, plan=plan, section=t1.section, number="5", text="区科协独自承担的任务。",
                responsible_units=[unit("区科协")])
    return plan


# --- access -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_for_the_owner(client_for, yc_plan, page):
    response = client_for("yc_admin").get(url(page, yc_plan))
    assert response.status_code == 200
    assert "永川区科普工作要点" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_work_points_pages_render_for_the_city_admin(client_for, page):
    plan = work_points()
    response = client_for("city_admin").get(url(page, plan))
    assert response.status_code == 200
    assert "渝纲要办发〔2022〕2 号" in response.content.decode()


def test_the_board_of_the_work_points_shows_every_task_by_section(client_for):
    plan = work_points()
    html = client_for("city_admin").get(url("plan_detail", plan)).content.decode()
    assert html.count('class="task-row"') == 45
    assert "一、以习近平新时代中国特色社会主义思想为统领" in html
    assert "（一）深入贯彻习近平新时代中国特色社会主义思想" in html
    assert 'id="plan-owner-actions"' in html


@pytest.mark.parametrize("page", PAGES)
def test_another_districts_admin_gets_404(client_for, yc_plan, page):
    assert client_for("spb_admin").get(url(page, yc_plan)).status_code == 404


@pytest.mark.parametrize("page", (*PAGES, None))
@pytest.mark.parametrize("persona", ("citizen", "outsider"))
def test_non_staff_get_403(client_for, yc_plan, page, persona):
    target = url(page, yc_plan) if page else reverse("workplans:plan_list")
    assert client_for(persona).get(target).status_code == 403


@pytest.mark.parametrize("page", (*PAGES, None))
def test_anonymous_is_sent_to_login(client, yc_plan, page):
    response = client.get(url(page, yc_plan) if page else reverse("workplans:plan_list"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_menu_offers_plans_to_staff_and_tasks_to_liaisons(client_for):
    admin = client_for("yc_admin").get(reverse("workplans:plan_list")).content.decode()
    assert reverse("workplans:plan_list") in admin and reverse("workplans:my_tasks") not in admin
    liaison = client_for("yc_liaison").get(reverse("workplans:plan_list")).content.decode()
    assert reverse("workplans:my_tasks") in liaison


# --- list ---------------------------------------------------------------------------------------------


def test_the_list_shows_visible_plans_with_their_counts(client_for, board_plan):
    make_plan(region="500106", code="spb-plan", title="沙坪坝区科普工作要点", units=("区教委",))
    html = client_for("yc_admin").get(reverse("workplans:plan_list")).content.decode()
    assert "永川区科普工作要点" in html and "沙坪坝区科普工作要点" not in html
    assert "1 / 5" in html  # one task done of five
    assert reverse("workplans:plan_import") in html and reverse("workplans:plan_create") in html


def test_the_list_filters_by_year_and_region(client_for, yc_plan):
    make_plan(code="yc-2025", title="永川区 2025 年要点", year=2025)
    make_plan(region="500106", code="spb-plan", title="沙坪坝区科普工作要点", units=("区教委",))
    client = client_for("city_admin")
    html = client.get(reverse("workplans:plan_list"), {"year": 2025}).content.decode()
    assert "永川区 2025 年要点" in html and "永川区科普工作要点" not in html
    html = client.get(reverse("workplans:plan_list"), {"region": "500106"}).content.decode()
    assert "沙坪坝区科普工作要点" in html and "永川区" not in html.split('id="plan-table"')[1]


def test_a_bad_filter_is_named_not_a_crash(client_for, yc_plan):
    response = client_for("yc_admin").get(reverse("workplans:plan_list"), {"year": "abc", "region": "999"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "年度" in html and "区划代码“999”不存在" in html and 'id="no-plans"' in html


def test_stats_mark_units_without_a_liaison(client_for, personas, board_plan):
    assert personas.yc_liaison  # 区教委 has a liaison; 区科协 has none
    html = client_for("yc_admin").get(reverse("workplans:plan_stats", args=[board_plan.pk])).content.decode()
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr data-unit="(\d+)">(.*?)</tr>', html, re.S)}
    assert "no-liaison" not in rows[str(unit("区教委").pk)]
    assert "no-liaison" in rows[str(unit("区科协").pk)]


def test_a_liaison_counts_only_its_units_tasks(client_for, board_plan):
    html = client_for("yc_liaison").get(reverse("workplans:plan_list")).content.decode()
    assert "1 / 4" in html  # task 5 is 区科协's alone


def test_a_liaison_lists_the_plans_of_its_units_without_import(client_for, yc_plan):
    make_plan(code="yc-other", title="区科协的计划", units=("区科协",))
    html = client_for("yc_liaison").get(reverse("workplans:plan_list")).content.decode()
    assert "永川区科普工作要点" in html and "区科协的计划" not in html
    assert reverse("workplans:plan_import") not in html


# --- board --------------------------------------------------------------------------------------------


def _numbers(html: str) -> set[str]:
    import re

    return set(re.findall(r'class="task-row" data-task="\d+" data-number="([^"]+)"', html))


def test_the_board_colours_each_status(client_for, board_plan):
    html = client_for("yc_admin").get(url("plan_detail", board_plan)).content.decode()
    assert _numbers(html) == {"1", "2", "3", "4", "5"}
    for number, status, colour in (("1", "in_progress", "primary"), ("2", "overdue", "danger"),
                                   ("3", "returned", "warning"), ("4", "done", "success"),
                                   ("5", "not_started", "secondary")):
        row = html.split(f'data-number="{number}"')[1].split("</tr>")[0]
        assert f'data-board-status="{status}"' in row
        assert f'<span class="badge text-bg-{colour}" data-board-status="{status}">' in row
    row1 = html.split('data-number="1"')[1].split("</tr>")[0]
    assert "已举办三场校园科普讲座。" in row1 and "年第" in row1  # latest progress with its period
    assert reverse("workplans:task_detail", args=[Task.objects.get(plan=board_plan, number="1").pk]) in row1
    assert "overdue-marker" in html.split('data-number="2"')[1].split("</tr>")[0]


def test_status_chips_count_and_filter(client_for, board_plan):
    client = client_for("yc_admin")
    html = client.get(url("plan_detail", board_plan, status="overdue")).content.decode()
    assert _numbers(html) == {"2"}
    for status in ("overdue", "returned", "in_progress", "not_started", "done"):
        assert f'data-count="{status}">1<' in html  # every chip keeps its count
    assert _numbers(client.get(url("plan_detail", board_plan, status="done")).content.decode()) == {"4"}


def test_the_unit_filter_keeps_that_units_tasks(client_for, board_plan):
    education = unit("区教委")
    html = client_for("yc_admin").get(url("plan_detail", board_plan, unit=education.pk)).content.decode()
    assert _numbers(html) == {"1", "2", "3", "4"}


def test_a_bad_board_filter_is_dropped_with_a_message(client_for, board_plan):
    response = client_for("yc_admin").get(url("plan_detail", board_plan, status="late", unit=unit("区教委", "500106").pk))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="filter-errors"' in html
    assert "所选单位不是本计划的成员单位" in html
    assert _numbers(html) == {"1", "2", "3", "4", "5"}


def test_htmx_gets_only_the_board(client_for, board_plan):
    response = client_for("yc_admin").get(url("plan_detail", board_plan, status="returned"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board"') and "<html" not in html and 'id="plan-header"' not in html
    assert _numbers(html) == {"3"}
    assert "HX-Request" in response["Vary"]


def test_liaison_sees_only_its_units_tasks_on_the_board(client_for, board_plan):
    html = client_for("yc_liaison").get(url("plan_detail", board_plan)).content.decode()
    assert _numbers(html) == {"1", "2", "3", "4"}  # task 5 is 区科协's alone
    assert f'data-unit="{unit("区科协").pk}"' not in html  # nor the other unit's standing
    assert 'id="plan-owner-actions"' not in html


def test_owners_are_warned_of_unmatched_names(client_for):
    plan, _action = plan_load(actor=None, spec=parse_plan(yc_file()))
    html = client_for("yc_admin").get(url("plan_detail", plan)).content.decode()
    assert 'id="unmatched-banner"' in html and url("plan_members", plan) in html
    assert 'id="unmatched-banner"' not in client_for("yc_reviewer").get(url("plan_detail", plan)).content.decode()


# --- timeline -----------------------------------------------------------------------------------------


def test_the_timeline_shows_phases_milestones_periods_and_today(client_for):
    plan, _action = plan_load(actor=None, spec=parse_plan(yc_file()))
    task_update(actor=None, task=plan.tasks.get(number="2"), due_on=timezone.localdate() - datetime.timedelta(days=1))
    html = client_for("yc_admin").get(url("plan_timeline", plan)).content.decode()
    assert "动员阶段" in html and "中期检查" in html
    assert 'id="today-marker"' in html
    assert html.count('<tr data-state=') >= 3  # milestone, period(s), due task
    due = html.split('id="due-list"')[1].split("</table>")[0]
    assert 'data-state="overdue"' in due and "已超期" in due


# --- statistics ---------------------------------------------------------------------------------------


def _stat_units(html: str) -> list[str]:
    import re

    body = html.split('id="stats-table"')[1].split("<tfoot")[0]
    return re.findall(r'<tr data-unit="(\d+)">', body)


def test_stats_per_unit_sort_and_link_to_the_board(client_for, board_plan):
    education, association = unit("区教委"), unit("区科协")
    client = client_for("yc_admin")
    html = client.get(url("plan_stats", board_plan, sort="tasks")).content.decode()
    assert _stat_units(html) == [str(education.pk), str(association.pk)]  # 4 tasks, then 5
    assert f"{url('plan_detail', board_plan)}?unit={education.pk}" in html
    html = client.get(url("plan_stats", board_plan, sort="-tasks")).content.decode()
    assert _stat_units(html) == [str(association.pk), str(education.pk)]
    response = client.get(url("plan_stats", board_plan, sort="nonsense"))
    assert response.status_code == 200 and "不是可以排序的列" in response.content.decode()


def test_liaison_sees_only_its_units_stats(client_for, board_plan):
    html = client_for("yc_liaison").get(url("plan_stats", board_plan)).content.decode()
    assert _stat_units(html) == [str(unit("区教委").pk)]


# --- members and mapping unit names -------------------------------------------------------------------


def test_members_page_lists_unmatched_names_with_their_tasks(client_for):
    plan, _action = plan_load(actor=None, spec=parse_plan(yc_file()))
    html = client_for("yc_admin").get(url("plan_members", plan)).content.decode()
    assert "区未知办" in html and "任务 1" in html and "map-unit-form" in html
    assert "map-unit-form" not in client_for("yc_reviewer").get(url("plan_members", plan)).content.decode()


def test_mapping_a_name_assigns_its_tasks(client_for):
    plan, _action = plan_load(actor=None, spec=parse_plan(yc_file()))
    target = unit("区科技局")
    response = client_for("yc_admin").post(url("plan_map_unit", plan), {"name": "区未知办", "unit": target.pk},
                                           follow=True)
    assert response.redirect_chain[-1][0] == url("plan_members", plan)
    assert "已将“区未知办”对应到" in response.content.decode()
    plan.refresh_from_db()
    assert plan.unmatched_units == {}
    assert Assignment.objects.filter(task__plan=plan, task__number="1", unit=target).exists()


def test_mapping_errors_are_shown_in_chinese(client_for):
    plan, _action = plan_load(actor=None, spec=parse_plan(yc_file()))
    client = client_for("yc_admin")
    outside = unit("区教委", "500106")
    response = client.post(url("plan_map_unit", plan), {"name": "区未知办", "unit": outside.pk})
    assert response.status_code == 400 and "请选择本计划所属区划（含下级）的单位" in response.content.decode()
    response = client.post(url("plan_map_unit", plan), {"name": "区不存在办", "unit": unit("区科协").pk})
    assert response.status_code == 400 and "没有待对应的单位名称“区不存在办”" in response.content.decode()
    response = client.post(url("plan_map_unit", plan), {"name": "区未知办"})
    assert response.status_code == 400 and "请选择单位" in response.content.decode()
    plan.refresh_from_db()
    assert plan.unmatched_units == {"区未知办": ["1"]}


@pytest.mark.parametrize(("persona", "status"), (("yc_reviewer", 403), ("yc_liaison", 403), ("spb_admin", 404),
                                                 ("citizen", 403)))
def test_only_owners_map_names(client_for, persona, status):
    plan, _action = plan_load(actor=None, spec=parse_plan(yc_file()))
    response = client_for(persona).post(url("plan_map_unit", plan), {"name": "区未知办", "unit": unit("区科协").pk})
    assert response.status_code == status
    plan.refresh_from_db()
    assert plan.unmatched_units == {"区未知办": ["1"]}


def test_mapping_takes_only_post(client_for, yc_plan):
    assert client_for("yc_admin").get(url("plan_map_unit", yc_plan)).status_code == 405


# --- import -------------------------------------------------------------------------------------------


def upload(raw: bytes, name: str = "plan.yaml"):
    return SimpleUploadedFile(name, raw, content_type="application/yaml")


def test_the_import_page_offers_the_template(client_for):
    client = client_for("yc_admin")
    html = client.get(reverse("workplans:plan_import")).content.decode()
    assert reverse("workplans:plan_import_template") in html
    response = client.get(reverse("workplans:plan_import_template"))
    assert response.status_code == 200
    assert "渝纲要办发〔2022〕2 号" in b"".join(response.streaming_content).decode()


@pytest.mark.parametrize(("persona", "status"), (("yc_liaison", 403), ("yc_reviewer", 403), ("citizen", 403)))
def test_only_region_admins_may_import(client_for, persona, status):
    assert client_for(persona).get(reverse("workplans:plan_import")).status_code == status
    assert client_for(persona).get(reverse("workplans:plan_import_template")).status_code == status


def test_a_bad_file_lists_every_error_and_writes_nothing(client_for):
    raw = b"""plan: {code: T, title: '', year: 2022, region_code: '500118', rhythm: weekly}
sections:
- title: S
  tasks:
  - {number: 1, text: '', responsible_units: [a]}
"""
    response = client_for("yc_admin").post(reverse("workplans:plan_import"), {"file": upload(raw), "action": "import"})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="import-errors"' in html
    errors = html.split('id="import-errors"')[1].split("</ul>")[0]
    assert errors.count("<li>") >= 4 and "plan.code" in errors and "plan.rhythm" in errors
    assert not Plan.objects.exists()


def test_a_file_that_is_not_yaml_is_refused(client_for):
    response = client_for("yc_admin").post(reverse("workplans:plan_import"),
                                           {"file": upload(b"a,b\n", "plan.csv"), "action": "check"})
    assert response.status_code == 400 and "不是 .yaml 或 .yml 文件" in response.content.decode()
    response = client_for("yc_admin").post(reverse("workplans:plan_import"),
                                           {"file": upload("计划".encode("gbk")), "action": "check"})
    assert response.status_code == 400 and "不是 UTF-8 编码" in response.content.decode()


def test_a_check_shows_what_would_be_loaded_and_writes_nothing(client_for):
    response = client_for("yc_admin").post(reverse("workplans:plan_import"),
                                           {"file": upload(yc_file()), "action": "check"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="import-preview"' in html
    assert 'data-action="created"' in html and "2 项任务" in html and "区未知办" in html
    assert not Plan.objects.exists()


def test_a_good_file_creates_the_plan_and_names_the_unmatched(client_for):
    client = client_for("yc_admin")
    response = client.post(reverse("workplans:plan_import"), {"file": upload(yc_file()), "action": "import"},
                           follow=True)
    plan = Plan.objects.get(code="yc-2026-points")
    assert response.redirect_chain[-1][0] == url("plan_detail", plan)
    html = response.content.decode()
    assert "已导入计划“永川区科普工作要点”：2 项任务" in html and "区未知办" in html
    assert plan.tasks.count() == 2 and plan.unmatched_units == {"区未知办": ["1"]}


def test_a_district_admin_cannot_import_a_city_plan(client_for):
    raw = yc_file().replace(b"region_code: '500118'", b"region_code: '500000'")
    response = client_for("yc_admin").post(reverse("workplans:plan_import"), {"file": upload(raw), "action": "import"})
    assert response.status_code == 400 and "只能导入您管理的区划的计划" in response.content.decode()
    assert not Plan.objects.exists()
