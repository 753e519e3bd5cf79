from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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
