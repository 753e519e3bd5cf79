"""Indicator evidence in a browser: the 区教委 liaison sends in evidence for an indicator of 永川区's
2024 assessment (a file that is not what its name says is refused first), a reviewer approves it,
and the scorecard shows the indicator met (see conftest.py for the server, the browser and the
console watch).

The test relies on the demo's 2024 assessment of the Yongchuan standard for 永川区, not on its
submissions: it picks an evidence indicator that is not met yet and sends in its own file, with a
unique description. Should every indicator of the liaison's unit be met already, the district
admin sends in for another one.
"""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Page, expect

STANDARD = "yongchuan-2021-2025"
REGION, YEAR = "500118", "2024"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The evidence indicators of the Yongchuan standard (reference data), for the fallback.
EVIDENCE_CODES = (
    "A1.1", "A1.2", "A1.3", "A2.1", "A3.1", "A3.2", "B1.1", "B1.2", "B1.3", "B2.2", "B3.1", "B3.3",
    "C1.1", "C1.3", "C1.4", "C2.1", "C3.1", "C3.3", "C4.1", "C4.2", "C5.1",
)


def detail_path(assessment: str, code: str) -> str:
    return f"/indicators/assessments/{assessment}/indicators/{code}/"


def indicator_status(page: Page):
    return page.locator("#indicator-status [data-status]")


def find_assessment(page: Page) -> tuple[str, list[str]]:
    """The 2024 assessment on the liaison's 我的指标 page, and the evidence indicators listed there."""
    page.goto("/indicators/mine/?show=all")
    expect(page.locator("main h1")).to_have_text("我的指标")
    section = page.locator(
        f'section[data-region="{REGION}"][data-year="{YEAR}"][data-standard="{STANDARD}"]'
    )
    assert section.count() == 1, (
        "the demo has no 2024 assessment of the Yongchuan standard for 永川区 that the 区教委 "
        "liaison answers for:\n" + page.locator("main").inner_text()
    )
    assessment = section.get_attribute("data-assessment")
    rows = section.locator('tr[data-kind="evidence"]')
    codes = [rows.nth(i).get_attribute("data-code") for i in range(rows.count())]
    return assessment, codes


def first_open_indicator(page: Page, assessment: str, codes) -> str | None:
    """The first of `codes` that is not met and that this user may send evidence in for."""
    for code in codes:
        page.goto(detail_path(assessment, code))
        expect(indicator_status(page)).to_have_count(1)
        if (indicator_status(page).get_attribute("data-status") != "met"
                and page.locator("#evidence-form").count() == 1):
            return code
    return None


def send_in(page: Page, description: str) -> None:
    """Send in evidence on the open indicator page: first a text file named .pdf (refused, in
    Chinese, on the files field), then a real PDF."""
    form = page.locator("#evidence-form")
    form.locator("#evidence_description").fill(description)
    form.locator("#evidence_files").set_input_files(
        [{"name": "假冒的名单.pdf", "mimeType": "application/pdf", "buffer": b"just some text"}]
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    error = page.locator("#evidence-form .invalid-feedback")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("文件“假冒的名单.pdf”的内容不是允许的类型")
    expect(page.locator("#evidence_files")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#evidence_description")).to_have_value(description)  # kept

    form = page.locator("#evidence-form")
    form.locator("#evidence_files").set_input_files(
        [{"name": "工作方案.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("等待审核")


def forgive_refused_form(request, path: str) -> None:
    """A refused form answers 400 by design, which Chromium logs as a console error: drop that one
    entry from the browser watch (see conftest.py), and only for this page."""
    watch = request.node._kepu_watch
    watch.settle()
    watch.problems[:] = [
        p for p in watch.problems
        if not (p.startswith("console error:") and "status of 400" in p and path in p)
    ]


def test_evidence_is_sent_in_approved_and_the_scorecard_shows_it_met(
    request, new_page, log_in, results_dir
):
    description = f"浏览器测试佐证材料 {secrets.token_hex(4)}"
    page = new_page()
    log_in(page, "yc_liaison")
    assessment, codes = find_assessment(page)
    page.screenshot(path=results_dir / "indicator-my-indicators.png", full_page=True)
    code = first_open_indicator(page, assessment, codes)
    if code is None:  # every indicator of 区教委 is met already: the district admin sends in
        page.context.close()
        page = new_page()
        log_in(page, "yc_admin")
        code = first_open_indicator(page, assessment, EVIDENCE_CODES)
    assert code is not None, "every evidence indicator of 永川区 2024 is met already"

    send_in(page, description)
    expect(page).to_have_url(re.compile(rf"{re.escape(detail_path(assessment, code))}#submission-\d+$"))
    item = page.locator("#submissions [data-submission]", has_text=description)
    expect(item).to_have_attribute("data-status", "submitted")
    expect(item.locator("[data-submission-status]")).to_have_text("待审核")
    expect(item.locator(".submission-files a")).to_have_text(re.compile("工作方案.pdf"))
    expect(indicator_status(page)).to_have_attribute("data-status", "awaiting_review")
    expect(indicator_status(page)).to_have_text("待审核")
    page.screenshot(path=results_dir / "indicator-evidence-sent.png", full_page=True)

    reviewer = new_page()
    log_in(reviewer, "yc_reviewer")
    reviewer.goto(detail_path(assessment, code))
    item = reviewer.locator("#submissions [data-submission]", has_text=description)
    link = item.locator(".submission-files a").first.get_attribute("href")
    download = reviewer.request.get(link)
    assert download.status == 200 and download.body().startswith(b"%PDF-")
    assert "attachment" in download.headers["content-disposition"]
    with reviewer.expect_navigation():
        item.locator("button[name=decision][value=approve]").click()
    expect(reviewer.locator(".alert-success")).to_contain_text("已通过")
    item = reviewer.locator("#submissions [data-submission]", has_text=description)
    expect(item).to_have_attribute("data-status", "approved")
    expect(item.locator("[data-submission-status]")).to_have_text("已通过")
    expect(indicator_status(reviewer)).to_have_attribute("data-status", "met")

    # The scorecard: the indicator's row is 达标 now.
    reviewer.goto(f"/indicators/assessments/{assessment}/")
    row = reviewer.locator(f'tr[data-leaf="{code}"]')
    expect(row).to_have_attribute("data-status", "met")
    expect(row.locator("[data-status]").first).to_have_text("达标")
    reviewer.screenshot(path=results_dir / "indicator-scorecard-met.png", full_page=True)

    # Approved evidence is locked: the sender no longer sees 修改 / 撤回 for it.
    page.goto(detail_path(assessment, code))
    item = page.locator("#submissions [data-submission]", has_text=description)
    expect(item).to_have_attribute("data-status", "approved")
    expect(item.locator('a[href$="/edit/"]')).to_have_count(0)
    forgive_refused_form(request, detail_path(assessment, code))
