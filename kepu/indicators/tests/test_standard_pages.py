"""The staff pages of standards: list, tree, import, copy and adapt, edit and drop indicators."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kepu.core.models import AuditEntry
from kepu.indicators.models import Indicator, Standard, Target

from .factories import (
    SMALL,
    indicator,
    make_assessment,
    make_standard,
    submit_evidence,
    yongchuan_standard,
)


def small_file(code="page-import", region_code="500118", name="standard.yaml", **replace) -> SimpleUploadedFile:
    text = SMALL.format(code=code, region_code=region_code)
    for old, new in replace.items():
        text = text.replace(old, new)
    return SimpleUploadedFile(name, text.encode(), content_type="application/x-yaml")


def import_url():
    return reverse("indicators:standard_import")


def detail_url(standard):
    return reverse("indicators:standard_detail", args=[standard.pk])


def edit_url(standard, code):
    return reverse("indicators:indicator_edit", args=[standard.pk, standard.indicators.get(code=code).pk])


def delete_url(standard, code):
    return reverse("indicators:indicator_delete", args=[standard.pk, standard.indicators.get(code=code).pk])


# --- list and tree ------------------------------------------------------------------------------------


def test_the_list_shows_the_yongchuan_standard_with_its_counts(client_for):
    make_assessment(yongchuan_standard(), year=2024)
    response = client_for("yc_admin").get(reverse("indicators:standard_list"))
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index('data-code="yongchuan-2021-2025"'):]
    row = row[: row.index("</tr>")]
    assert "永川区创建 2021—2025 年度全国科普示范区任务分解表" in row and "永川区" in row
    assert 'data-leaves="33"' in row and 'data-assessments="1"' in row
    assert reverse("indicators:standard_import") in html  # a region admin may import


def test_the_list_counts_only_the_assessments_the_user_may_see(client_for):
    make_assessment(yongchuan_standard(), year=2024)
    response = client_for("spb_admin").get(reverse("indicators:standard_list"))
    html = response.content.decode()
    row = html[html.index('data-code="yongchuan-2021-2025"'):]
    assert 'data-assessments="0"' in row[: row.index("</tr>")]


def test_a_reviewer_sees_the_list_without_import_or_copy(client_for):
    html = client_for("yc_reviewer").get(reverse("indicators:standard_list")).content.decode()
    assert "yongchuan-2021-2025" in html
    assert reverse("indicators:standard_import") not in html
    assert reverse("indicators:standard_copy", args=[yongchuan_standard().pk]) not in html


def test_the_tree_shows_leaves_targets_and_phases(client_for):
    standard = yongchuan_standard()
    response = client_for("yc_admin").get(detail_url(standard))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-kind="') == 33
    assert "永川府办发〔2022〕33 号" in html and "重庆市永川区人民政府办公室" in html
    for phase in ("筹备动员阶段", "组织实施阶段", "迎检考核阶段", "巩固提升阶段"):
        assert phase in html
    c32 = standard.indicators.get(code="C3.2")
    row = html[html.index(f'id="indicator-{c32.pk}"'):]
    row = row[: row.index("</tr>")]
    assert row.count('class="target"') == 3
    assert "“科普中国”信息员人数 ÷ 常住人口 ≥ <strong>1%</strong>" in row
    assert "≤ <strong>30%</strong>" in row
    b41 = standard.indicators.get(code="B4.1")
    row = html[html.index(f'id="indicator-{b41.pk}"'):]
    assert "注册科技志愿者人数 ≥ <strong>1,000</strong>" in row[: row.index("</tr>")]
    # A measure no registered measure computes is entered by the units.
    d = standard.indicators.filter(targets__measure="pseudoscience_incidents").first()
    row = html[html.index(f'id="indicator-{d.pk}"'):]
    assert "由责任单位填报" in row[: row.index("</tr>")]
    assert edit_url(standard, "B4.1") in html  # yc_admin keeps Yongchuan's standard


def test_another_district_sees_the_tree_without_edit_links(client_for):
    standard = yongchuan_standard()
    html = client_for("spb_admin").get(detail_url(standard)).content.decode()
    assert "C3.2" in html
    assert edit_url(standard, "B4.1") not in html
    assert reverse("indicators:standard_copy", args=[standard.pk]) in html


def test_the_tree_lists_only_the_assessments_the_user_may_see(client_for):
    standard = yongchuan_standard()
    make_assessment(standard, region="500118", year=2024)
    spb = make_assessment(standard, region="500106", year=2024)
    html = client_for("spb_admin").get(detail_url(standard)).content.decode()
    section = html[html.index('id="assessments"'):]
    section = section[: section.index("</ul>")]
    assert "沙坪坝区" in section and "永川区" not in section
    assert reverse("indicators:assessment_detail", args=[spb.pk]) in section
    assert f"{reverse('indicators:compare')}?standard={standard.pk}" in html


def test_an_unknown_standard_is_404(client_for):
    client = client_for("yc_admin")
    assert client.get(reverse("indicators:standard_detail", args=[999999])).status_code == 404
    assert client.get(reverse("indicators:standard_copy", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["citizen", "outsider"])
def test_people_without_a_staff_role_are_refused(client_for, name):
    client = client_for(name)
    standard = yongchuan_standard()
    for url in (reverse("indicators:standard_list"), detail_url(standard), import_url(),
                reverse("indicators:standard_copy", args=[standard.pk]), edit_url(standard, "B4.1")):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_the_login_page(client_for):
    response = client_for("anonymous").get(reverse("indicators:standard_list"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- edit and delete ----------------------------------------------------------------------------------


def test_the_district_admin_edits_an_indicator_and_its_target(client_for):
    standard = make_standard()
    a12 = indicator(standard, "A1.2")
    target = a12.targets.get()
    response = client_for("yc_admin").post(edit_url(standard, "A1.2"), {
        "name": "", "text": "注册科技志愿者不少于 5 人", "lead_units": "区科协、区教委\n区科协",
        "responsible_units": "各镇（街）, 区文旅委", "recurrence": "yearly", "weight": "2.5",
        f"target_{target.pk}_op": ">", f"target_{target.pk}_value": "5"})
    assert response.status_code == 302 and response["Location"].endswith(f"#indicator-{a12.pk}")
    a12.refresh_from_db()
    target.refresh_from_db()
    assert a12.text == "注册科技志愿者不少于 5 人"
    assert a12.lead_units == ["区科协", "区教委"] and a12.responsible_units == ["各镇（街）", "区文旅委"]
    assert (a12.recurrence, a12.weight) == ("yearly", Decimal("2.5"))
    assert (target.op, target.value) == (">", Decimal("5"))
    assert AuditEntry.objects.filter(action="indicator.target_updated").exists()


def test_a_ratio_target_is_entered_as_a_percentage(client_for):
    standard = yongchuan_standard()
    c32 = indicator(standard, "C3.2")
    form = client_for("yc_admin").get(edit_url(standard, "C3.2")).content.decode()
    first = c32.targets.get(measure="info_officer_ratio")
    assert f'name="target_{first.pk}_value"' in form and 'value="1%"' in form
    data = {"name": "", "text": c32.text, "lead_units": "区科协", "responsible_units": "各镇（街）",
            "recurrence": "yearly", "weight": ""}
    for t in c32.targets.all():
        data[f"target_{t.pk}_op"] = t.op
        data[f"target_{t.pk}_value"] = "1.5%" if t.pk == first.pk else str(t.value)
    assert client_for("yc_admin").post(edit_url(standard, "C3.2"), data).status_code == 302
    first.refresh_from_db()
    assert first.value == Decimal("0.015")


def test_bad_input_is_shown_on_the_fields_and_nothing_changes(client_for):
    standard = make_standard()
    a12 = indicator(standard, "A1.2")
    target = a12.targets.get()
    response = client_for("yc_admin").post(edit_url(standard, "A1.2"), {
        "name": "", "text": "新内容", "lead_units": "区科协", "responsible_units": "", "recurrence": "once",
        "weight": "-1", f"target_{target.pk}_op": "=>", f"target_{target.pk}_value": "两人"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "“两人”不是数字" in html
    errors = response.context["form"].errors
    assert set(errors) == {"weight", f"target_{target.pk}_op", f"target_{target.pk}_value"}
    a12.refresh_from_db()
    assert a12.text == "注册科技志愿者不少于 2 人"


def test_another_district_may_not_edit_or_delete_yongchuans_indicators(client_for):
    standard = yongchuan_standard()
    client = client_for("spb_admin")
    b41 = indicator(standard, "B4.1")
    target = b41.targets.get()
    assert client.get(edit_url(standard, "B4.1")).status_code == 403
    response = client.post(edit_url(standard, "B4.1"), {
        "text": "x", "recurrence": "once", f"target_{target.pk}_op": ">=", f"target_{target.pk}_value": "1"})
    assert response.status_code == 403
    assert client.post(delete_url(standard, "B4.1")).status_code == 403
    target.refresh_from_db()
    assert target.value == Decimal("1000") and Indicator.objects.filter(pk=b41.pk).exists()


def test_an_indicator_of_another_standard_is_404(client_for):
    standard, other = make_standard(), make_standard()
    url = reverse("indicators:indicator_edit", args=[standard.pk, indicator(other, "A1.2").pk])
    assert client_for("yc_admin").get(url).status_code == 404


def test_deleting_an_indicator_asks_first_then_drops_it_with_its_leaves(client_for):
    standard = make_standard()
    client = client_for("yc_admin")
    response = client.get(delete_url(standard, "A1"))
    assert response.status_code == 200 and "A1.1" in response.content.decode()
    assert standard.indicators.filter(code="A1").exists()
    response = client.post(delete_url(standard, "A1"))
    assert response.status_code == 302
    assert not standard.indicators.filter(code__in=["A1", "A1.1", "A1.2"]).exists()
    assert standard.indicators.filter(code="B1.1").exists()


def test_an_indicator_with_evidence_is_not_deleted(client_for):
    assessment = make_assessment()
    standard = assessment.standard
    submit_evidence(assessment, "A1.1")
    response = client_for("yc_admin").post(delete_url(standard, "A1.1"), follow=True)
    assert "已有报送的佐证材料，不能删除" in response.content.decode()
    assert standard.indicators.filter(code="A1.1").exists()


def test_writes_need_post(client_for):
    standard = make_standard()
    client = client_for("yc_admin")
    assert client.put(delete_url(standard, "A1.1")).status_code == 405
    client.get(delete_url(standard, "A1.1"))
    assert standard.indicators.filter(code="A1.1").exists()


def test_writes_need_the_csrf_token(personas):
    from django.test import Client

    standard = make_standard()
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.yc_admin)
    assert client.post(delete_url(standard, "A1.1")).status_code == 403
    assert standard.indicators.filter(code="A1.1").exists()


# --- copy ---------------------------------------------------------------------------------------------


def test_shapingba_adapts_yongchuans_standard(client_for, shapingba):
    source = yongchuan_standard()
    client = client_for("spb_admin")
    url = reverse("indicators:standard_copy", args=[source.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["title"] == \
        "沙坪坝区创建 2021—2025 年度全国科普示范区任务分解表（改编自永川区）"
    assert [label for _v, label in form.context["form"].fields["region"].choices] == ["沙坪坝区（500106）"]
    response = client.post(url, {"region": str(shapingba.pk), "code": "shapingba-2021-2025", "title": ""})
    copy = Standard.objects.get(code="shapingba-2021-2025")
    assert response.status_code == 302 and response["Location"] == detail_url(copy)
    assert (copy.region, copy.based_on) == (shapingba, source)
    assert copy.title == "沙坪坝区创建 2021—2025 年度全国科普示范区任务分解表（改编自永川区）"
    assert copy.indicators.count() == 48 and copy.phases.count() == 4

    b41 = indicator(copy, "B4.1")
    target = b41.targets.get()
    response = client.post(edit_url(copy, "B4.1"), {
        "name": b41.name, "text": b41.text, "lead_units": "\n".join(b41.lead_units),
        "responsible_units": "\n".join(b41.responsible_units), "recurrence": b41.recurrence, "weight": "",
        f"target_{target.pk}_op": ">=", f"target_{target.pk}_value": "2000"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.value == Decimal("2000")
    assert indicator(source, "B4.1").targets.get().value == Decimal("1000")  # the original is untouched
    html = client.get(detail_url(source)).content.decode()
    assert detail_url(copy) in html  # listed among its adaptations


def test_a_city_admin_chooses_the_district_and_the_title_and_code_follow_it(client_for, shapingba):
    source = yongchuan_standard()
    client = client_for("city_admin")
    url = reverse("indicators:standard_copy", args=[source.pk])
    form = client.get(url).context["form"]
    labels = [label for _v, label in form.fields["region"].choices]
    assert "重庆市（500000）" in labels and "沙坪坝区（500106）" in labels and len(labels) == 42
    assert "title" not in form.initial  # only an example: the region is not chosen yet
    response = client.post(url, {"region": str(shapingba.pk), "code": "", "title": ""})
    assert response.status_code == 302
    copy = Standard.objects.get(based_on=source)
    assert (copy.code, copy.region) == ("500106-2021-2025", shapingba)
    assert copy.title == "沙坪坝区创建 2021—2025 年度全国科普示范区任务分解表（改编自永川区）"


def test_a_copy_with_a_used_code_shows_the_error_on_the_code(client_for, shapingba):
    source = yongchuan_standard()
    response = client_for("spb_admin").post(reverse("indicators:standard_copy", args=[source.pk]), {
        "region": str(shapingba.pk), "code": "yongchuan-2021-2025", "title": "x"})
    assert response.status_code == 400
    assert "code" in response.context["form"].errors
    assert Standard.objects.filter(based_on=source).count() == 0


def test_a_copy_for_a_region_the_user_does_not_administer_is_refused(client_for, yongchuan):
    source = yongchuan_standard()
    response = client_for("spb_admin").post(reverse("indicators:standard_copy", args=[source.pk]), {
        "region": str(yongchuan.pk), "code": "spb-into-yc", "title": "x"})
    assert response.status_code == 400 and "region" in response.context["form"].errors
    assert not Standard.objects.filter(code="spb-into-yc").exists()


def test_a_reviewer_may_not_copy(client_for):
    url = reverse("indicators:standard_copy", args=[yongchuan_standard().pk])
    assert client_for("yc_reviewer").get(url).status_code == 403


# --- import -------------------------------------------------------------------------------------------


def test_a_valid_file_creates_the_standard(client_for):
    response = client_for("yc_admin").post(import_url(), {"file": small_file()})
    standard = Standard.objects.get(code="page-import")
    assert response.status_code == 302 and response["Location"] == detail_url(standard)
    assert standard.indicators.count() == 8 and standard.phases.count() == 1
    assert Target.objects.filter(indicator__standard=standard).count() == 2


def test_a_dry_run_shows_what_would_be_created_and_writes_nothing(client_for):
    audit_before = AuditEntry.objects.count()
    response = client_for("yc_admin").post(import_url(), {"file": small_file(), "dry_run": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    counts = html[html.index('id="preview-counts"'):]
    assert "8 项指标（其中具体指标 4 项）、2 个量化目标、1 个创建阶段" in counts[: counts.index("</dd>")]
    assert "代码尚未使用" in html
    assert not Standard.objects.filter(code="page-import").exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_dry_run_of_an_existing_code_says_it_would_update(client_for):
    make_standard(code="page-import")
    response = client_for("yc_admin").post(import_url(), {
        "file": small_file(**{"title: 测试标准": "title: 测试标准（修订）"}), "dry_run": "on"})
    assert "代码已存在" in response.content.decode()
    assert Standard.objects.get(code="page-import").title == "测试标准"


def test_a_bad_file_shows_every_error_and_writes_nothing(client_for):
    upload = small_file(**{"measure: registered_volunteers": "measure: registered_volunteer",
                           "{op: '==', value: 0}": "{op: '=<', value: 0}",
                           "code: B1.2,": "code: A1.1,"})
    response = client_for("yc_admin").post(import_url(), {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index('id="import-errors"'):]
    errors = errors[: errors.index("</div>")]
    assert "发现 3 处错误" in errors
    assert "未知的度量“registered_volunteer”" in errors
    assert "比较符“=&lt;”无效" in errors
    assert "指标 A1.1：编号重复" in errors
    assert not Standard.objects.filter(code="page-import").exists()


@pytest.mark.parametrize(("content", "name", "message"), [
    ("标准: 测试".encode("gbk"), "gbk.yaml", "不是 UTF-8 编码"),
    (b"standard: {code: [unclosed", "broken.yaml", "文件不是有效的 YAML"),
    (b"- just\n- a list\n", "list.yml", "文件缺少 standard 部分"),
    (b"indicators: &x\n  - {code: A, name: x, children: *x}\n", "alias.yaml", "锚点或别名"),
    (b"", "empty.yaml", "是空的"),
    (b"%PDF-1.4", "report.pdf", "不是 .yaml 或 .yml 文件"),
])
def test_a_file_that_is_not_a_standard_gets_a_clear_message(client_for, content, name, message):
    response = client_for("yc_admin").post(import_url(), {
        "file": SimpleUploadedFile(name, content, content_type="application/octet-stream")})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_file_over_one_megabyte_is_refused(client_for):
    content = b"# " + b"x" * (1024 * 1024) + b"\n"
    response = client_for("yc_admin").post(import_url(), {"file": SimpleUploadedFile("big.yaml", content)})
    assert response.status_code == 400 and "超过 1 MB" in response.content.decode()


def test_a_target_too_big_for_the_database_is_an_error(client_for):
    upload = small_file(**{"{op: '>=', value: 2}": "{op: '>=', value: 1e20}"})
    response = client_for("yc_admin").post(import_url(), {"file": upload})
    assert response.status_code == 400 and "目标值“1e20”过大" in response.content.decode()
    assert not Standard.objects.filter(code="page-import").exists()


def test_a_standard_of_another_district_may_not_be_imported(client_for):
    response = client_for("spb_admin").post(import_url(), {"file": small_file(region_code="500118")})
    assert response.status_code == 403
    assert "永川区" in response.content.decode()
    assert not Standard.objects.filter(code="page-import").exists()


def test_an_unknown_region_code_is_an_error_in_the_dry_run_too(client_for):
    response = client_for("platform_admin").post(import_url(), {
        "file": small_file(region_code="999999"), "dry_run": "on"})
    assert response.status_code == 400 and "没有代码为 999999 的区划" in response.content.decode()


def test_only_region_admins_may_import(client_for):
    assert client_for("yc_admin").get(import_url()).status_code == 200
    assert client_for("yc_reviewer").get(import_url()).status_code == 403
    response = client_for("yc_liaison").post(import_url(), {"file": small_file()})
    assert response.status_code == 403
    assert not Standard.objects.filter(code="page-import").exists()
