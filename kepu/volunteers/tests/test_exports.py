"""Exports of rosters and hours, and the rule that no page or export shows a full ID number to a
role without the pii_viewer permission."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from kepu.accounts.models import Role
from kepu.accounts.services import role_grant
from kepu.core import pii
from kepu.core.models import AuditEntry

from ..models import Gender
from .factories import add_member, make_id_number, make_record, make_team, make_volunteer

pytestmark = pytest.mark.django_db
EXPORT = reverse("volunteers:export")
NO_PII_VIEWER = ("yc_admin", "yc_reviewer", "yc_liaison", "city_admin")


def _cells(response) -> list[list[object]]:
    """Every row of every sheet of an .xlsx response (the file is zipped: search its cells, not its bytes)."""
    assert response.status_code == 200, response.status_code
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def _text(response) -> str:
    return "\n".join("\t".join("" if v is None else str(v) for v in row) for row in _cells(response))


@pytest.fixture
def known(yc_education):
    """An adult volunteer with a known ID and phone and a minor with a guardian, both of 中山路街道,
    of 区教委 and in its team (so that every persona in 永川区 sees them), with hours."""
    adult_id = make_id_number(datetime.date(1981, 11, 23), Gender.FEMALE, serial=417)
    adult = make_volunteer(name="已知身份证", gender=Gender.FEMALE, birth_date=datetime.date(1981, 11, 23),
                           id_number=adult_id, phone="13987654321", region="500118001", unit=yc_education)
    birth = timezone.localdate().replace(year=timezone.localdate().year - 15, month=3, day=3)
    minor_id = make_id_number(birth, Gender.MALE, serial=418)
    minor = make_volunteer(name="未成年", birth_date=birth, id_number=minor_id, phone="13911110000",
                           region="500118001", unit=yc_education, guardian_name="家长", guardian_phone="13722223333",
                           guardian_consent=True)
    team = make_team(name="教委服务队", unit=yc_education)
    add_member(team, adult)
    add_member(team, minor)
    make_record(adult, team=team, hours="3")
    make_record(minor, team=team, hours="2", verify=False)
    return {"adult": adult, "minor": minor, "team": team,
            "secrets": [adult_id, minor_id, "13987654321", "13911110000", "13722223333"]}


# --- roster ---------------------------------------------------------------------------------------------


def test_roster_export_is_masked_and_follows_the_filters(client_for, known):
    make_volunteer(name="沙坪坝的人", region="500106")
    response = client_for("yc_admin").get(EXPORT, {"region": "500118001"})
    rows = _cells(response)
    assert rows[0][:6] == ["志愿者编号", "姓名", "性别", "出生日期", "身份证号码", "手机号码"]
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"已知身份证", "未成年"}
    adult = by_name["已知身份证"]
    assert adult[0] == known["adult"].number and adult[4] == known["adult"].id_masked and adult[5] == "139****4321"
    assert adult[9] == "教委服务队" and adult[14] == 3
    assert by_name["未成年"][17] == "137****3333"
    entry = AuditEntry.objects.get(action="volunteer.exported")
    assert entry.changes["rows"] == 2 and entry.changes["count"] == 0
    assert "attachment" in response["Content-Disposition"]


def test_roster_export_with_bad_filters_goes_back_to_the_list(client_for, known):
    response = client_for("yc_admin").get(EXPORT, {"as_of": "bad"}, follow=True)
    assert "筛选条件有误，未导出" in response.content.decode()


def test_full_export_needs_the_export_pii_permission(client_for, known):
    for persona in NO_PII_VIEWER:
        assert client_for(persona).get(EXPORT, {"full": "1"}).status_code == 403
    assert not AuditEntry.objects.filter(action="volunteer.pii_exported").exists()


def test_full_export_shows_only_volunteers_under_the_pii_viewer_grant(client_for, personas, known, yongchuan):
    spb = make_volunteer(name="沙坪坝的人", region="500106")
    spb_id = pii.decrypt(spb.id_encrypted)
    role_grant(actor=None, user=personas.city_admin, role=Role.PII_VIEWER, region=yongchuan)
    response = client_for("city_admin").get(EXPORT, {"full": "1"})
    by_name = {row[1]: row for row in _cells(response)[1:]}
    assert by_name["已知身份证"][4] == known["secrets"][0] and by_name["已知身份证"][5] == "13987654321"
    assert by_name["未成年"][17] == "13722223333"
    assert by_name["沙坪坝的人"][4] == spb.id_masked and spb_id not in _text(response)
    entry = AuditEntry.objects.get(action="volunteer.pii_exported")
    assert entry.actor == personas.city_admin and entry.changes["count"] == 2 and entry.changes["rows"] == 3
    assert known["secrets"][0] not in str(entry.changes)


def test_roster_export_refuses_citizens(client_for):
    assert client_for("citizen").get(EXPORT).status_code == 403


# --- hours ----------------------------------------------------------------------------------------------


def test_records_export_has_number_and_name_never_the_id(client_for, known):
    response = client_for("yc_admin").get(reverse("volunteers:records_export"), {"status": "verified"})
    rows = _cells(response)
    assert rows[0][:3] == ["服务日期", "志愿者编号", "姓名"]
    assert [(r[1], r[2], r[8]) for r in rows[1:]] == [(known["adult"].number, "已知身份证", 3)]
    assert AuditEntry.objects.get(action="service_record.exported").changes["rows"] == 1
    response = client_for("yc_admin").get(reverse("volunteers:records_export"), {"year": "abc"}, follow=True)
    assert "筛选条件有误，未导出" in response.content.decode()


# --- no full number for a role without the permission -----------------------------------------------------


def _pages(known) -> list[str]:
    adult, team = known["adult"], known["team"]
    year = timezone.localdate().year
    return [
        reverse("volunteers:list"), reverse("volunteers:list") + f"?q={adult.name}",
        reverse("volunteers:list") + f"?q={known['secrets'][0]}", reverse("volunteers:list") + "?q=13987654321",
        reverse("volunteers:detail", args=[adult.pk]), reverse("volunteers:detail", args=[known["minor"].pk]),
        reverse("volunteers:edit", args=[adult.pk]), reverse("volunteers:edit", args=[known["minor"].pk]),
        reverse("volunteers:teams"), reverse("volunteers:team_detail", args=[team.pk]),
        reverse("volunteers:records"), reverse("volunteers:records") + f"?volunteer={adult.pk}",
        reverse("volunteers:stats") + f"?region=500118&year={year}",
    ]


def _exports() -> list[str]:
    return [reverse("volunteers:export"), reverse("volunteers:export") + "?full=1", reverse("volunteers:records_export"),
            reverse("volunteers:stats_export") + "?region=500118"]


@pytest.mark.parametrize("persona", NO_PII_VIEWER)
def test_no_page_or_export_shows_a_full_number_without_the_permission(client_for, known, persona):
    client = client_for(persona)
    seen = 0
    for url in _pages(known):
        response = client.get(url)
        body = response.content.decode()
        for secret in known["secrets"]:
            assert secret not in body, (url, response.status_code)
        seen += response.status_code == 200 and known["adult"].id_masked in body
    assert seen >= 3  # the persona does see the volunteer (masked)
    for url in _exports():
        response = client.get(url)
        body = _text(response) if response.status_code == 200 else response.content.decode()
        for secret in known["secrets"]:
            assert secret not in body, url
    response = client.post(reverse("volunteers:reveal", args=[known["adult"].pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert all(secret not in response.content.decode() for secret in known["secrets"])
    assert not AuditEntry.objects.filter(action__in=["volunteer.pii_viewed", "volunteer.pii_exported"]).exists()


def test_with_a_pii_viewer_grant_the_reveal_works_and_is_audited(client_for, personas, known, yongchuan):
    role_grant(actor=None, user=personas.yc_reviewer, role=Role.PII_VIEWER, region=yongchuan)
    client = client_for("yc_reviewer")
    response = client.post(reverse("volunteers:reveal", args=[known["minor"].pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert known["secrets"][1] in body and "13911110000" in body and "13722223333" in body
    entry = AuditEntry.objects.get(action="volunteer.pii_viewed")
    assert entry.actor == personas.yc_reviewer and entry.object_id == str(known["minor"].pk)
    # Everything else stays masked for them too.
    for url in _pages(known):
        assert known["secrets"][0] not in client.get(url).content.decode(), url
