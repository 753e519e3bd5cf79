"""Channels of science communication: media columns and their issues, new-media accounts, and the
科普中国 information-officer figures of each region."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kepu.core.records import RegionRecord, StoredFile, stored_file_path

year_validators = [MinValueValidator(1949), MaxValueValidator(2100)]


class OutletKind(models.TextChoices):
    TV = "tv", _("电视台")
    RADIO = "radio", _("广播电台")
    NEWSPAPER = "newspaper", _("报纸")
    MAGAZINE = "magazine", _("杂志")
    WEBSITE = "website", _("网站")
    OTHER = "other", _("其他")


class MediaOutlet(RegionRecord):
    """A newspaper, station or magazine of the region (永川日报, 永川电视台 ...)."""

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=12, choices=OutletKind.choices)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("主办单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="media_outlets")

    class Meta:
        verbose_name = _("媒体")
        verbose_name_plural = _("媒体")
        ordering = ["region_path", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="media_outlet_name_unique")]

    def __str__(self) -> str:
        return self.name


class Frequency(models.TextChoices):
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    BIWEEKLY = "biweekly", _("每两周")
    MONTHLY = "monthly", _("每月")
    IRREGULAR = "irregular", _("不定期")


class Column(models.Model):
    """A science column (科普栏目) of an outlet, with its planned rhythm."""

    outlet = models.ForeignKey(MediaOutlet, verbose_name=_("媒体"), on_delete=models.CASCADE,
                               related_name="columns")
    name = models.CharField(_("栏目名称"), max_length=200)
    frequency = models.CharField(_("刊播频次"), max_length=12, choices=Frequency.choices, default=Frequency.WEEKLY)
    started_on = models.DateField(_("开设日期"), null=True, blank=True)
    ended_on = models.DateField(_("停办日期"), null=True, blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("科普栏目")
        verbose_name_plural = _("科普栏目")
        ordering = ["outlet", "name"]
        constraints = [models.UniqueConstraint(fields=["outlet", "name"], name="column_outlet_name_unique")]

    def __str__(self) -> str:
        return f"{self.outlet}《{self.name}》"

    @property
    def region(self):
        return self.outlet.region

    @property
    def audit_scope_path(self) -> str:
        return self.outlet.region_path


class ColumnIssue(models.Model):
    """One issue (一期) of a column as published or broadcast; the ISO week is kept for the measure."""

    column = models.ForeignKey(Column, verbose_name=_("栏目"), on_delete=models.CASCADE, related_name="issues")
    date = models.DateField(_("刊播日期"))
    title = models.CharField(_("标题"), max_length=200)
    url = models.URLField(_("链接"), max_length=500, blank=True)
    # Copied from the outlet and the date on save: media_weekly_columns groups by them.
    region_path = models.CharField(max_length=255, editable=False)
    iso_year = models.PositiveSmallIntegerField(editable=False)
    iso_week = models.PositiveSmallIntegerField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("栏目刊播记录")
        verbose_name_plural = _("栏目刊播记录")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["iso_year", "region_path"], include=["iso_week"],
                                name="column_issue_week_idx"),
                   models.Index(fields=["column", "date"], name="column_issue_column_date_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    def save(self, *args, **kwargs):
        self.sync_region_path()
        super().save(*args, **kwargs)

    def sync_region_path(self) -> None:
        if self.column_id:
            self.region_path = self.column.outlet.region_path
        if self.date:
            self.iso_year, self.iso_week, _day = self.date.isocalendar()

    @property
    def region(self):
        return self.column.outlet.region

    @property
    def audit_scope_path(self) -> str:
        return self.region_path


class ColumnIssueFile(StoredFile):
    issue = models.ForeignKey(ColumnIssue, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=stored_file_path, max_length=300)

    class Meta(StoredFile.Meta):
        verbose_name = _("刊播材料")
        verbose_name_plural = _("刊播材料")

    @property
    def parent_id_for_path(self):
        return self.issue_id


class Platform(models.TextChoices):
    WECHAT = "wechat", _("微信公众号")
    WECHAT_CHANNELS = "wechat_channels", _("微信视频号")
    WEIBO = "weibo", _("微博")
    DOUYIN = "douyin", _("抖音")
    KUAISHOU = "kuaishou", _("快手")
    BILIBILI = "bilibili", _("哔哩哔哩")
    TOUTIAO = "toutiao", _("今日头条")
    OTHER = "other", _("其他")


class NewMediaAccount(RegionRecord):
    """A new-media account (e.g. the 永川科协 WeChat official account)."""

    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    name = models.CharField(_("账号名称"), max_length=200)
    account_id = models.CharField(_("账号 ID"), max_length=100, blank=True)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("运营单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="media_accounts")

    class Meta:
        verbose_name = _("新媒体账号")
        verbose_name_plural = _("新媒体账号")
        ordering = ["region_path", "platform", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "platform", "name"],
                                               name="media_account_name_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_platform_display()}）"


class AccountYear(models.Model):
    """An account's figures for one year."""

    account = models.ForeignKey(NewMediaAccount, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("年度"), validators=year_validators)
    followers = models.PositiveIntegerField(_("年末粉丝数"), default=0)
    posts = models.PositiveIntegerField(_("发布科普内容条数"), default=0)
    reads = models.PositiveBigIntegerField(_("阅读（播放）量"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("新媒体年度数据")
        verbose_name_plural = _("新媒体年度数据")
        ordering = ["account", "-year"]
        constraints = [models.UniqueConstraint(fields=["account", "year"], name="account_year_unique")]

    def __str__(self) -> str:
        return f"{self.account} {self.year}"

    @property
    def region(self):
        return self.account.region

    @property
    def audit_scope_path(self) -> str:
        return self.account.region_path


class FigureSource(models.TextChoices):
    ENTERED = "entered", _("填报")
    IMPORTED = "imported", _("科普中国平台导出")


class InfoOfficerFigure(RegionRecord):
    """科普中国 information officers (信息员) of a region in a year, as the 科普中国 platform counts them."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=year_validators)
    registered = models.PositiveIntegerField(_("信息员人数"))
    active = models.PositiveIntegerField(_("年度总活跃人数"))
    shares = models.PositiveBigIntegerField(_("分享次数"), default=0)
    source = models.CharField(_("来源"), max_length=10, choices=FigureSource.choices, default=FigureSource.ENTERED)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("科普中国信息员数据")
        verbose_name_plural = _("科普中国信息员数据")
        ordering = ["-year", "region_path"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="info_officer_region_year_unique")]
        indexes = [models.Index(fields=["year", "region_path"], name="info_officer_year_path_idx")]

    def __str__(self) -> str:
        return f"{self.region} {self.year}"
