"""The comparison page: one standard across the child regions of a parent region, and its Excel export."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from kepu.regions.models import Region

from ..models import Status
from .factories import make_assessment, make_standard, submit_evidence, yongchuan_standard

URL = reverse("indicators:compare")
VETO = "C2.3:pseudoscience_incidents"  # entered by hand: == 0, a veto


def rows_of(response) -> list[str]:
    """The region codes of the heat-map's rows, as the HTML shows them."""
    return re.findall(r'<tr id="row-([0-9A-Za-z_-]+)"', response.content.decode())


def get(client, **params):
    return client.get(URL, params)


def error_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def standard(db):
    return yongchuan_standard()


def test_city_admin_compares_the_41_districts(client_for, standard):
    response = get(client_for("city_admin"), standard=standard.pk, region="500000", year=2024)
    assert response.status_code == 200
    codes = rows_of(response)
    assert len(codes) == 41
    assert codes == sorted(codes) and "500118" in codes and "500106" in codes
    headers = response.context["headers"]
    assert len(headers) == 14  # every measure target of the standard; C3.2 has three
    assert [h.key for h in headers if h.code == "C3.2"] == [
        "C3.2:info_officer_ratio",
        "C3.2:info_officer_active_ratio",
        "C3.2:info_officer_rank_percentile",
    ]
    html = response.content.decode()
    # Every figure opens its records: the volunteers behind B4.1, for each district.
    assert 'href="/volunteers/?region=500101&amp;as_of=2024-12-31"' in html
    assert 'href="/volunteers/?region=500118&amp;as_of=2024-12-31"' in html
    # No population figures in the test data: no value, the status instead, the reason as the tooltip.
    assert "无数据" in html and "没有该年度（或更早年度）的常住人口" in html
    assert 'class="table-secondary text-end" data-status="no_data"' in html
    volunteers = response.context["chart"]["columns"]["B4.1:registered_volunteers"]
    assert volunteers["target"] == 1000.0 and volunteers["percent"] is False
    assert volunteers["rows"][0]["value"] == 0.0 and volunteers["rows"][0]["text"] == "0"
    assert response.context["chart"]["columns"]["C2.2:activity_coverage"]["target"] == 80.0  # ratios as %
    assert 'id="compare-chart-data"' in html and "vendor/echarts/echarts.min.js" in html


def test_it_defaults_to_the_working_region_the_newest_standard_and_the_current_year(client_for, standard):
    response = get(client_for("city_admin"))
    assert response.status_code == 200
    assert response.context["parent"].code == "500000" and response.context["standard"] == standard
    this_year = timezone.localdate().year
    assert response.context["year"] == min(max(this_year, standard.period_start), standard.period_end)
    assert len(rows_of(response)) == 41


def test_a_district_admin_defaults_to_the_standard_kept_for_its_district(client_for, standard):
    other = make_standard(region_code="500106")  # newer, but Shapingba's
    response = get(client_for("yc_admin"))
    assert response.context["standard"] == standard
    response = get(client_for("spb_admin"))
    assert response.context["standard"] == other


def test_a_district_admin_compares_its_towns_not_the_city(client_for, standard):
    client = client_for("yc_admin")
    response = get(client, standard=standard.pk, region="500118", year=2024)
    towns = rows_of(response)
    assert len(towns) == 23 and all(code.startswith("500118") and len(code) == 9 for code in towns)

    response = get(client, standard=standard.pk, region="500000", year=2024)
    assert response.status_code == 200
    assert any("不在您的工作范围内" in m for m in error_messages(response))
    assert response.context["parent"].code == "500118"
    assert "500106" not in rows_of(response) and "沙坪坝区" not in response.content.decode()


def test_a_town_row_opens_nothing_below_but_a_district_row_drills_down(client_for, standard):
    response = get(client_for("city_admin"), standard=standard.pk, region="500000", year=2024)
    html = response.content.decode()
    assert f'href="?standard={standard.pk}&amp;year=2024&amp;region=500118"' in html  # 永川区 has towns
    assert all(row["drill"] for row in response.context["rows"] if row["region"].code == "500118")
    response = get(client_for("city_admin"), standard=standard.pk, region="500118", year=2024)
    assert not any(row["drill"] for row in response.context["rows"])
    assert f'href="?standard={standard.pk}&amp;year=2024&amp;region=500118001"' not in response.content.decode()


@pytest.mark.parametrize("persona, status", [("citizen", 403), ("yc_liaison", 403), ("outsider", 403)])
def test_it_requires_a_staff_role_over_a_region(client_for, standard, persona, status):
    assert get(client_for(persona), standard=standard.pk).status_code == status


@pytest.mark.parametrize("persona, rows", [("platform_admin", 41), ("yc_reviewer", 23), ("spb_admin", 0)])
def test_staff_over_a_region_compare_its_children(client_for, standard, persona, rows):
    response = get(client_for(persona), year=2024)  # 沙坪坝区's streets are not in the reference tree
    assert response.status_code == 200 and len(rows_of(response)) == rows


def test_it_requires_signing_in(client_for, standard):
    response = get(client_for("anonymous"), standard=standard.pk)
    assert response.status_code == 302 and "login" in response["Location"]


# The district admin's 23 towns keep these fast; the city's 41 districts behave the same.
@pytest.mark.parametrize("year", ["abc", "2030", "2019", "-1", "2024.5", "²", "9" * 40])
def test_a_bad_year_gives_a_message_and_the_default(client_for, standard, year):
    response = get(client_for("yc_admin"), standard=standard.pk, year=year)
    assert response.status_code == 200
    assert any("年度" in m and "2021—2025" in m for m in error_messages(response))
    assert response.context["year"] in standard.years
    assert len(rows_of(response)) == 23


@pytest.mark.parametrize(
    "params",
    [
        {"standard": "999999"},
        {"standard": "x"},
        {"standard": "²"},
        {"standard": "9" * 40},
        {"region": "nowhere"},
        {"region": "5" * 200},
        {"region": "500118\x00"},
        {"measure": "nothing"},
    ],
)
def test_other_bad_parameters_give_a_message(client_for, standard, params):
    response = get(client_for("yc_admin"), **{"year": 2024, **params})
    assert response.status_code == 200
    assert len(error_messages(response)) == 1
    assert response.context["standard"] == standard and len(rows_of(response)) == 23


def test_a_region_without_children_says_so(client_for, standard):
    response = get(client_for("city_admin"), standard=standard.pk, region="500118001", year=2024)
    assert response.status_code == 200
    assert rows_of(response) == [] and 'id="compare-empty"' in response.content.decode()
    assert "compare-export" not in response.content.decode()


def test_values_rank_and_count_as_unmet(client_for, standard):
    met = make_assessment(standard, "500118", 2024)
    submit_evidence(met, "C2.3", measure="pseudoscience_incidents", value=0, approve=True)
    vetoed = make_assessment(standard, "500106", 2024)
    submit_evidence(vetoed, "C2.3", measure="pseudoscience_incidents", value=2, approve=True)

    response = get(client_for("city_admin"), standard=standard.pk, region="500000", year=2024, measure=VETO)
    result = response.context["result"]
    assert result.cells["500118"][VETO].status == Status.MET
    assert result.cells["500106"][VETO].status == Status.VETOED
    # Best first: == 0 ranks the lower value first; regions without a value follow, unranked.
    ranking = response.context["ranking"]
    assert [(rank, region.code) for rank, region, _ in ranking[:3]] == [(1, "500118"), (2, "500106"), (None, "500101")]
    assert response.context["selected"].key == VETO
    rows = {row["region"].code: row for row in response.context["rows"]}
    assert rows["500106"]["unmet"] == rows["500118"]["unmet"] + 1  # the veto counts as unmet
    assert rows["500118"]["met"] == 1 and rows["500118"]["assessment"] == met
    html = response.content.decode()
    assert f'href="{reverse("indicators:assessment_detail", args=[met.pk])}" class="assessment-link"' in html
    assert html.count('class="assessment-link"') == 2
    assert response.context["unmet_regions"][0][0].code == "500106"
    chart = response.context["chart"]["columns"][VETO]["rows"]
    assert [r["code"] for r in chart[:2]] == ["500118", "500106"] and chart[0]["rank_text"] == "第 1 名"


def load(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def test_the_excel_export_has_one_row_per_district(client_for, standard):
    made = make_assessment(standard, "500118", 2024)
    submit_evidence(made, "C2.3", measure="pseudoscience_incidents", value=0, approve=True)
    response = get(client_for("city_admin"), standard=standard.pk, region="500000", year=2024, format="xlsx")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    book = load(response)
    assert book.sheetnames == ["对比", "状态", "排名"]
    sheet = book["对比"]
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["区划代码", "区划名称"] and header[-2:] == ["达标数", "未达标数"]
    assert len(header) == 2 + 14 + 2
    assert header[2].startswith("B1.4 ") and "≥ 100%" in header[2]
    data = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(data) == 41
    by_code = {row[0]: row for row in data}
    assert by_code["500118"][1] == "永川区"
    veto = header.index(next(h for h in header if h.startswith("C2.3")))
    assert by_code["500118"][veto] == 0 and by_code["500106"][veto] is None
    volunteers = header.index(next(h for h in header if h.startswith("B4.1")))
    assert by_code["500101"][volunteers] == 0  # a raw number
    ratio = header.index(next(h for h in header if h.startswith("C2.2")))
    assert sheet.cell(row=2, column=ratio + 1).number_format == "0.0%"
    statuses = {row[0]: row for row in book["状态"].iter_rows(min_row=2, values_only=True)}
    assert statuses["500118"][veto] == "达标" and statuses["500106"][veto] == "待填报"
    ranking = list(book["排名"].iter_rows(min_row=2, values_only=True))
    assert len(ranking) == 41 * 14
    first_veto = next(row for row in ranking if row[0] == "C2.3")
    assert first_veto[3:6] == (1, "500118", "永川区")


def test_a_district_admin_exports_its_towns(client_for, standard):
    response = get(client_for("yc_admin"), standard=standard.pk, region="500118", year=2024, format="xlsx")
    sheet = load(response)["对比"]
    assert sheet.max_row == 1 + 23
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == set(
        Region.objects.filter(parent__code="500118").values_list("code", flat=True)
    )


def test_an_export_with_a_refused_parameter_goes_back_to_the_page(client_for, standard):
    client = client_for("yc_admin")
    response = get(client, standard=standard.pk, region="500000", year=2024, format="xlsx")
    assert response.status_code == 302
    assert "format" not in response["Location"] and "region=500118" in response["Location"]
    page = client.get(response["Location"])
    shown = error_messages(page)
    assert any("不在您的工作范围内" in m for m in shown) and any("未导出" in m for m in shown)
