import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kepu.core.imports import get_importer, run_import
from kepu.core.models import AuditEntry
from kepu.orgs.models import Unit
from kepu.orgs.services import unit_create, unit_update


@pytest.mark.django_db
def test_reference_units_exist_with_their_document_names():
    assert Unit.objects.get(region__code="500118", name="区科协").full_name == "永川区科协"
    assert Unit.objects.get(region__code="500000", name="市委宣传部").full_name == "重庆市委宣传部"
    assert Unit.objects.get(region__code="500118", aliases__icontains="农业农村委").name == "区农业农村委"
    assert Unit.objects.filter(region__parent__code="500118").count() == 23  # each town's government


@pytest.mark.django_db
def test_create_and_update_are_audited(personas, yc_town, yc_education):
    unit = unit_create(actor=personas.yc_admin, name=" 中山路小学 ", type="primary_school", region=yc_town,
                       parent=yc_education)
    assert unit.name == "中山路小学"
    unit_update(actor=personas.yc_admin, unit=unit, contact_name="张老师")
    entries = list(AuditEntry.objects.filter(object_id=str(unit.pk)).values_list("action", flat=True))
    assert sorted(entries) == ["unit.created", "unit.updated"]


@pytest.mark.django_db
def test_names_are_unique_within_a_region(personas, yongchuan):
    with pytest.raises(ValidationError) as info:
        unit_create(actor=personas.yc_admin, name="区科协", type="association", region=yongchuan)
    assert "__all__" in info.value.message_dict or "name" in info.value.message_dict


@pytest.mark.django_db
def test_a_parent_from_another_district_is_refused(personas, yc_town, spb_education):
    with pytest.raises(ValidationError) as info:
        unit_create(actor=personas.yc_admin, name="某小学", type="primary_school", region=yc_town, parent=spb_education)
    assert "parent" in info.value.message_dict


@pytest.mark.django_db
def test_a_unit_cannot_be_its_own_ancestor(personas, yc_town, yc_education):
    school = unit_create(actor=personas.yc_admin, name="某小学", type="primary_school", region=yc_town, parent=yc_education)
    with pytest.raises(ValidationError):
        unit_update(actor=personas.yc_admin, unit=yc_education, parent=school)


@pytest.mark.django_db
def test_liaison_changes_only_contacts(personas, yc_education):
    unit_update(actor=personas.yc_liaison, unit=yc_education, contact_phone="023 4980 0000")
    with pytest.raises(PermissionDenied):
        unit_update(actor=personas.yc_liaison, unit=yc_education, name="别的名字")


@pytest.mark.django_db
def test_bad_phone_is_refused(personas, yc_education):
    with pytest.raises(ValidationError) as info:
        unit_update(actor=personas.yc_admin, unit=yc_education, contact_phone="call me")
    assert "contact_phone" in info.value.message_dict


def _csv(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


@pytest.mark.django_db
def test_unit_import_resolves_parents_and_reports_rows():
    rows = [["单位名称", "单位类型", "区划代码", "上级单位", "别名"],
            ["中山路小学", "小学", "500118001", "区教委", "中山路小"],
            ["某企业", "不存在的类型", "500118001", "", ""],
            ["某医院", "医院", "999999", "", ""]]
    result = run_import(get_importer("units"), _csv(rows), filename="u.csv", actor=None)
    assert [(e.row, e.column) for e in result.errors] == [(3, "单位类型"), (4, "区划代码")]
    result = run_import(get_importer("units"), _csv(rows[:2]), filename="u.csv", actor=None)
    assert result.ok, result.errors
    school = Unit.objects.get(name="中山路小学")
    assert (school.parent.name, school.aliases) == ("区教委", ["中山路小"])


@pytest.mark.django_db
def test_unit_list_filters_by_subtree_type_and_name(client_for):
    client = client_for("city_admin")
    page = client.get("/units/", {"region": "500118", "type": "association"}).content.decode()
    assert "区科协" in page and "市科协" not in page and "区教委" not in page
    fragment = client.get("/units/", {"q": "宣传"}, HTTP_HX_REQUEST="true").content.decode()
    assert "市委宣传部" in fragment and "<html" not in fragment


@pytest.mark.django_db
def test_unit_create_page(client_for, yc_education):
    client = client_for("yc_admin")
    response = client.post("/units/new/?region=500118001", {"name": "", "type": "primary_school"})
    assert "必填" in response.content.decode()
    response = client.post("/units/new/?region=500118001", {"name": "中山路小学", "type": "primary_school",
                                                            "parent": yc_education.pk, "aliases_text": "中山路小、中山小学"})
    assert response.status_code == 302
    assert Unit.objects.get(name="中山路小学").aliases == ["中山路小", "中山小学"]
    assert client_for("yc_admin").get("/units/new/?region=500106").status_code == 404


@pytest.mark.django_db
def test_api_unit_filters(client_for):
    client = client_for("city_admin")
    body = client.get("/api/v1/units/", {"region": "500118", "type": "association"}).json()
    assert [(u["name"], u["region"], u["type"]) for u in body["results"]] == [("区科协", "500118", "association")]
    assert {"id", "name", "type", "region"} <= set(body["results"][0])
    assert client.get("/api/v1/units/", {"type": "bogus"}).status_code == 400
