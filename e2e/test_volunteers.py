"""Volunteers in a browser, on a phone: someone signs up as a 科技志愿者 (a wrong ID check digit is
refused next to the field), then sees their own page with no hours and no stars yet (see
conftest.py for the server, the browser and the console watch).

The demo citizen signs up when they are not a volunteer yet; when the volunteer demo data already
made them one, their page is checked and another demo persona without a volunteer record signs up.
"""

from __future__ import annotations

import datetime
import random
import re

from playwright.sync_api import Page, expect

from kepu.core.pii import id_check_digit

from .test_activities import PHONE_CONTEXT, assert_no_horizontal_scroll

# Demo personas who may sign up, in order of preference: the citizen first.
CANDIDATES = ("citizen", "yc_officer", "yc_reviewer")
MASKED_ID = re.compile(r"^\d{4}\*{10}[\dX]{4}$")


def make_id_number(birth: datetime.date, *, male: bool) -> str:
    """A valid 18-digit resident ID number of 永川区 (an odd sequence digit for men)."""
    seq = random.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"500118{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def wrong_check_digit(id_number: str) -> str:
    return id_number[:17] + ("1" if id_number[17] != "1" else "2")


def open_my_page(page: Page) -> bool:
    """Open 我的志愿服务; whether it invites the user to sign up (no volunteer record yet)."""
    page.goto("/volunteers/me/")
    expect(page.locator("main")).to_contain_text("志愿")
    return page.locator("#volunteer-invite").count() == 1


def check_my_page(page: Page) -> None:
    """My page shows the number, the masked ID and phone, hours and stars, and never the full ID."""
    expect(page.locator("main h1")).to_have_text("我的志愿服务")
    expect(page.locator("#my-number")).to_have_text(re.compile(r"^\d{13}$"))
    assert MASKED_ID.match(page.locator("#my-id").inner_text().strip())
    expect(page.locator("#my-phone")).to_have_text(re.compile(r"^1\d{2}\*{4}\d{4}$"))
    expect(page.locator("#my-hours")).to_be_visible()
    expect(page.locator("#my-stars")).to_be_visible()
    assert_no_horizontal_scroll(page)


def test_a_person_signs_up_as_a_volunteer_on_a_phone(new_page, log_in, results_dir):
    page = None
    username = None
    for candidate in CANDIDATES:
        page = new_page(**PHONE_CONTEXT)
        log_in(page, candidate)
        if open_my_page(page):
            username = candidate
            break
        # Already a volunteer (the demo made them one): their own page works on the phone.
        check_my_page(page)
        expect(page.locator("#near-requests")).to_be_visible()
        page.screenshot(path=results_dir / f"phone-volunteer-me-{candidate}.png", full_page=True)
        page.context.close()
    assert username is not None, f"every candidate persona is already a volunteer: {CANDIDATES}"

    assert_no_horizontal_scroll(page)
    with page.expect_navigation():
        page.locator("#volunteer-invite a", has_text="立即注册").click()
    expect(page).to_have_url(re.compile(r"/volunteers/me/signup/$"))

    birth = datetime.date(1988, 4, random.randint(1, 28))
    id_number = make_id_number(birth, male=True)
    form = page.locator("#signup-form")
    form.locator("#id_name").fill("林志远")
    form.locator("#id_gender").select_option("male")
    form.locator("#id_birth_date").fill(birth.isoformat())
    form.locator("#id_id_number").fill(wrong_check_digit(id_number))
    phone = form.locator("#id_phone")
    if username == "citizen":
        expect(phone).to_have_value("13800000001")  # filled in from the account
    else:
        phone.fill(f"139{random.randint(0, 99_999_999):08d}")
    expect(form.locator("#id_district option:checked")).to_have_text("永川区")
    form.locator("#id_skills").fill("科普讲解")
    form.locator("#id_agree").check()
    assert_no_horizontal_scroll(page)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    # Refused: the message is in Chinese, next to the ID field, and nothing else is wrong.
    field = page.locator("#id_id_number")
    expect(field).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator("#id_id_number ~ .invalid-feedback")).to_have_text("身份证号码校验位错误")
    expect(page.locator("#signup-form .invalid-feedback")).to_have_count(1)
    assert_no_horizontal_scroll(page)
    page.screenshot(path=results_dir / "phone-volunteer-signup-error.png", full_page=True)

    field.fill(id_number)
    page.locator("#id_agree").check()
    with page.expect_navigation():
        page.locator("#signup-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/volunteers/me/$"))
    expect(page.locator(".alert-success")).to_contain_text("注册成功")
    check_my_page(page)
    expect(page.locator("#my-hours")).to_have_text("0")
    expect(page.locator("#my-hours")).to_have_attribute("data-hours", "0.0")
    expect(page.locator("#my-stars")).to_have_attribute("data-stars", "0")
    expect(page.locator("#my-stars i.bi-star-fill")).to_have_count(0)
    expect(page.locator("#star-progress")).to_contain_text("再服务 100 小时升为 1 星")
    expect(page.locator("#my-id")).to_have_text(id_number[:4] + "*" * 10 + id_number[-4:])
    assert id_number not in page.content()
    page.screenshot(path=results_dir / "phone-volunteer-me.png", full_page=True)
