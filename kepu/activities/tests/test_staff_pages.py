"""Staff pages of activities: list, create, edit, detail, lifecycle steps, registrations."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from kepu.activities import services
from kepu.activities.models import Activity, ActivityStatus, TargetGroup, ThemeDay
from kepu.activities.tests.factories import ActivityFactory, finished, published
from kepu.core.models import AuditEntry
from kepu.orgs.models import Unit

pytestmark = pytest.mark.django_db


def _local(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _form_data(**overrides) -> dict:
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=10)
    data = {
        "title": "走进科技馆", "description": "带孩子们看展", "kind": "exhibition",
        "organizer": Unit.objects.get(region__code="500118", name="区科协").pk, "region_code": "500118001",
        "venue": "永川区科技馆", "start": _local(start), "end": _local(start + datetime.timedelta(hours=3)),
        "capacity": "30", "registration_required": "on",
        "target_groups": [TargetGroup.objects.get(key="youth").pk],
        "theme_days": [ThemeDay.objects.get(name="世界地球日").pk],
    }
    data.update(overrides)
    return data


# --- list -------------------------------------------------------------------------------------------


def test_list_works_and_shows_only_the_users_district(client_for):
    mine = published(title="永川讲座")
    published(title="沙坪坝讲座", region="500106", organizer=Unit.objects.get(region__code="500106", name="区科协"))
    page = client_for("yc_admin").get(reverse("activities:list")).content.decode()
    assert mine.title in page and "沙坪坝讲座" not in page
    assert "已发布" in page and "0 / 30" not in page
    other = client_for("spb_admin").get(reverse("activities:list")).content.decode()
    assert "沙坪坝讲座" in other and "永川讲座" not in other


def test_list_filters_by_region_subtree_kind_status_and_year(client_for):
    town = published(title="街道活动", region="500118001", kind="training")
    district = ActivityFactory(title="区级草稿", kind="lecture")
    client = client_for("yc_admin")

    def titles(**params):
        return client.get(reverse("activities:list"), params).content.decode()

    page = titles(region="500118001")
    assert town.title in page and district.title not in page
    page = titles(kind="lecture")
    assert district.title in page and town.title not in page
    page = titles(status="published")
    assert town.title in page and district.title not in page
    year = timezone.localtime(town.start).year
    assert town.title in titles(year=year) and town.title not in titles(year=year - 1)
    month = timezone.localtime(town.start).month
    assert town.title in titles(year=year, month=month)
    assert town.title not in titles(year=year, month=month % 12 + 1)
    page = client.get(reverse("activities:list") + "?status=published&status=draft").content.decode()
    assert town.title in page and district.title in page


def test_list_filters_by_theme_group_unit_query_and_volunteer_service(client_for, yc_education):
    earth = ThemeDay.objects.get(name="世界地球日")
    youth = TargetGroup.objects.get(key="youth")
    a = ActivityFactory(title="地球日活动", theme_days=[earth], target_groups=[youth], venue="人民广场")
    b = ActivityFactory(title="敬老义诊", is_volunteer_service=True, organizer=yc_education)
    client = client_for("yc_admin")

    def page(**params):
        return client.get(reverse("activities:list"), params).content.decode()

    assert a.title in page(theme=earth.pk) and b.title not in page(theme=earth.pk)
    assert a.title in page(group="youth") and b.title not in page(group="youth")
    assert b.title in page(unit=yc_education.pk) and a.title not in page(unit=yc_education.pk)
    assert a.title in page(q="广场") and b.title not in page(q="广场")
    assert b.title in page(volunteer_service=1) and a.title not in page(volunteer_service=1)


def test_list_accepts_the_blank_filter_form(client_for):
    published(title="全部可见")
    blank = dict.fromkeys(("q", "region", "unit", "kind", "theme", "group", "status", "year", "start", "end"), "")
    page = client_for("yc_admin").get(reverse("activities:list"), blank).content.decode()
    assert "全部可见" in page and "筛选条件有误" not in page


def test_list_explains_bad_filters_in_chinese(client_for, spb_education):
    ActivityFactory(title="某活动")
    client = client_for("yc_admin")
    page = client.get(reverse("activities:list"), {"region": "500106"}).content.decode()
    assert "区划代码：区划代码“500106”不存在，或不在您的工作范围内。" in page and "某活动" not in page
    page = client.get(reverse("activities:list"), {"start": "2025-13-45"}).content.decode()
    assert "开始日期：" in page and "有效的日期" in page
    page = client.get(reverse("activities:list"), {"unit": spb_education.pk}).content.decode()
    assert "单位不存在，或不在您的工作范围内" in page
    page = client.get(reverse("activities:list"), {"year": "abc"}).content.decode()
    assert "年度：" in page


def test_list_answers_htmx_with_the_results_fragment(client_for):
    published(title="片段活动")
    response = client_for("yc_admin").get(reverse("activities:list"), {"q": "片段"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "片段活动" in page and "<html" not in page


def test_list_paginates_by_fifty(client_for):
    for i in range(51):
        ActivityFactory(title=f"批量{i}")
    client = client_for("yc_admin")
    first = client.get(reverse("activities:list")).content.decode()
    assert "共 51 条" in first and "下一页" in first
    second = client.get(reverse("activities:list"), {"page": 2}).content.decode()
    assert second.count('href="/activities/') >= 1 and "上一页" in second


def test_list_requires_login_and_a_staff_role(client_for):
    response = client_for("anonymous").get(reverse("activities:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client_for("citizen").get(reverse("activities:list")).status_code == 403
    assert client_for("outsider").get(reverse("activities:list")).status_code == 403


# --- create and edit -----------------------------------------------------------------------------------


def test_create_works(client_for):
    response = client_for("yc_admin").post(reverse("activities:create"), _form_data())
    activity = Activity.objects.get(title="走进科技馆")
    assert response.status_code == 302 and response["Location"] == reverse("activities:detail", args=[activity.pk])
    assert activity.status == ActivityStatus.DRAFT and activity.region.code == "500118001"
    assert activity.capacity == 30 and activity.registration_required
    assert [g.key for g in activity.target_groups.all()] == ["youth"]
    assert AuditEntry.objects.filter(action="activity.created", object_id=str(activity.pk)).exists()


def test_create_form_starts_in_the_working_region(client_for):
    page = client_for("yc_admin").get(reverse("activities:create")).content.decode()
    assert 'value="500118"' in page and "永川区科协" in page and "沙坪坝区科协" not in page


def test_create_shows_validation_messages_in_chinese(client_for):
    client = client_for("yc_admin")
    page = client.post(reverse("activities:create"), _form_data(title="", start="")).content.decode()
    assert "这个字段是必填项" in page or "该字段是必填项" in page
    data = _form_data()
    data["end"], data["start"] = data["start"], data["end"]
    page = client.post(reverse("activities:create"), data).content.decode()
    assert "结束时间不能早于开始时间" in page
    page = client.post(reverse("activities:create"), _form_data(region_code="500106")).content.decode()
    assert "区划代码“500106”不存在，或不在您的工作范围内" in page
    page = client.post(reverse("activities:create"), _form_data(capacity="-3", online_url="not a url")).content.decode()
    assert "大于或等于1" in page and "合法的URL" in page
    assert not Activity.objects.exists()


def test_create_refuses_a_unit_or_region_the_user_does_not_organize_for(client_for, yc_education):
    liaison = client_for("yc_liaison")
    page = liaison.post(reverse("activities:create"), _form_data()).content.decode()  # 区科协: not their unit
    assert "选择一个有效的选项" in page
    page = liaison.post(reverse("activities:create"), _form_data(organizer=yc_education.pk,
                                                                 region_code="500106")).content.decode()
    assert "区划代码“500106”不存在，或不在您的工作范围内" in page
    # 重庆市 is shown to a 永川区 admin for navigation, but they may not plan there.
    page = client_for("yc_admin").post(reverse("activities:create"), _form_data(region_code="500000")).content.decode()
    assert "您不能以该单位的名义在所填区域组织活动" in page
    assert not Activity.objects.exists()
    # The liaison plans for their own unit, in a town of its district.
    response = liaison.post(reverse("activities:create"), _form_data(organizer=yc_education.pk))
    assert response.status_code == 302
    assert Activity.objects.get().organizer == yc_education


def test_create_requires_the_right_to_plan(client_for):
    assert client_for("yc_reviewer").get(reverse("activities:create")).status_code == 403


def test_edit_works_and_refuses_a_stale_form(client_for):
    activity = ActivityFactory(title="旧标题")
    client = client_for("yc_admin")
    page = client.get(reverse("activities:edit", args=[activity.pk])).content.decode()
    assert "旧标题" in page and 'name="loaded_at"' in page
    loaded_at = activity.updated_at.isoformat()
    data = _form_data(title="新标题", region_code="500118", loaded_at=loaded_at)
    response = client.post(reverse("activities:edit", args=[activity.pk]), data)
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "新标题" and activity.region.code == "500118"
    page = client.post(reverse("activities:edit", args=[activity.pk]), {**data, "title": "又改"}).content.decode()
    assert "已被他人修改" in page
    activity.refresh_from_db()
    assert activity.title == "新标题"


def test_edit_checks_ownership(client_for):
    activity = ActivityFactory()
    assert client_for("spb_admin").get(reverse("activities:edit", args=[activity.pk])).status_code == 404


def test_edit_requires_the_right_to_change(client_for):
    activity = ActivityFactory()
    assert client_for("yc_reviewer").get(reverse("activities:edit", args=[activity.pk])).status_code == 403


def test_edit_of_a_finished_activity_says_why_not(client_for):
    activity = finished()
    client = client_for("yc_admin")
    response = client.get(reverse("activities:edit", args=[activity.pk]), follow=True)
    assert "活动当前为“已结束”，不能再修改" in response.content.decode()
    client.post(reverse("activities:edit", args=[activity.pk]), _form_data(title="改不了"))
    activity.refresh_from_db()
    assert activity.title != "改不了"


# --- detail and lifecycle ------------------------------------------------------------------------------


def test_detail_works(client_for):
    activity = ActivityFactory(title="详情活动", registration_required=True, capacity=20,
                               target_groups=[TargetGroup.objects.get(key="elderly")])
    page = client_for("yc_admin").get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert "详情活动" in page and "老年人" in page and "草稿" in page
    assert reverse("activities:transition", args=[activity.pk, "publish"]) in page
    assert reverse("activities:edit", args=[activity.pk]) in page
    assert reverse("activities:registrations", args=[activity.pk]) in page


def test_detail_links_to_check_in_report_and_public_page(client_for):
    activity = finished()
    page = client_for("yc_admin").get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert reverse("activities:checkin", args=[activity.pk]) in page
    assert reverse("activities:report", args=[activity.pk]) in page
    assert reverse("public:detail", args=[activity.pk]) in page
    draft = ActivityFactory()
    page = client_for("yc_admin").get(reverse("activities:detail", args=[draft.pk])).content.decode()
    assert reverse("public:detail", args=[draft.pk]) not in page
    assert reverse("activities:report", args=[draft.pk]) not in page


def test_detail_checks_ownership(client_for):
    activity = ActivityFactory()
    assert client_for("spb_admin").get(reverse("activities:detail", args=[activity.pk])).status_code == 404
    assert client_for("yc_admin").get(reverse("activities:detail", args=[999999])).status_code == 404


def test_detail_offers_only_the_steps_the_user_may_take(client_for):
    activity = ActivityFactory()
    page = client_for("yc_reviewer").get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert reverse("activities:transition", args=[activity.pk, "publish"]) not in page
    assert reverse("activities:edit", args=[activity.pk]) not in page


def test_publish_works_and_is_audited(client_for):
    activity = ActivityFactory()
    response = client_for("yc_admin").post(reverse("activities:transition", args=[activity.pk, "publish"]))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PUBLISHED
    assert AuditEntry.objects.filter(action="activity.publish", object_id=str(activity.pk)).exists()


def test_publish_requires_the_right_to_act(client_for):
    activity = ActivityFactory()
    assert client_for("yc_reviewer").post(reverse("activities:transition", args=[activity.pk, "publish"])).status_code == 403
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.DRAFT


def test_publish_checks_ownership(client_for):
    activity = ActivityFactory()
    assert client_for("spb_admin").post(reverse("activities:transition", args=[activity.pk, "publish"])).status_code == 404


def test_transition_is_post_only_and_knows_three_steps(client_for):
    activity = ActivityFactory()
    client = client_for("yc_admin")
    assert client.get(reverse("activities:transition", args=[activity.pk, "publish"])).status_code == 405
    assert client.post(f"/activities/{activity.pk}/report_submit/").status_code == 404
    assert client.get(f"/activities/{activity.pk}/edit/").status_code == 200


def test_cancel_needs_a_reason(client_for):
    activity = published()
    client = client_for("yc_admin")
    response = client.post(reverse("activities:transition", args=[activity.pk, "cancel"]), {"reason": " "}, follow=True)
    assert "请填写取消原因" in response.content.decode()
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PUBLISHED
    client.post(reverse("activities:transition", args=[activity.pk, "cancel"]), {"reason": "暴雨预警"})
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED and activity.cancel_reason == "暴雨预警"
    page = client.get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert "暴雨预警" in page


def test_refused_steps_are_explained(client_for):
    activity = published()  # starts next week
    client = client_for("yc_admin")
    response = client.post(reverse("activities:transition", args=[activity.pk, "finish"]), follow=True)
    assert "活动尚未开始，不能标记为已结束" in response.content.decode()
    response = client.post(reverse("activities:transition", args=[activity.pk, "publish"]), follow=True)
    assert "不能执行此操作" in response.content.decode()


# --- registrations ---------------------------------------------------------------------------------------


def _registered_activity():
    activity = published(registration_required=True, capacity=10)
    youth = TargetGroup.objects.get(key="youth")
    first = services.registration_create(activity=activity, name="张三", phone="13812345678", group=youth)
    services.registration_create(activity=activity, name="李四", phone="13987654321")
    return activity, first


def test_registrations_list_shows_masked_phones_and_check_ins(client_for, personas):
    activity, first = _registered_activity()
    services.checkin(actor=personas.yc_admin, activity=activity, token=first.token)
    page = client_for("yc_admin").get(reverse("activities:registrations", args=[activity.pk])).content.decode()
    assert "张三" in page and "李四" in page and "138****5678" in page
    assert "13812345678" not in page and "青少年" in page and "未签到" in page


def test_registrations_search_by_name_and_phone(client_for):
    activity, _first = _registered_activity()
    client = client_for("yc_admin")
    url = reverse("activities:registrations", args=[activity.pk])
    page = client.get(url, {"q": "李"}).content.decode()
    assert "李四" in page and "张三" not in page
    page = client.get(url, {"q": "138 1234 5678"}, HTTP_HX_REQUEST="true").content.decode()
    assert "张三" in page and "李四" not in page and "<html" not in page


def test_registrations_check_ownership_and_rights(client_for, personas):
    activity, _first = _registered_activity()
    url = reverse("activities:registrations", args=[activity.pk])
    assert client_for("spb_admin").get(url).status_code == 404
    assert client_for("yc_reviewer").get(url).status_code == 403
    export = reverse("activities:registrations_export", args=[activity.pk])
    assert client_for("spb_admin").get(export).status_code == 404
    assert client_for("yc_reviewer").get(export).status_code == 403


def test_registrations_export_is_masked_and_audited(client_for):
    activity, _first = _registered_activity()
    response = client_for("yc_admin").get(reverse("activities:registrations_export", args=[activity.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("姓名", "手机号码", "人群", "状态") and sheet["A1"].font.bold
    assert {r[0] for r in rows[1:]} == {"张三", "李四"}
    assert {r[1] for r in rows[1:]} == {"138****5678", "139****4321"}
    assert b"13812345678" not in response.content
    entry = AuditEntry.objects.get(action="registration.exported")
    assert entry.object_id == str(activity.pk) and entry.changes["rows"] == 2
