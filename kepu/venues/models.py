"""Science venues and bases (科普阵地): where they are, who runs them, their certifications and visitors."""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kepu.core.records import RegionRecord, StoredFile, stored_file_path


class VenueType(models.TextChoices):
    SCIENCE_MUSEUM = "science_museum", _("科技馆")
    SCITECH_MUSEUM = "scitech_museum", _("科学技术类博物馆")
    EDUCATION_BASE = "education_base", _("科普教育基地")
    YOUTH_BASE = "youth_base", _("青少年科普教育基地")
    RURAL_DEMO_BASE = "rural_demo_base", _("农村科普示范基地")
    CAMPUS_MUSEUM = "campus_museum", _("校园科技馆")
    RURAL_SCHOOL_MUSEUM = "rural_school_museum", _("农村中学科技馆")
    ACTIVITY_ROOM = "activity_room", _("社区科普馆/活动室（站）")
    E_STATION = "e_station", _("科普e站")
    GALLERY = "gallery", _("科普画廊/宣传栏")
    LED_SCREEN = "led_screen", _("LED 科普屏")
    READING_ROOM = "reading_room", _("科普网络书屋")
    THEME_PARK = "theme_park", _("科普主题公园")
    SCIENCE_YARD = "science_yard", _("科技小院")
    OTHER = "other", _("其他")


# What counts as a village's science station (科普活动室（站）) and board (科普画廊（宣传栏）) for
# the 站栏员 coverage (Yongchuan B3.2).
STATION_TYPES = (VenueType.ACTIVITY_ROOM, VenueType.E_STATION)
BOARD_TYPES = (VenueType.GALLERY,)
# The bases of certified_bases_count (Yongchuan B3.5), next to 科技特色学校 from the school profiles.
BASE_TYPES = (VenueType.EDUCATION_BASE, VenueType.YOUTH_BASE, VenueType.RURAL_DEMO_BASE)


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    MUNICIPAL = "municipal", _("市级")
    DISTRICT = "district", _("区县级")


MUNICIPAL_OR_ABOVE = (Level.NATIONAL, Level.MUNICIPAL)

year_validators = [MinValueValidator(1949), MaxValueValidator(2100)]
coordinate_fields = {"max_digits": 9, "decimal_places": 6, "null": True, "blank": True}


class Venue(RegionRecord):
    """A place of science popularization, from a city science museum to a village notice board."""

    name = models.CharField(_("名称"), max_length=200)
    type = models.CharField(_("类型"), max_length=24, choices=VenueType.choices)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("运营单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="venues")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    longitude = models.DecimalField(_("经度"), validators=[MinValueValidator(-180), MaxValueValidator(180)],
                                    **coordinate_fields)
    latitude = models.DecimalField(_("纬度"), validators=[MinValueValidator(-90), MaxValueValidator(90)],
                                   **coordinate_fields)
    opening_hours = models.CharField(_("开放时间"), max_length=200, blank=True)
    floor_area = models.DecimalField(_("建筑面积（平方米）"), max_digits=10, decimal_places=1, null=True, blank=True,
                                     validators=[MinValueValidator(0)])
    exhibition_area = models.DecimalField(_("展教面积（平方米）"), max_digits=10, decimal_places=1, null=True,
                                          blank=True, validators=[MinValueValidator(0)])
    capacity = models.PositiveIntegerField(_("容纳人数"), null=True, blank=True)
    is_public = models.BooleanField(_("向公众开放"), default=True)
    opened_on = models.DateField(_("建成（启用）日期"), null=True, blank=True)
    closed_on = models.DateField(_("停用日期"), null=True, blank=True)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = _("科普阵地")
        verbose_name_plural = _("科普阵地")
        ordering = ["region_path", "type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "type", "name"], name="venue_region_type_name_unique"),
            models.CheckConstraint(condition=Q(closed_on__isnull=True) | Q(opened_on__isnull=True)
                                   | Q(closed_on__gte=models.F("opened_on")), name="venue_closed_after_opened"),
        ]
        indexes = [
            models.Index(fields=["region_path", "type"], name="venue_region_type_idx",
                         opclasses=["varchar_pattern_ops", "varchar_pattern_ops"]),
            models.Index(fields=["type", "region"], name="venue_type_region_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.closed_on and self.opened_on and self.closed_on < self.opened_on:
            raise ValidationError({"closed_on": _("停用日期不能早于建成日期。")})
        if (self.longitude is None) != (self.latitude is None):
            raise ValidationError({"latitude": _("经度和纬度须同时填写。")})


def in_use_q(as_of: datetime.date, prefix: str = "") -> Q:
    """Venues opened by `as_of` (or of unknown date) and not closed by then."""
    return (Q(**{f"{prefix}opened_on__isnull": True}) | Q(**{f"{prefix}opened_on__lte": as_of})) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": as_of}))


class Certification(models.Model):
    """A title a venue holds (e.g. 重庆市科普教育基地), from a body, for a period, re-evaluated on a date."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="certifications")
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    title = models.CharField(_("称号"), max_length=100, blank=True,
                             help_text=_("如“全国科普教育基地”；留空时按类型和级别显示。"))
    body = models.CharField(_("认定单位"), max_length=100)
    year = models.PositiveSmallIntegerField(_("认定年度"), validators=year_validators)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    review_on = models.DateField(_("复评日期"), null=True, blank=True)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    # The last expiry reminder sent, so the daily command reminds once per threshold.
    reminded_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("认定")
        verbose_name_plural = _("认定")
        ordering = ["venue", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "level", "year"], name="certification_venue_level_year_unique"),
        ]
        indexes = [models.Index(fields=["level", "year"], name="certification_level_year_idx")]

    def __str__(self) -> str:
        return self.title or f"{self.get_level_display()}{self.venue.get_type_display()}"

    @property
    def region(self):
        return self.venue.region

    @property
    def audit_scope_path(self) -> str:
        return self.venue.region_path

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.valid_until and self.year is not None and self.valid_until.year < self.year:
            raise ValidationError({"valid_until": _("有效期不能早于认定年度。")})


def valid_in_q(year: int, prefix: str = "") -> Q:
    """Certifications in force at some point of `year`: granted by then, not expired or revoked before it."""
    start = datetime.date(year, 1, 1)
    return (Q(**{f"{prefix}year__lte": year})
            & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": start}))
            & (Q(**{f"{prefix}revoked_on__isnull": True}) | Q(**{f"{prefix}revoked_on__gte": start})))


class VisitorFigure(models.Model):
    """Visitors a venue received in one month."""

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="visitor_figures")
    year = models.PositiveSmallIntegerField(_("年度"), validators=year_validators)
    month = models.PositiveSmallIntegerField(_("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    visitors = models.PositiveIntegerField(_("接待人次"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("接待人次")
        verbose_name_plural = _("接待人次")
        ordering = ["venue", "-year", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "year", "month"], name="visitor_figure_month_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="visitor_figure_month_range"),
        ]

    def __str__(self) -> str:
        return f"{self.venue} {self.year}-{self.month:02d}: {self.visitors}"

    @property
    def region(self):
        return self.venue.region

    @property
    def audit_scope_path(self) -> str:
        return self.venue.region_path


class VenuePhoto(StoredFile):
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=stored_file_path, max_length=300)

    class Meta(StoredFile.Meta):
        verbose_name = _("阵地照片")
        verbose_name_plural = _("阵地照片")

    @property
    def parent_id_for_path(self):
        return self.venue_id

    @property
    def region(self):
        return self.venue.region
