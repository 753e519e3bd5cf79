"""Staff pages of the volunteer roster: list and filters, the volunteer's page, showing the full
numbers, registering, editing, deregistering, and the menu entries."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kepu.accounts.models import Role
from kepu.accounts.services import role_grant
from kepu.accounts.tests.factories import UserFactory
from kepu.core import pii
from kepu.core.measures import get_measure
from kepu.core.models import AuditEntry

from .. import services
from ..models import Gender, Volunteer
from .factories import add_member, make_id_number, make_record, make_team, make_volunteer

pytestmark = pytest.mark.django_db
LIST = reverse("volunteers:list")


def _leader(name="队长"):
    """A team of 永川区 and a client for its leader, a citizen without a staff role."""
    user = UserFactory(username=f"leader-{name}")
    team = make_team(name=f"{name}的服务队")
    add_member(team, make_volunteer(name=name, user=user), leader=True)
    client = Client()
    client.force_login(user)
    return team, client


def _count(response) -> int:
    return response.context["page"].paginator.count


# --- list -------------------------------------------------------------------------------------------


def test_list_shows_masked_volunteers_of_the_users_district_only(client_for):
    number = make_id_number(datetime.date(1985, 1, 2), Gender.FEMALE)
    mine = make_volunteer(name="永川志愿者", gender=Gender.FEMALE, birth_date=datetime.date(1985, 1, 2),
                          id_number=number, phone="13912345678")
    make_volunteer(name="沙坪坝志愿者", region="500106")
    response = client_for("yc_admin").get(LIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert "永川志愿者" in page and "沙坪坝志愿者" not in page
    assert mine.number in page and mine.id_masked in page and "139****5678" in page
    assert number not in page and "13912345678" not in page
    assert "沙坪坝志愿者" in client_for("spb_admin").get(LIST).content.decode()
    assert _count(client_for("city_admin").get(LIST)) == 2


def test_list_shows_age_teams_hours_and_stars(client_for):
    volunteer = make_volunteer(name="李四", birth_date=datetime.date(1990, 5, 17))
    team = make_team(name="永川科普讲师团")
    add_member(team, volunteer)
    make_record(volunteer, team=team, hours="3.5")
    page = client_for("yc_admin").get(LIST).content.decode()
    assert "永川科普讲师团" in page and "3.5" in page and "未评星" in page
    assert str(volunteer.age_on(timezone.localdate())) in page


@pytest.mark.parametrize("persona, status", [("citizen", 403), ("outsider", 403), ("yc_reviewer", 200),
                                             ("yc_liaison", 200), ("platform_admin", 200)])
def test_list_needs_a_staff_role_or_a_team(client_for, persona, status):
    assert client_for(persona).get(LIST).status_code == status


def test_list_sends_anonymous_visitors_to_log_in(client_for):
    response = client_for("anonymous").get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_team_leader_without_a_staff_role_sees_only_the_teams_members(personas):
    team, client = _leader()
    member = make_volunteer(name="队员甲")
    add_member(team, member)
    make_volunteer(name="别人")
    response = client.get(LIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert "队员甲" in page and "别人" not in page
    assert _count(response) == 2  # the leader and the member


def test_list_searches_by_name_number_and_full_numbers_by_hash(client_for):
    number = make_id_number(datetime.date(1979, 7, 1), Gender.MALE)
    wang = make_volunteer(name="王五", birth_date=datetime.date(1979, 7, 1), id_number=number, phone="13800001111")
    make_volunteer(name="赵六")
    client = client_for("yc_admin")

    def names(q):
        return [v.name for v in client.get(LIST, {"q": q}, follow=True).context["page"]]

    assert names("王") == ["王五"]
    assert names(wang.number) == ["王五"]
    assert names(number.lower()) == ["王五"]
    assert names("138 0000 1111") == ["王五"]
    assert names(wang.id_masked) == []  # masked text matches nothing


def test_a_full_number_searched_for_leaves_the_url_as_its_keyed_hash(client_for):
    number = make_id_number(datetime.date(1979, 7, 1), Gender.MALE)
    make_volunteer(name="王五", birth_date=datetime.date(1979, 7, 1), id_number=number)
    client = client_for("yc_admin")
    response = client.get(LIST, {"q": number, "region": "500118", "page": "2"})
    assert response.status_code == 302
    assert number not in response["Location"] and f"idh={pii.lookup_hash(number)}" in response["Location"]
    page = client.get(response["Location"])
    assert [v.name for v in page.context["page"]] == ["王五"] and "按完整身份证号码查找" in page.content.decode()
    fragment = client.get(LIST, {"q": number}, HTTP_HX_REQUEST="true")
    assert [v.name for v in fragment.context["page"]] == ["王五"]
    assert number not in fragment["HX-Push-Url"] + fragment.content.decode()
    export = client.get(reverse("volunteers:export"), {"q": number, "full": "1"})
    assert export.status_code == 302 and number not in export["Location"] and "full=1" in export["Location"]
    assert client.get(LIST, {"idh": "not-a-hash"}).context["page"].paginator.count == 0


def test_list_filters_by_region_team_stars_status_as_of_and_active_year(client_for):
    town = make_volunteer(name="街道志愿者", region="500118001")
    district = make_volunteer(name="区级志愿者", registered_on=datetime.date(2023, 3, 1))
    gone = make_volunteer(name="已注销者", registered_on=datetime.date(2022, 1, 1))
    services.volunteer_leave(actor=None, volunteer=gone, on=datetime.date(2023, 6, 30))
    team = make_team()
    add_member(team, town)
    make_record(district, hours="2", date=datetime.date(2024, 5, 1))
    Volunteer.objects.filter(pk=town.pk).update(stars=2)
    client = client_for("yc_admin")

    def names(**params):
        return sorted(v.name for v in client.get(LIST, params).context["page"])

    assert names(region="500118001") == ["街道志愿者"]
    assert names(team=team.pk) == ["街道志愿者"]
    assert names(stars=2) == ["街道志愿者"]
    assert names(status="left") == ["已注销者"]
    assert "已注销者" not in names(status="active")
    assert names(as_of="2023-03-01") == ["区级志愿者", "已注销者"]
    assert names(as_of="2023-06-30") == ["区级志愿者"]
    assert names(active_year=2024) == ["区级志愿者"]
    assert names(active_year=2023) == []


def test_registered_count_on_the_list_equals_the_measure(client_for, yongchuan):
    year = timezone.localdate().year - 1
    for day in (datetime.date(year, 1, 5), datetime.date(year, 12, 31), datetime.date(year - 3, 7, 1)):
        make_volunteer(registered_on=day, region="500118001")
    make_volunteer(registered_on=datetime.date(year + 1, 1, 1))  # after the year
    left = make_volunteer(registered_on=datetime.date(year - 1, 1, 1))
    services.volunteer_leave(actor=None, volunteer=left, on=datetime.date(year, 6, 1))
    make_volunteer(registered_on=datetime.date(year, 2, 2), region="500106")  # elsewhere
    value = get_measure("registered_volunteers").compute([yongchuan], year)["500118"]
    response = client_for("yc_admin").get(value.records_url)
    assert value.value == 3
    assert _count(response) == value.value
    assert value.records_url == f"{LIST}?region=500118&as_of={year}-12-31"


@pytest.mark.parametrize("params", [{"year": "abc"}, {"region": "nonexistent"}, {"stars": "x"}, {"as_of": "bad"},
                                    {"active_year": "abc"}, {"team": "abc"}, {"team": "999999"}, {"page": "abc"},
                                    {"status": "gone"}, {"q": "x" * 500}])
def test_bad_filters_are_explained_not_a_crash(client_for, params):
    make_volunteer(name="某志愿者")
    response = client_for("yc_admin").get(LIST, params)
    assert response.status_code == 200
    if set(params) - {"year", "page"}:
        assert "筛选条件有误" in response.content.decode() and _count(response) == 0


def test_list_answers_htmx_with_the_results_fragment(client_for):
    make_volunteer(name="片段志愿者")
    response = client_for("yc_admin").get(LIST, {"q": "片段"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "片段志愿者" in page and "<html" not in page


# --- the volunteer's page ---------------------------------------------------------------------------


def test_detail_shows_masked_numbers_teams_hours_and_history(client_for):
    volunteer = make_volunteer(name="钱七")
    team = make_team(name="钱七所在队")
    add_member(team, volunteer)
    make_record(volunteer, team=team, hours="24")
    make_record(volunteer, team=team, hours="24", content="第二次讲解")
    response = client_for("yc_admin").get(reverse("volunteers:detail", args=[volunteer.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert volunteer.id_masked in page and volunteer.phone_masked in page
    assert "钱七所在队" in page and "48.0" in page and "第二次讲解" in page
    assert "再服务 52.0 小时可达 1 星" in page
    assert "显示完整号码" not in page  # yc_admin has no pii_viewer role
    assert reverse("volunteers:edit", args=[volunteer.pk]) in page
    assert reverse("volunteers:leave", args=[volunteer.pk]) in page
    assert reverse("volunteers:certificate_issue", kwargs={"pk": volunteer.pk}) in page


def test_detail_shows_star_history_and_certificates(client_for):
    volunteer = make_volunteer(name="孙八")
    for _ in range(5):
        make_record(volunteer, hours="20")
    cert = services.certificate_issue(actor=None, volunteer=volunteer, issuer_name="永川区科协")
    page = client_for("yc_admin").get(reverse("volunteers:detail", args=[volunteer.pk])).content.decode()
    assert "0 星 → 1 星" in page
    assert cert.serial in page and reverse("volunteers:certificate_docx", kwargs={"pk": cert.pk}) in page
    assert reverse("volunteers:certificate_pdf", kwargs={"pk": cert.pk}) in page


def test_detail_is_404_out_of_scope_and_read_only_for_a_reviewer(client_for):
    volunteer = make_volunteer()
    url = reverse("volunteers:detail", args=[volunteer.pk])
    assert client_for("spb_admin").get(url).status_code == 404
    page = client_for("yc_reviewer").get(url).content.decode()
    assert reverse("volunteers:edit", args=[volunteer.pk]) not in page
    assert reverse("volunteers:leave", args=[volunteer.pk]) not in page
    assert client_for("yc_reviewer").get(reverse("volunteers:edit", args=[volunteer.pk])).status_code == 403
    assert client_for("spb_admin").get(reverse("volunteers:edit", args=[volunteer.pk])).status_code == 404


def test_reveal_needs_the_pii_viewer_role_and_is_audited(client_for, personas, yongchuan):
    number = make_id_number(datetime.date(1992, 2, 29), Gender.MALE)
    volunteer = make_volunteer(birth_date=datetime.date(1992, 2, 29), id_number=number, phone="13700002222")
    url = reverse("volunteers:reveal", args=[volunteer.pk])
    client = client_for("yc_admin")
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and number not in response.content.decode()
    assert client_for("spb_admin").post(url).status_code == 404
    assert client.get(url).status_code == 405
    assert not AuditEntry.objects.filter(action="volunteer.pii_viewed").exists()

    role_grant(actor=None, user=personas.yc_admin, role=Role.PII_VIEWER, region=yongchuan)
    client = client_for("yc_admin")
    detail = client.get(reverse("volunteers:detail", args=[volunteer.pk])).content.decode()
    assert "显示完整号码" in detail and number not in detail
    response = client.post(url, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and number in page and "13700002222" in page
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="volunteer.pii_viewed")
    assert entry.actor == personas.yc_admin and entry.object_id == str(volunteer.pk)
    assert number not in str(entry.changes)


# --- register, edit, deregister ---------------------------------------------------------------------


def _form(**overrides) -> dict:
    birth = datetime.date(1988, 8, 8)
    data = {"name": "新志愿者", "gender": Gender.FEMALE, "birth_date": birth.isoformat(),
            "id_number": make_id_number(birth, Gender.FEMALE), "phone": "13655556666", "region_code": "500118001",
            "skills": "天文科普", "education": "bachelor"}
    data.update(overrides)
    return data


def test_register_a_volunteer(client_for, personas):
    team = make_team(name="新队")
    data = _form(teams=[team.pk])
    response = client_for("yc_admin").post(reverse("volunteers:create"), data)
    volunteer = Volunteer.objects.get(name="新志愿者")
    assert response.status_code == 302 and response["Location"] == reverse("volunteers:detail", args=[volunteer.pk])
    assert volunteer.region.code == "500118001" and volunteer.number.startswith("500118")
    assert volunteer.id_masked == data["id_number"][:4] + "*" * 10 + data["id_number"][-4:]
    assert list(volunteer.teams.all()) == [team]
    assert AuditEntry.objects.filter(action="volunteer.registered", actor=personas.yc_admin).exists()


def test_register_explains_a_bad_id_and_a_mismatching_birth_date(client_for):
    client = client_for("yc_admin")
    url = reverse("volunteers:create")
    good = _form()["id_number"]
    bad = _form(id_number=good[:17] + ("0" if good[-1] != "0" else "1"))
    page = client.post(url, bad).content.decode()
    assert "校验位" in page and not Volunteer.objects.exists()
    page = client.post(url, _form(birth_date="1988-08-09")).content.decode()
    assert "出生日期与身份证号码不一致" in page and not Volunteer.objects.exists()
    page = client.post(url, _form(phone="12345")).content.decode()
    assert "11 位手机号码" in page


def test_register_a_minor_needs_a_guardian(client_for):
    birth = timezone.localdate().replace(year=timezone.localdate().year - 12, month=1, day=1)
    data = _form(birth_date=birth.isoformat(), id_number=make_id_number(birth, Gender.FEMALE))
    page = client_for("yc_admin").post(reverse("volunteers:create"), data).content.decode()
    assert "须填写监护人姓名" in page and "须经监护人同意" in page and not Volunteer.objects.exists()
    data.update(guardian_name="家长", guardian_phone="13511112222", guardian_consent="on")
    assert client_for("yc_admin").post(reverse("volunteers:create"), data).status_code == 302
    assert Volunteer.objects.get().guardian_phone_masked == "135****2222"


def test_register_a_duplicate_id_names_the_existing_number(client_for):
    existing = make_volunteer()
    number = pii.decrypt(existing.id_encrypted)
    page = client_for("yc_admin").post(reverse("volunteers:create"), _form(
        id_number=number, birth_date=existing.birth_date.isoformat(), gender=existing.gender)).content.decode()
    assert existing.number in page and Volunteer.objects.count() == 1


def test_a_leader_registers_members_into_a_team_only(personas):
    team, client = _leader()
    page = client.post(reverse("volunteers:create"), _form(region_code="500118")).content.decode()
    assert "请选择志愿者加入的服务队" in page
    assert client.post(reverse("volunteers:create"), _form(region_code="500118", teams=[team.pk])).status_code == 302
    assert Volunteer.objects.get(name="新志愿者").teams.get() == team


def test_a_liaison_registers_volunteers_of_their_unit(client_for, yc_education):
    client = client_for("yc_liaison")
    page = client.post(reverse("volunteers:create"), _form()).content.decode()
    assert "请选择志愿者加入的服务队" in page and not Volunteer.objects.exists()
    assert client.post(reverse("volunteers:create"), _form(unit=yc_education.pk)).status_code == 302
    assert Volunteer.objects.get().unit == yc_education


def test_a_leader_edits_a_member_in_place_but_not_elsewhere(personas):
    team, client = _leader()
    member = make_volunteer(name="队员乙")
    add_member(team, member)
    url = reverse("volunteers:edit", args=[member.pk])
    data = {"name": "队员乙改", "gender": member.gender, "birth_date": member.birth_date.isoformat(),
            "region_code": "500118", "loaded_at": client.get(url).context["form"].initial["loaded_at"]}
    page = client.post(url, {**data, "region_code": "500106"}).content.decode()
    assert "不在您的工作范围内" in page
    assert client.post(url, data).status_code == 302
    member.refresh_from_db()
    assert member.name == "队员乙改"


@pytest.mark.parametrize("persona", ["yc_reviewer", "citizen"])
def test_register_is_refused_without_the_right(client_for, persona):
    assert client_for(persona).get(reverse("volunteers:create")).status_code == 403
    assert client_for(persona).post(reverse("volunteers:create"), _form()).status_code == 403


def test_register_refuses_a_region_out_of_scope(client_for):
    page = client_for("yc_admin").post(reverse("volunteers:create"), _form(region_code="500106")).content.decode()
    assert "不在您的工作范围内" in page and not Volunteer.objects.exists()


def test_edit_keeps_numbers_when_left_blank_and_never_shows_them(client_for):
    volunteer = make_volunteer(name="旧名")
    number = pii.decrypt(volunteer.id_encrypted)
    url = reverse("volunteers:edit", args=[volunteer.pk])
    client = client_for("yc_admin")
    form_page = client.get(url).content.decode()
    assert number not in form_page and volunteer.id_masked in form_page
    loaded = client.get(url).context["form"].initial["loaded_at"]
    response = client.post(url, {
        "name": "新名", "gender": volunteer.gender, "birth_date": volunteer.birth_date.isoformat(), "id_number": "",
        "phone": "", "region_code": "500118002", "skills": "", "education": "", "loaded_at": loaded})
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.name == "新名" and volunteer.region.code == "500118002"
    assert pii.decrypt(volunteer.id_encrypted) == number


def test_edit_refuses_a_stale_form_and_a_mismatching_id(client_for):
    volunteer = make_volunteer()
    url = reverse("volunteers:edit", args=[volunteer.pk])
    client = client_for("yc_admin")
    base = {"name": volunteer.name, "gender": volunteer.gender, "birth_date": volunteer.birth_date.isoformat(),
            "region_code": "500118"}
    stale = (volunteer.updated_at - datetime.timedelta(minutes=5)).isoformat()
    page = client.post(url, {**base, "loaded_at": stale, "name": "改名"}).content.decode()
    assert "已被他人修改" in page
    other = make_id_number(datetime.date(2000, 1, 1), volunteer.gender)
    page = client.post(url, {**base, "id_number": other}).content.decode()
    assert "出生日期与身份证号码不一致" in page
    volunteer.refresh_from_db()
    assert volunteer.name != "改名"


def test_leave_deregisters_once(client_for):
    volunteer = make_volunteer()
    url = reverse("volunteers:leave", args=[volunteer.pk])
    client = client_for("yc_admin")
    assert client.post(url, {"left_on": timezone.localdate().isoformat()}).status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.left_on == timezone.localdate()
    response = client.post(url, follow=True)
    assert "该志愿者已注销" in response.content.decode()
    assert client_for("yc_reviewer").post(url).status_code == 403
    assert client_for("spb_admin").post(url).status_code == 404
    assert client.post(reverse("volunteers:leave", args=[make_volunteer().pk]), {"left_on": "bad"},
                       follow=True).status_code == 200


# --- the menu ---------------------------------------------------------------------------------------


def _menu(client) -> str:
    return client.get(reverse("home")).content.decode()


def test_menu_offers_volunteer_pages_to_staff_leaders_and_volunteers(client_for, personas):
    staff_menu = _menu(client_for("yc_reviewer"))
    assert "志愿服务" in staff_menu and f'href="{LIST}"' in staff_menu
    assert f'href="{LIST}"' not in _menu(client_for("citizen"))
    _team, client = _leader()
    menu = _menu(client)
    assert f'href="{LIST}"' in menu and f'href="{reverse("volunteers:me")}"' in menu
    plain = UserFactory(username="plain-volunteer")
    make_volunteer(name="普通志愿者", user=plain)
    client = Client()
    client.force_login(plain)
    menu = _menu(client)
    assert f'href="{reverse("volunteers:me")}"' in menu and f'href="{LIST}"' not in menu
