import pytest

from kepu.accounts.models import RoleAssignment, User
from kepu.activities.models import Activity
from kepu.channels.models import InfoOfficerFigure, MediaOutlet, NewMediaAccount
from kepu.core.gendata import generate
from kepu.core.gendata.plan import PERSONAS
from kepu.orgs.models import FundingRecord, RuralTechAssociation, SchoolProfile, Unit
from kepu.regions.models import Level, Population, Region
from kepu.venues.models import Venue
from kepu.volunteers.models import Certificate, ServiceRecord, ServiceRequest, Team, Volunteer

pytestmark = pytest.mark.django_db


def snapshot():
    regions = sorted(Region.objects.values_list("code", "name", "level", "kind", "urban_rural_code", "path"))
    units = sorted(Unit.objects.values_list("region__code", "name", "type", "parent__name", "contact_phone"))
    populations = sorted(Population.objects.values_list("region__code", "year", "residents", "source"))
    return regions, units, populations




def wipe_generated():
    """Delete what generate() made; the reference data (loaded for every test) stays."""
    # kepu.volunteers.gendata's teams belong to the units below; records and requests protect their rows.
    ServiceRecord.objects.filter(is_demo=True).delete()
    ServiceRequest.objects.filter(is_demo=True).delete()
    Team.objects.filter(is_demo=True).update(parent=None)
    Team.objects.filter(is_demo=True).delete()
    Certificate.objects.filter(volunteer__is_demo=True).delete()
    Volunteer.objects.filter(is_demo=True).delete()
    Activity.objects.filter(is_demo=True).delete()  # kepu.activities.gendata's, organized by the units below
    # Base data (venues, schools, 农技协, funding, channels) and the village officers' accounts.
    for model in (Venue, SchoolProfile, RuralTechAssociation, FundingRecord, MediaOutlet, NewMediaAccount,
                  InfoOfficerFigure):
        model.objects.filter(is_demo=True).delete()
    RoleAssignment.objects.filter(region__is_demo=True).delete()
    User.objects.filter(is_demo=True).delete()
    User.objects.filter(username__in=[p[0] for p in PERSONAS]).delete()  # and their role assignments
    Unit.objects.filter(is_demo=True).update(parent=None)
    Unit.objects.filter(is_demo=True).delete()
    Population.objects.filter(source="synthetic").delete()
    Region.objects.filter(is_demo=True).update(parent=None)
    Region.objects.filter(is_demo=True).delete()


def test_small_scale_is_deterministic():
    counts = generate("small")
    first = snapshot()
    assert counts["regions"] == Region.objects.count()
    assert counts["towns"] == Region.objects.filter(level=Level.TOWN).count()
    assert counts["villages"] == Region.objects.filter(level=Level.VILLAGE).count()
    assert counts["populations"] == Population.objects.count()
    # Units: the generated ones plus the reference units the plan names too (reused).
    assert Unit.objects.filter(is_demo=True).count() <= counts["units"] <= Unit.objects.count()
    wipe_generated()
    assert not Region.objects.filter(level=Level.VILLAGE).exists()
    assert generate("small") == counts
    assert snapshot() == first


def test_small_scale_shape():
    counts = generate("small")
    assert Region.objects.filter(level=Level.DISTRICT).count() == 41
    assert set(Region.objects.filter(kind="functional_area").values_list("code", flat=True)) == {
        "liangjiang", "gaoxin", "wansheng"
    }
    assert counts["towns"] == 23
    assert 90 <= counts["villages"] <= 140
    assert 150 <= counts["units"] <= 260
    assert counts["populations"] == 2 * counts["regions"]
    assert set(Region.objects.filter(level=Level.VILLAGE).values_list("is_demo", flat=True)) == {True}
    assert set(Population.objects.values_list("source", flat=True)) == {"synthetic"}
    # The two benchmark users, each with its region grant.
    grants = dict(RoleAssignment.objects.filter(role="region_admin").values_list("user__username", "region__code"))
    assert grants["bench_city"] == "500000"
    assert grants["bench_district"] == "500118"
    assert User.objects.get(username="bench_city").check_password("bench-pass-2026")


def test_codes_and_paths_nest():
    generate("small")
    regions = {r.pk: r for r in Region.objects.all()}
    for region in regions.values():
        if region.parent_id is None:
            assert region.code == "500000"
            assert region.path == "500000/"
            assert region.depth == 0
            continue
        parent = regions[region.parent_id]
        assert region.path == parent.path + region.code + "/"
        assert region.depth == parent.depth + 1
        if region.level in (Level.TOWN, Level.VILLAGE):
            assert region.code.startswith(parent.code)
            assert len(region.code) == len(parent.code) + 3
            assert region.code[len(parent.code):].isdigit()
    # Names are unique among siblings.
    siblings = list(Region.objects.values_list("parent_id", "name"))
    assert len(siblings) == len(set(siblings))


def test_populations_add_up():
    generate("small")
    yongchuan = Region.objects.get(code="500118")
    for year in (2023, 2024):
        district = Population.objects.get(region=yongchuan, year=year).residents
        towns = sum(Population.objects.filter(region__parent=yongchuan, year=year).values_list("residents", flat=True))
        assert towns == district
        assert 300_000 <= district <= 2_500_000


def test_reference_rows_are_reused_and_a_second_run_adds_nothing():
    assert Region.objects.filter(code="500118001", is_demo=False).exists()  # the reference data
    counts = generate("small")
    for code in ("500000", "500118", "500118001", "liangjiang"):
        assert Region.objects.filter(code=code).count() == 1
        assert not Region.objects.get(code=code).is_demo
    assert Unit.objects.filter(region__code="500118", name="区科协").count() == 1
    before = (Region.objects.count(), Unit.objects.count(), Population.objects.count(), User.objects.count())
    assert generate("small") == counts
    assert (Region.objects.count(), Unit.objects.count(), Population.objects.count(), User.objects.count()) == before
