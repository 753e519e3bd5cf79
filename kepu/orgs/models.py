from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kepu.core.records import RegionRecord, StoredFile, stored_file_path

contact_phone_validator = RegexValidator(
    r"^[0-9+\-() ]{7,20}$", _("请输入有效的电话号码（数字、空格、+、-、括号，7 到 20 位）。")
)


class ReadableJSONEncoder(DjangoJSONEncoder):
    """Store Chinese as itself, not as \\u escapes, so that text search inside the JSON works."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class UnitType(models.TextChoices):
    PARTY_GOVERNMENT = "party_government", _("党政部门")
    ASSOCIATION = "association", _("科协")
    MASS_ORG = "mass_org", _("群团组织")
    SOCIETY = "society", _("学会（协会、研究会）")
    PRIMARY_SCHOOL = "primary_school", _("小学")
    SECONDARY_SCHOOL = "secondary_school", _("中学")
    UNIVERSITY = "university", _("高等院校")
    RESEARCH_INSTITUTE = "research_institute", _("科研院所")
    HOSPITAL = "hospital", _("医院")
    AGRITECH_STATION = "agritech_station", _("农技站")
    RURAL_TECH_ASSOCIATION = "rural_tech_association", _("农村专业技术协会")
    ENTERPRISE = "enterprise", _("企业")
    MEDIA = "media", _("媒体")
    VENUE_OPERATOR = "venue_operator", _("场馆运营单位")
    SOCIAL_ORG = "social_org", _("社会组织")
    OTHER = "other", _("其他")


class Unit(models.Model):
    """An organization (单位) that is responsible for work: a department, a 科协, a school, ..."""

    name = models.CharField(_("名称"), max_length=200)
    type = models.CharField(_("类型"), max_length=32, choices=UnitType.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    # Other names the unit goes by in documents (e.g. 农业农村委 for 区农业农村委), for matching.
    aliases = models.JSONField(_("别名"), default=list, blank=True, encoder=ReadableJSONEncoder)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("联系电话"), max_length=20, blank=True, validators=[contact_phone_validator]
    )
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unit_region_name_unique"),
        ]
        indexes = [models.Index(fields=["type"], name="unit_type_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """The name as documents of another region write it: 区科协 of 永川区 is 永川区科协."""
        region_name = self.region.name
        if self.name[:1] in ("区", "市", "县") and region_name.endswith(self.name[0]):
            return region_name + self.name[1:]
        return self.name

    @property
    def audit_scope_path(self) -> str:
        return self.region.path


# --- yearly profiles and base data of units ---------------------------------------------------------

SCHOOL_TYPES = (UnitType.PRIMARY_SCHOOL, UnitType.SECONDARY_SCHOOL)


class FeatureLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    MUNICIPAL = "municipal", _("市级")
    DISTRICT = "district", _("区县级")


year_validators = [MinValueValidator(1949), MaxValueValidator(2100)]


class SchoolProfile(RegionRecord):
    """A primary or secondary school's science staff and facilities in one year (B1.4, B3.4, B3.5)."""

    unit = models.ForeignKey(Unit, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="school_profiles")
    year = models.PositiveSmallIntegerField(_("年度"), validators=year_validators)
    district_run = models.BooleanField(_("区属学校"), default=True)
    science_teachers = models.PositiveSmallIntegerField(_("科学教师人数"), default=0)
    tutors_full_time = models.PositiveSmallIntegerField(_("专职科技辅导员人数"), default=0)
    tutors_part_time = models.PositiveSmallIntegerField(_("兼职科技辅导员人数"), default=0)
    has_tech_room = models.BooleanField(_("建有科技活动室"), default=False)
    feature_level = models.CharField(_("科技特色学校级别"), max_length=12, choices=FeatureLevel.choices, blank=True,
                                     help_text=_("不是科技特色学校时留空。"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("学校科普情况")
        verbose_name_plural = _("学校科普情况")
        ordering = ["region_path", "unit__name", "-year"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="school_profile_unit_year_unique")]
        indexes = [models.Index(fields=["year", "region_path"], name="school_profile_year_region_idx",
                                opclasses=["int2_ops", "varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"

    def sync_region_path(self) -> None:
        # A profile is kept where its school is.
        if self.unit_id:
            self.region = self.unit.region
        super().sync_region_path()

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.unit_id and self.unit.type not in SCHOOL_TYPES:
            raise ValidationError({"unit": _("“%(name)s”不是中小学（单位类型须为小学或中学）。") % {"name": self.unit}})

    @property
    def staff_compliant(self) -> bool:
        """At least 2 science teachers or 3 full- and part-time tech tutors (B1.4)."""
        return self.science_teachers >= 2 or self.tutors_full_time + self.tutors_part_time >= 3


class RuralTechAssociation(RegionRecord):
    """A rural professional technical association (农村专业技术协会, 农技协) of a town."""

    name = models.CharField(_("名称"), max_length=200)
    unit = models.ForeignKey(Unit, verbose_name=_("对应单位"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_("注销日期"), null=True, blank=True)
    members = models.PositiveIntegerField(_("会员数"), default=0)
    on_smart_platform = models.BooleanField(_("已入驻智慧农技协平台"), default=False)
    industry = models.CharField(_("产业领域"), max_length=100, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("农村专业技术协会")
        verbose_name_plural = _("农村专业技术协会")
        ordering = ["region_path", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="rural_association_name_unique")]
        indexes = [models.Index(fields=["region_path"], name="rural_association_path_idx",
                                opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.region_id and self.region.level not in ("town", "village"):
            raise ValidationError({"region": _("农技协须登记在镇（街）或村（社区）。")})
        if self.founded_on and self.dissolved_on and self.dissolved_on < self.founded_on:
            raise ValidationError({"dissolved_on": _("注销日期不能早于成立日期。")})


class FundingSource(models.TextChoices):
    """Sources in the groups of the national science-popularization statistics (全国科普统计)."""

    FISCAL_BUDGET = "fiscal_budget", _("财政预算拨款")
    FISCAL_SPECIAL = "fiscal_special", _("财政科普专项经费")
    DONATION = "donation", _("社会捐赠")
    SELF_RAISED = "self_raised", _("自筹资金")
    OTHER = "other", _("其他收入")


# The national statistics' funding groups (年度科普经费筹集额) each source belongs to.
STATISTICS_GROUP = {
    FundingSource.FISCAL_BUDGET: _("政府拨款"),
    FundingSource.FISCAL_SPECIAL: _("政府拨款"),
    FundingSource.DONATION: _("捐赠"),
    FundingSource.SELF_RAISED: _("自筹资金"),
    FundingSource.OTHER: _("其他收入"),
}
FISCAL_SOURCES = (FundingSource.FISCAL_BUDGET, FundingSource.FISCAL_SPECIAL)


class FundingUse(models.TextChoices):
    """Uses in the groups of the national statistics (年度科普经费使用额)."""

    ADMINISTRATION = "administration", _("行政支出")
    ACTIVITIES = "activities", _("科普活动支出")
    VENUE_CONSTRUCTION = "venue_construction", _("科普场馆基建支出")
    OTHER = "other", _("其他支出")


money = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class FundingRecord(RegionRecord):
    """Science-popularization money of a region (and unit) in a year: budgeted and received."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="funding_records")
    year = models.PositiveSmallIntegerField(_("年度"), validators=year_validators)
    source = models.CharField(_("来源"), max_length=16, choices=FundingSource.choices)
    use = models.CharField(_("使用方向"), max_length=20, choices=FundingUse.choices, default=FundingUse.ACTIVITIES)
    budgeted = models.DecimalField(_("预算金额（元）"), null=True, blank=True, **money)
    received = models.DecimalField(_("到位金额（元）"), null=True, blank=True, **money)
    purpose = models.CharField(_("用途"), max_length=200)
    document_number = models.CharField(_("预算文号"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("科普经费")
        verbose_name_plural = _("科普经费")
        ordering = ["-year", "region_path", "source"]
        constraints = [
            models.CheckConstraint(condition=models.Q(budgeted__isnull=False) | models.Q(received__isnull=False),
                                   name="funding_amount_present"),
        ]
        indexes = [models.Index(fields=["year", "region"], name="funding_year_region_idx"),
                   models.Index(fields=["region_path", "year"], name="funding_path_year_idx",
                                opclasses=["varchar_pattern_ops", "int2_ops"])]

    def __str__(self) -> str:
        return f"{self.year} {self.get_source_display()} {self.purpose}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.budgeted is None and self.received is None:
            raise ValidationError({"budgeted": _("预算金额和到位金额至少填写一项。")})

    @property
    def statistics_group(self) -> str:
        return str(STATISTICS_GROUP[FundingSource(self.source)])


class FundingDocument(StoredFile):
    record = models.ForeignKey(FundingRecord, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=stored_file_path, max_length=300)

    class Meta(StoredFile.Meta):
        verbose_name = _("经费文件")
        verbose_name_plural = _("经费文件")

    @property
    def parent_id_for_path(self):
        return self.record_id
