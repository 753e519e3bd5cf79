"""A work plan in a browser: the city admin loads the 2022 work points (as a 2025 plan with its own
code, so that every quarter of it is due) from the YAML file, the 市教委 liaison reports progress on
a task with a file, the admin returns it with a reason, the liaison sees the reason and reports
again at 100 %, the admin accepts it (the unit is done), and the supervision bulletin names the
units that have not reported (see conftest.py for the server, the browser and the console watch).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parent.parent
WORK_POINTS = ROOT / "kepu" / "fixtures" / "reference" / "cq-2022-work-points.yaml"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TASK = "6"  # 市委宣传部, 市教委, 团市委, 市科协
Q1_2025 = 2025 * 4  # the number of a quarter: year * 4 + quarter - 1 (kepu/workplans/periods.py)


def plan_file(code: str) -> bytes:
    text = WORK_POINTS.read_text(encoding="utf-8")
    text = text.replace("code: cq-2022-kxsz-gzyd", f"code: {code}", 1)
    text = text.replace("  title: 2022 年重庆市全民科学素质行动工作要点",
                        f"  title: 2025 年全民科学素质行动工作要点（浏览器测试 {code}）", 1)
    text = text.replace("issued_on: '2022-04-19'", "issued_on: '2025-01-06'", 1).replace("year: 2022", "year: 2025", 1)
    return text.encode("utf-8")


def upload(page: Page, code: str, action: str) -> None:
    page.locator("input[name=file]").set_input_files(
        [{"name": f"{code}.yaml", "mimeType": "application/x-yaml", "buffer": plan_file(code)}])
    with page.expect_navigation():
        page.locator(f"button[name=action][value={action}]").click()


def report(page: Page, task_id: str, *, period: int, text: str, percent: int) -> None:
    """On the task page, the liaison's 报送进展 for its one unit."""
    page.goto(f"/workplans/tasks/{task_id}/")
    with page.expect_navigation():
        page.locator(".unit-state .report-button").first.click()
    form = page.locator("#report-form")
    form.locator("#id_period").select_option(value=str(period))
    form.locator("#id_text").fill(text)
    form.locator("#id_percent").fill(str(percent))
    form.locator("#id_files").set_input_files([{"name": "推进情况.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    with page.expect_navigation():
        form.locator("button").first.click()


def decide(page: Page, plan_id: str, text: str, decision: str, comment: str = "") -> None:
    """On the plan's 待审核 page, accept or return the report with `text` (the row swaps in place)."""
    page.goto(f"/workplans/plans/{plan_id}/reviews/")
    item = page.locator(".report-item", has_text=text)
    expect(item).to_have_attribute("data-status", "submitted")
    if comment:
        item.locator("textarea[name=comment]").fill(comment)
    item.locator(f"button[name=decision][value={decision}]").click()
    status = "accepted" if decision == "accept" else "returned"
    expect(page.locator(".report-item", has_text=text)).to_have_attribute("data-status", status)


def test_a_plan_runs_through_a_year_of_progress_and_supervision(new_page, log_in, results_dir):
    code = f"e2e-{secrets.token_hex(3)}"
    admin = new_page()
    log_in(admin, "cq_admin")
    admin.goto("/workplans/import/")
    upload(admin, code, "check")
    expect(admin.locator("#import-preview")).to_contain_text("45 项任务")
    upload(admin, code, "import")
    expect(admin).to_have_url(re.compile(r"/workplans/plans/\d+/$"))
    plan_id = re.search(r"/plans/(\d+)/", admin.url).group(1)
    rows = admin.locator("[data-task][data-number]")
    expect(rows).to_have_count(45)
    task_id = admin.locator(f'[data-task][data-number="{TASK}"]').first.get_attribute("data-task")
    admin.screenshot(path=results_dir / "workplans-board.png", full_page=True)

    liaison = new_page()
    log_in(liaison, "cq_liaison")
    first = f"浏览器测试进展 {code}：已制定实施方案。"
    report(liaison, task_id, period=Q1_2025, text=first, percent=40)
    item = liaison.locator(".report-item", has_text=first)
    expect(item).to_have_attribute("data-status", "submitted")
    expect(item.locator("[data-late]")).to_have_count(1)  # Q1 2025 was due on 10 April 2025
    expect(item.locator(".report-files a")).to_contain_text("推进情况.pdf")

    decide(admin, plan_id, first, "return", comment="请补充活动场次和参与人数。")

    liaison.goto("/workplans/mine/")
    card = liaison.locator(f'section.task-card[data-task="{task_id}"]')
    expect(card.locator(".returned-reports")).to_contain_text("请补充活动场次和参与人数。")
    liaison.screenshot(path=results_dir / "workplans-my-tasks.png", full_page=True)
    again = f"浏览器测试进展 {code}：已开展活动 12 场，参与 3,600 人次，任务完成。"
    report(liaison, task_id, period=Q1_2025, text=again, percent=100)
    expect(liaison.locator(".report-item", has_text=again)).to_have_attribute("data-status", "submitted")

    decide(admin, plan_id, again, "accept")
    admin.goto(f"/workplans/tasks/{task_id}/")
    unit = admin.locator(".unit-state", has_text="市教委")
    expect(unit).to_have_attribute("data-done", "1")
    expect(admin.locator(".unit-state", has_text="市委宣传部")).to_have_attribute("data-done", "0")

    admin.goto(f"/workplans/plans/{plan_id}/bulletin/?date=2026-01-20")
    expect(admin.locator("#bulletin-counts [data-count=units]")).not_to_have_text("0")
    expect(admin.locator("[data-unit]", has_text="市委宣传部").first).to_be_visible()
    admin.screenshot(path=results_dir / "workplans-bulletin.png", full_page=True)
    docx = admin.request.get(admin.locator("#bulletin-docx").get_attribute("href"))
    assert docx.status == 200 and docx.body().startswith(b"PK")
