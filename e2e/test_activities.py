"""Activities in a browser: staff plan and publish one, a citizen registers on a phone, staff check
them in on a phone (see conftest.py for the server, the browser and the console watch).

The test makes its own activity (a unique title) rather than relying on the demo activities.
"""

from __future__ import annotations

import datetime
import random
import re

from playwright.sync_api import Page, expect

PHONE = {"width": 390, "height": 844}
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def assert_no_horizontal_scroll(page: Page) -> None:
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width + 1, (
        f"{page.url} scrolls sideways: the page is {scroll_width}px wide in a {inner_width}px window"
    )


def plan_and_publish(page: Page, title: str) -> int:
    """Plan an activity of 永川区科协 tomorrow morning through the staff form, publish it; its id."""
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    page.goto("/activities/new/")
    page.locator("#id_title").fill(title)
    page.locator("#id_description").fill("带孩子认识身边的水资源。")
    page.locator("#id_kind").select_option("lecture")
    page.locator("#id_organizer").select_option(label="永川区科协")
    page.locator("#id_region_code").fill("500118")
    page.locator("#id_venue").fill("永川区科技馆一楼报告厅")
    page.locator("#id_start").fill(f"{tomorrow.isoformat()}T09:30")
    page.locator("#id_end").fill(f"{tomorrow.isoformat()}T11:30")
    page.locator("#id_capacity").fill("30")
    page.locator("#id_registration_required").check()
    with page.expect_navigation():
        page.locator("main form button.btn-primary", has_text="保存").click()
    match = re.search(r"/activities/(\d+)/$", page.url)
    assert match, f"the form did not lead to the new activity: {page.url}\n{page.locator('main').inner_text()}"
    with page.expect_navigation():
        page.locator(f'form[action$="/activities/{match.group(1)}/publish/"] button').click()
    expect(page.locator("main")).to_contain_text("已发布")
    return int(match.group(1))


# The check-in page scans with BarcodeDetector, which desktop Linux Chromium lacks: stand in for it
# and for the camera (a canvas stream), and let the test decide when a code is "seen".
FAKE_SCANNER = """
window.__scanValue = "";
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  detect() { return Promise.resolve(window.__scanValue ? [{ rawValue: window.__scanValue }] : []); }
};
if (navigator.mediaDevices) {
  navigator.mediaDevices.getUserMedia = () => {
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 64;
    canvas.getContext("2d").fillRect(0, 0, 64, 64);
    return Promise.resolve(canvas.captureStream(5));
  };
}
"""


def register(page: Page, activity: int, name: str) -> tuple[str, str]:
    """Register `name` with a fresh phone number on the activity's page; (token, phone)."""
    phone = f"139{random.randint(0, 99_999_999):08d}"
    page.goto(f"/events/{activity}/")
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=phone]").fill(phone)
    with page.expect_navigation():
        page.locator("main form button[type=submit]", has_text="提交报名").click()
    expect(page).to_have_url(re.compile(r"/events/r/[A-Za-z0-9_-]{40,}/$"))
    token = page.locator("#registration").get_attribute("data-token")
    assert token
    return token, phone


def test_a_citizen_registers_on_a_phone_and_staff_check_them_in(new_page, log_in, results_dir):
    title = f"世界水日亲子讲座 {random.randint(10_000, 99_999)}"
    staff = new_page()
    log_in(staff, "yc_admin")
    activity = plan_and_publish(staff, title)

    # A citizen on a phone, not logged in, finds the activity and registers.
    citizen = new_page(**PHONE_CONTEXT)
    citizen.goto(f"/events/?q={title.split()[-1]}")
    expect(citizen.locator(f'a[href="/events/{activity}/"]')).to_contain_text(title)
    citizen.goto(f"/events/{activity}/")
    expect(citizen.locator("main h1")).to_contain_text(title)
    expect(citizen.locator("#seats")).to_contain_text("剩余 30 个")
    assert_no_horizontal_scroll(citizen)
    citizen.screenshot(path=results_dir / "phone-event-detail.png", full_page=True)

    token, phone = register(citizen, activity, "王小明")
    card = citizen.locator("#registration")
    expect(card.locator("#registration-status")).to_have_text("已确认")
    expect(card.locator("svg.qr-code")).to_be_visible()
    expect(card).to_contain_text(phone[:3] + "****" + phone[-4:])
    expect(card).not_to_contain_text(phone)
    assert token in citizen.url
    assert_no_horizontal_scroll(citizen)
    citizen.screenshot(path=results_dir / "phone-registration.png", full_page=True)
    png = citizen.request.get(f"/events/r/{token}/qr.png")
    assert png.ok and png.headers["content-type"] == "image/png" and png.body()[:4] == b"\x89PNG"

    # Staff at the door, on a phone: type the token, then again.
    door = new_page(**PHONE_CONTEXT)
    log_in(door, "yc_admin")
    door.goto(f"/activities/{activity}/checkin/")
    expect(door.locator("#checkin-activity")).to_have_text(title)
    expect(door.locator("#counts")).to_have_attribute("data-checked-in", "0")
    field = door.locator("#checkin-token")
    expect(field).to_be_focused()
    field.fill(token)
    field.press("Enter")
    result = door.locator("#checkin-result [data-outcome]")
    expect(result).to_have_attribute("data-outcome", "checked_in")
    expect(result).to_contain_text("王小明 签到成功")
    expect(door.locator("#counts")).to_have_attribute("data-checked-in", "1")
    expect(field).to_have_value("")
    assert_no_horizontal_scroll(door)
    door.screenshot(path=results_dir / "phone-checkin.png", full_page=True)

    field.fill(token)
    door.locator("#token-form button[type=submit]").click()
    expect(result).to_have_attribute("data-outcome", "already")
    expect(result).to_contain_text("已经签到过了")

    # A forged token gets a clear refusal.
    field.fill("not-a-real-token")
    field.press("Enter")
    expect(result).to_have_attribute("data-outcome", "unknown")
    expect(result).to_contain_text("无效的签到凭证")

    # The name search finds the registrant, already checked in.
    door.locator("#search-q").fill("王小明")
    expect(door.locator("#search-results")).to_contain_text(phone[-4:])
    expect(door.locator("#search-results .bi-check-circle")).to_be_visible()

    # The registrant's page now says so.
    citizen.reload()
    expect(citizen.locator("#registration")).to_contain_text("已签到")


def test_staff_scan_a_qr_code_with_the_phone_camera(new_page, log_in):
    title = f"扫码签到演练 {random.randint(10_000, 99_999)}"
    staff = new_page()
    log_in(staff, "yc_admin")
    activity = plan_and_publish(staff, title)
    token, _phone = register(new_page(**PHONE_CONTEXT), activity, "李小红")

    door = new_page(**PHONE_CONTEXT)
    door.add_init_script(FAKE_SCANNER)
    log_in(door, "yc_admin")
    door.goto(f"/activities/{activity}/checkin/")
    scan = door.locator("#scan-button")
    expect(scan).to_be_visible()  # shown only where the browser can scan
    scan.click()
    expect(door.locator("#scanner")).to_be_visible()
    # What the QR code carries: the check-in link, whose last part is the token.
    door.evaluate("url => { window.__scanValue = url; }", f"{door.url.split('/activities/')[0]}/activities/checkin/t/{token}/")
    result = door.locator("#checkin-result [data-outcome]")
    expect(result).to_have_attribute("data-outcome", "checked_in")
    expect(result).to_contain_text("李小红 签到成功")
    door.evaluate("() => { window.__scanValue = ''; }")
    door.locator("#scan-stop").click()
    expect(door.locator("#scanner")).to_be_hidden()
    expect(scan).to_be_visible()
    expect(door.locator("#counts")).to_have_attribute("data-checked-in", "1")


def test_the_calendar_fits_a_phone_and_offers_feeds(new_page, results_dir):
    page = new_page(**PHONE_CONTEXT)
    page.goto("/events/calendar/")
    expect(page.locator("#month-title")).to_contain_text("年")
    expect(page.locator("#calendar-days")).to_be_visible()
    expect(page.locator("table.cal-grid")).not_to_be_visible()  # the grid is for wider screens
    assert_no_horizontal_scroll(page)
    page.screenshot(path=results_dir / "phone-calendar.png", full_page=True)
    with page.expect_navigation():
        page.locator("a[rel=next]").click()
    expect(page).to_have_url(re.compile(r"month=\d+"))
    feed = page.locator("a[data-feed]").first.get_attribute("href")
    response = page.request.get(feed)
    assert response.ok and response.headers["content-type"].startswith("text/calendar")
    assert response.text().startswith("BEGIN:VCALENDAR\r\n")
