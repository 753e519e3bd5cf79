import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kepu.core.models import AuditEntry
from kepu.regions.models import Level, Population, Region
from kepu.regions.services import population_set, region_create, region_update


@pytest.mark.django_db
def test_it_creates_a_village_with_its_path_and_an_audit_entry(personas, yc_town):
    village = region_create(actor=personas.yc_admin, parent=yc_town, code="500118001001", name="新华社区",
                            level=Level.VILLAGE, kind="community", urban_rural_code="111")
    assert village.path == "500000/500118/500118001/500118001001/"
    assert village.depth == 3
    entry = AuditEntry.objects.get(action="region.created", object_id=str(village.pk))
    assert entry.actor == personas.yc_admin
    assert entry.scope_path == village.path


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "level", "field", "message"), [
    ("500118001", "village", "code", "12 位"),
    ("500119001001", "village", "code", "不一致"),
    ("500118001001", "district", "level", "不能位于"),
    ("5001 8001001", "village", "code", "只能包含"),
])
def test_it_refuses_codes_and_levels_that_do_not_fit(personas, yc_town, code, level, field, message):
    with pytest.raises(ValidationError) as info:
        region_create(actor=personas.yc_admin, parent=yc_town, code=code, name="某村", level=level, kind="village")
    assert message in " ".join(info.value.message_dict[field])
    assert not Region.objects.filter(name="某村").exists()


@pytest.mark.django_db
def test_it_refuses_a_duplicate_code(personas, yc_town):
    with pytest.raises(ValidationError) as info:
        region_create(actor=personas.yc_admin, parent=Region.objects.get(code="500118"), code="500118001",
                      name="重复", level="town", kind="subdistrict")
    assert "code" in info.value.message_dict


@pytest.mark.django_db
def test_it_requires_the_actor_to_administer_the_parent(personas, shapingba):
    with pytest.raises(PermissionDenied):
        region_create(actor=personas.yc_admin, parent=shapingba, code="500106001", name="某街道",
                      level="town", kind="subdistrict")
    with pytest.raises(PermissionDenied):
        region_create(actor=personas.city_admin, parent=None, code="510000", name="四川省", level="province",
                      kind="province")


@pytest.mark.django_db
def test_update_records_what_changed(personas, yc_town):
    region_update(actor=personas.yc_admin, region=yc_town, name="中山路街道", kind="subdistrict", urban_rural_code="111")
    entry = AuditEntry.objects.get(action="region.updated")
    assert entry.changes == {"urban_rural_code": ["", "111"]}
    region_update(actor=personas.yc_admin, region=yc_town, name="中山路街道", kind="subdistrict", urban_rural_code="111")
    assert AuditEntry.objects.filter(action="region.updated").count() == 1  # nothing changed, nothing logged


@pytest.mark.django_db
def test_population_is_set_then_corrected(personas, yongchuan):
    population_set(actor=personas.yc_admin, region=yongchuan, year=2024, residents=1_100_000)
    population_set(actor=personas.yc_admin, region=yongchuan, year=2024, residents=1_150_000, source="statistics")
    row = Population.objects.get(region=yongchuan, year=2024)
    assert (row.residents, row.source) == (1_150_000, "statistics")
    assert AuditEntry.objects.filter(action="region.population_set").count() == 2


@pytest.mark.django_db
def test_subtree_is_one_prefix_filter(yongchuan):
    towns = Region.objects.subtree(yongchuan).exclude(pk=yongchuan.pk)
    assert towns.count() == 23
    assert not Region.objects.subtree(yongchuan).filter(code="500106").exists()
