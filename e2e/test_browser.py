"""What a person sees in a browser, against the demo data of `kepu serve` (see conftest.py).

Demo logins (`kepu loaddemo`): yc_admin is the Yongchuan (500118) admin and holds a second grant,
so the navbar offers a choice of working scope; spb_admin is the Shapingba (500106) admin. All
share the demo password.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

ROOT = Path(__file__).resolve().parent.parent

CITY, YONGCHUAN, SHAPINGBA = "500000", "500118", "500106"
TOWN, TOWN_NAME = "500118001", "中山路街道"
PHONE = {"width": 390, "height": 844}


def node(page: Page, code: str) -> Locator:
    return page.locator(f'li.tree-node[data-code="{code}"]')


def expand(page: Page, code: str) -> Locator:
    """Open a node of the region tree and wait for its children to arrive; returns them."""
    item = node(page, code)
    expect(item).to_have_count(1)
    # The name, not the middle of the summary row, which may be its 详情 link.
    item.locator(":scope > details > summary > span.fw-medium").click()
    expect(item.locator(":scope > details")).to_have_attribute("open", "")
    children = item.locator(":scope > details > .tree-children")
    expect(children.locator("li").first).to_be_visible()
    return children


def show_yongchuan(page: Page) -> None:
    """Go to the region tree and open it down to Yongchuan, opening the city first if needed."""
    page.goto("/regions/")
    expect(page.locator("#region-tree li").first).to_be_visible()
    if node(page, YONGCHUAN).count() == 0:
        expand(page, CITY)
    expect(node(page, YONGCHUAN)).to_be_visible()


def assert_no_horizontal_scroll(page: Page) -> None:
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width + 1, (
        f"{page.url} scrolls sideways: the page is {scroll_width}px wide in a {inner_width}px window"
    )


def english_for(msgid: str) -> str | None:
    """The English translation the app ships for `msgid`, or None while it has none."""
    for mo in sorted(ROOT.glob("kepu/**/locale/en/LC_MESSAGES/django.mo")):
        with mo.open("rb") as f:
            translated = gettext.GNUTranslations(f).gettext(msgid)
        if translated != msgid:
            return translated
    return None


def test_region_admin_opens_the_tree_down_to_a_town(page: Page, log_in):
    log_in(page, "yc_admin")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("main h1")).to_contain_text("永川区")
    # A second grant: the navbar offers a choice of working scope.
    expect(page.locator("nav select[name=grant] option")).not_to_have_count(0)
    assert page.locator("nav select[name=grant] option").count() >= 2

    show_yongchuan(page)
    towns = expand(page, YONGCHUAN)
    expect(towns.locator(f'li.tree-node[data-code="{TOWN}"]')).to_contain_text(TOWN_NAME)

    town = towns.locator(f'li.tree-node[data-code="{TOWN}"]')
    town.locator(f'a[href="/regions/{TOWN}/"]').first.click()
    expect(page).to_have_url(re.compile(rf"/regions/{TOWN}/$"))
    expect(page.locator("main h1")).to_contain_text(TOWN_NAME)
    crumbs = page.locator("ol.breadcrumb > li")
    expect(crumbs).to_have_text(["行政区划", "重庆市", "永川区", TOWN_NAME])
    expect(crumbs.last).to_have_attribute("aria-current", "page")
    expect(page.locator(f'ol.breadcrumb a[href="/regions/{YONGCHUAN}/"]')).to_be_visible()


def test_region_admin_does_not_see_another_district(page: Page, log_in):
    log_in(page, "yc_admin")
    show_yongchuan(page)  # the tree is loaded down to the districts under the city
    shown = node(page, SHAPINGBA)
    assert shown.count() == 0, (
        f"沙坪坝区 ({SHAPINGBA}) is in yc_admin's region tree: {shown.first.inner_text().split()}"
    )
    assert "沙坪坝" not in page.locator("#region-tree").inner_text()

    page.locator("input[name=q]").fill("沙坪坝")
    with page.expect_navigation():
        page.locator("input[name=q]").press("Enter")
    results = page.locator("#search-results")
    expect(results).to_be_visible()
    assert "沙坪坝" not in results.inner_text(), (
        f"searching 沙坪坝 as yc_admin finds: {results.inner_text().splitlines()[:5]}"
    )


def test_region_search_finds_yongchuan(page: Page, log_in):
    log_in(page, "yc_admin")
    page.goto("/regions/")
    page.locator("input[name=q]").fill("永川")
    with page.expect_navigation():
        page.locator("form[role=search] button").click()
    expect(page).to_have_url(re.compile(r"/regions/\?q="))
    result = page.locator(f'#search-results a[href="/regions/{YONGCHUAN}/"]')
    expect(result).to_contain_text("永川区")
    result.click()
    expect(page).to_have_url(re.compile(rf"/regions/{YONGCHUAN}/$"))
    expect(page.locator("main h1")).to_contain_text("永川区")


def test_wrong_password_is_refused_in_chinese(page: Page, log_in):
    log_in(page, "spb_admin", "not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("main .alert-danger, main [role=alert]").first).to_contain_text("不正确")
    expect(page.locator("input[name=password]")).to_have_value("")
    expect(page.locator("nav a[href='/accounts/login/']")).to_have_count(1)  # still logged out


def test_phone_sized_pages_fit_the_screen(new_page, log_in, results_dir):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto("/accounts/login/")
    assert_no_horizontal_scroll(page)
    page.screenshot(path=results_dir / "phone-login.png", full_page=True)

    log_in(page, "yc_admin")
    for name, path in (("home", "/"), ("regions", "/regions/"), ("yongchuan", f"/regions/{YONGCHUAN}/")):
        page.goto(path)
        expect(page.locator(".navbar-toggler")).to_be_visible()
        expect(page.locator("#mainnav")).not_to_be_visible()  # collapsed behind the toggler
        assert_no_horizontal_scroll(page)
        page.screenshot(path=results_dir / f"phone-{name}.png", full_page=True)

    show_yongchuan(page)
    expand(page, YONGCHUAN)
    assert_no_horizontal_scroll(page)
    page.screenshot(path=results_dir / "phone-regions-open.png", full_page=True)

    page.locator(".navbar-toggler").click()
    expect(page.locator('#mainnav a[href="/regions/"]')).to_be_visible()


def test_language_switch_to_english_and_back(page: Page, log_in):
    log_in(page, "yc_admin")
    html = page.locator("html")
    regions_link = page.locator('nav a.nav-link[href="/regions/"]')
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(regions_link).to_contain_text("行政区划")

    language = page.locator("footer select[name=language]")
    with page.expect_navigation():
        language.select_option("en")
    expect(html).to_have_attribute("lang", "en")
    expect(language).to_have_value("en")
    english = english_for("行政区划")
    if english is not None:  # once the English catalogue translates the menu, it must show
        expect(regions_link).to_contain_text(english)

    # The choice sticks for the next page.
    page.goto("/regions/")
    expect(html).to_have_attribute("lang", "en")

    with page.expect_navigation():
        page.locator("footer select[name=language]").select_option("zh-hans")
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(r"/regions/$"))
    expect(regions_link).to_contain_text("行政区划")
