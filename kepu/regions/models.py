from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .querysets import RegionQuerySet


class Level(models.TextChoices):
    PROVINCE = "province", _("省级（直辖市）")
    PREFECTURE = "prefecture", _("地级")
    DISTRICT = "district", _("区县级")
    TOWN = "town", _("乡镇（街道）级")
    VILLAGE = "village", _("村（社区）级")


LEVEL_DEPTH = {Level.PROVINCE: 0, Level.PREFECTURE: 1, Level.DISTRICT: 2, Level.TOWN: 3, Level.VILLAGE: 4}


class Kind(models.TextChoices):
    MUNICIPALITY = "municipality", _("直辖市")
    PROVINCE = "province", _("省、自治区")
    PREFECTURE_CITY = "prefecture_city", _("地级市、州、盟")
    DISTRICT = "district", _("市辖区")
    COUNTY = "county", _("县")
    AUTONOMOUS_COUNTY = "autonomous_county", _("自治县")
    COUNTY_CITY = "county_city", _("县级市")
    FUNCTIONAL_AREA = "functional_area", _("功能区（新区、高新区、经开区）")
    SUBDISTRICT = "subdistrict", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    COMMUNITY = "community", _("社区（居委会）")
    VILLAGE = "village", _("村（村委会）")
    OTHER = "other", _("其他")


code_validator = RegexValidator(
    r"^[0-9A-Za-z_-]{2,20}$", _("区划代码只能包含数字、字母、下划线和连字符，长度 2 到 20。")
)
urban_rural_validator = RegexValidator(r"^[12][0-9]{2}$", _("城乡分类代码是 3 位数字，如 111、220。"))


class Region(models.Model):
    """One node of the administrative tree.

    `code` is the statistical division code (统计用区划代码) in its short form: 6 digits for
    provinces and districts, 9 for towns, 12 for villages. Areas the table does not list (the
    functional areas such as 两江新区) carry a stable key instead. `path` is the materialized path of
    codes ("500000/500118/"), so a subtree is one prefix filter on an indexed column.
    """

    code = models.CharField(_("区划代码"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # unique=True indexes it; on PostgreSQL Django adds a varchar_pattern_ops twin so that
    # `path LIKE 'x/%'` uses an index whatever the collation. SQLite gets a range (subtree_q).
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    urban_rural_code = models.CharField(
        _("城乡分类代码"), max_length=3, blank=True, validators=[urban_rural_validator]
    )
    # A town is agriculture-related (涉农) when it has rural villages (class 2xx) or is rural itself;
    # an admin may decide otherwise (True/False) where the class codes mislead.
    agri_related_override = models.BooleanField(_("涉农镇（街）（人工认定）"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "name"], name="region_parent_name_idx"),
            models.Index(fields=["level"], name="region_level_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_scope_path(self) -> str:
        return self.path

    @property
    def is_rural(self) -> bool:
        """Rural by the urban/rural class code (2xx: 乡村); unknown counts as not rural."""
        return self.urban_rural_code.startswith("2")

    def ancestor_paths(self) -> list[str]:
        """Paths of this region and every region above it, root first."""
        parts = self.path.strip("/").split("/")
        return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]

    def ancestor_codes(self) -> list[str]:
        return self.path.strip("/").split("/")


class Population(models.Model):
    """Resident population (常住人口) of a region in a year, with where the figure comes from."""

    class Source(models.TextChoices):
        STATISTICS = "statistics", _("统计公报")
        CENSUS = "census", _("人口普查")
        ENTERED = "entered", _("填报")
        SYNTHETIC = "synthetic", _("演示（虚构）")

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField(_("年度"))
    residents = models.PositiveIntegerField(_("常住人口"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.ENTERED)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("常住人口")
        verbose_name_plural = _("常住人口")
        ordering = ["region", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="population_region_year_unique"),
            models.CheckConstraint(
                condition=models.Q(year__gte=1949) & models.Q(year__lte=2100), name="population_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year}: {self.residents}"

    @property
    def audit_scope_path(self) -> str:
        return self.region.path
