"""Forms of the standard pages: importing a standard file, copying a standard for another region, and
editing an indicator with its targets."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kepu.accounts.scope import REGION_WRITE_ROLES, scope_of
from kepu.core.forms import BootstrapMixin, YamlFileField
from kepu.regions.models import Level, Region
from kepu.regions.querysets import subtree_q

from .models import Indicator, Op, Recurrence, Standard
from .selectors import measure_info
from .standards import STANDARD_CODE, TARGET_LIMIT, StandardFileError, StandardSpec, parse_standard

# Unit names in one field: one a line, or separated by 、 , ， ； ;
UNIT_SEPARATORS = re.compile(r"[\n\r、,，;；]+")
STANDARD_LEVELS = (Level.PROVINCE, Level.PREFECTURE, Level.DISTRICT)


# --- import -------------------------------------------------------------------------------------------


class StandardImportForm(BootstrapMixin, forms.Form):
    """A standard file in the format of `kepu import standard`; `spec` holds it once the form is valid,
    `file_errors` every problem found in it."""

    file = YamlFileField(label=gettext_lazy("标准文件（YAML）"), what=gettext_lazy("标准文件"))
    dry_run = forms.BooleanField(label=gettext_lazy("仅校验，不导入（显示将要创建的内容）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec: StandardSpec | None = None
        self.file_errors: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("file") is None:
            return cleaned
        try:
            self.spec = parse_standard(cleaned["file"].raw)
        except StandardFileError as exc:
            self.file_errors = list(exc.errors)
        if self.file_errors:
            self.spec = None
            raise forms.ValidationError(_("文件有 %(n)d 处错误，没有导入任何内容。") % {"n": len(self.file_errors)})
        return cleaned


# --- copy ---------------------------------------------------------------------------------------------


def standard_regions(user):
    """The regions a user may keep a standard for: province, city and district levels they administer."""
    scope = scope_of(user)
    qs = Region.objects.filter(level__in=STANDARD_LEVELS)
    if not scope.platform_admin:
        qs = qs.filter(subtree_q(scope.region_paths(REGION_WRITE_ROLES)))
    return qs.order_by("depth", "code")


def adapted_title(source: Standard, region: Region | None) -> str:
    """"沙坪坝区创建 2021—2025 年度…（改编自永川区）": the source's title, with the new region's name."""
    title = source.title
    origin = source.region.name if source.region_id else ""
    if region is not None and origin and title.startswith(origin):
        title = region.name + title[len(origin):]
    elif region is not None and not title.startswith(region.name):
        title = f"{region.name}：{title}"
    if region is not None and region.pk == source.region_id:
        title = _("%(title)s（修订稿）") % {"title": title}
    elif origin:
        title = _("%(title)s（改编自%(origin)s）") % {"title": title, "origin": origin}
    return title[:200]


def free_code(base: str) -> str:
    """`base`, or `base-2`, `base-3` … whichever no standard uses yet."""
    base = base[:60].strip("-")
    taken = set(Standard.objects.filter(code__startswith=base).values_list("code", flat=True))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


class StandardCopyForm(BootstrapMixin, forms.Form):
    """The new standard's code, title and region; an empty code or title is derived from the region."""

    region = forms.ChoiceField(label=gettext_lazy("所属区划"))
    code = forms.CharField(label=gettext_lazy("代码"), max_length=64, required=False,
                           help_text=gettext_lazy("小写字母、数字和连字符，如 shapingba-2021-2025；留空则自动生成。"))
    title = forms.CharField(label=gettext_lazy("名称"), max_length=200, required=False,
                            help_text=gettext_lazy("留空则按所选区划自动生成。"))

    def __init__(self, *args, source: Standard, user, default_region: Region | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.regions = {str(r.pk): r for r in standard_regions(user)}
        choices = [(pk, f"{r.name}（{r.code}）") for pk, r in self.regions.items()]
        if scope_of(user).platform_admin:
            choices.insert(0, ("", _("全平台通用（不属于任何区划）")))
        self.fields["region"].choices = choices
        self.fields["region"].required = not scope_of(user).platform_admin
        # The suggested title and code follow the region: filled in when there is one to choose, else
        # shown as an example (an empty field is derived from the region chosen).
        first = default_region if default_region and str(default_region.pk) in self.regions else None
        first = first or next(iter(self.regions.values()), None)
        if first is not None:
            title = adapted_title(source, first)
            code = free_code(f"{first.code}-{source.period_start}-{source.period_end}")
            if len(self.regions) == 1:
                self.initial.update({"title": title, "code": code})
            else:
                self.fields["title"].widget.attrs["placeholder"] = title
                self.fields["code"].widget.attrs["placeholder"] = code
            self.initial["region"] = str(first.pk)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().lower()
        if code and not STANDARD_CODE.match(code):
            raise forms.ValidationError(_("代码“%(code)s”无效：只能由小写字母、数字和连字符组成（2—64 位）。"),
                                        params={"code": code[:64]})
        return code

    def service_fields(self) -> dict:
        region = self.regions.get(self.cleaned_data["region"])
        code = self.cleaned_data["code"]
        if not code:
            code = free_code(f"{region.code if region else 'standard'}-{self.source.period_start}-"
                             f"{self.source.period_end}")
        return {"code": code, "title": self.cleaned_data["title"].strip() or adapted_title(self.source, region),
                "region": region}


# --- indicator ----------------------------------------------------------------------------------------


def split_units(text: str) -> list[str]:
    """Unit names from a textarea: one a line, or separated by 、 or commas; blanks and repeats dropped."""
    names = []
    for name in UNIT_SEPARATORS.split(text or ""):
        name = name.strip()
        if name and name not in names:
            names.append(name)
    return names


def parse_target_value(text: str) -> Decimal:
    """"1000", "0.3" or "30%" as a Decimal; ValidationError in words otherwise."""
    raw = (text or "").strip().replace(",", "").replace("，", "")
    percent = raw.endswith(("%", "％"))
    try:
        value = Decimal(raw.rstrip("%％").strip())
    except InvalidOperation:
        raise forms.ValidationError(_("“%(value)s”不是数字。"), params={"value": text[:30]}) from None
    if not value.is_finite():
        raise forms.ValidationError(_("“%(value)s”不是数字。"), params={"value": text[:30]})
    if percent:
        value /= 100
    if abs(value) >= TARGET_LIMIT:
        raise forms.ValidationError(_("目标值过大。"))
    if value != value.quantize(Decimal("0.000001")):
        raise forms.ValidationError(_("目标值至多保留 6 位小数（百分数至多 4 位）。"))
    return value


def target_initial(value: Decimal, unit: str) -> str:
    """How a stored target shows in its field: ratios as percentages ("1%"), others as plain numbers."""
    if unit == "ratio":
        return f"{(value * 100).normalize():f}%"
    return f"{value.normalize():f}"


class IndicatorForm(BootstrapMixin, forms.Form):
    """An indicator's text, units, recurrence and weight, and each of its targets' operator and value
    (fields `target_<id>_op` and `target_<id>_value`)."""

    name = forms.CharField(label=gettext_lazy("名称"), max_length=200, required=False)
    text = forms.CharField(label=gettext_lazy("内容"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    lead_units = forms.CharField(label=gettext_lazy("牵头单位"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text=gettext_lazy("每行一个单位，或用“、”或逗号分隔。"))
    responsible_units = forms.CharField(label=gettext_lazy("责任单位"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}),
                                        help_text=gettext_lazy("每行一个单位，或用“、”或逗号分隔；"
                                                               "“各镇（街）”指区内每个镇街。"))
    recurrence = forms.ChoiceField(label=gettext_lazy("频次"), choices=Recurrence.choices)
    weight = forms.DecimalField(label=gettext_lazy("分值"), required=False, min_value=0, max_digits=7,
                                decimal_places=2, help_text=gettext_lazy("不计分的标准留空。"))

    def __init__(self, *args, indicator: Indicator, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.targets = []  # [(target, info, op field name, value field name)]
        if not indicator.is_leaf:
            for name in ("lead_units", "responsible_units", "recurrence"):
                del self.fields[name]
        if not self.is_bound:
            self.initial.update({"name": indicator.name, "text": indicator.text, "weight": indicator.weight,
                                 "lead_units": "\n".join(indicator.lead_units),
                                 "responsible_units": "\n".join(indicator.responsible_units),
                                 "recurrence": indicator.recurrence})
        for target in indicator.targets.all():
            info = measure_info(indicator.standard, target.measure)
            op_name, value_name = f"target_{target.pk}_op", f"target_{target.pk}_value"
            self.fields[op_name] = forms.ChoiceField(label=_("比较"), choices=Op.choices, initial=target.op)
            help_text = _("百分比可写作 1% 或 0.01。") if info.unit == "ratio" else ""
            self.fields[value_name] = forms.CharField(label=_("目标值"), max_length=40, help_text=help_text,
                                                      initial=target_initial(target.value, info.unit))
            self.targets.append((target, info, op_name, value_name))
            # Added after BootstrapMixin styled the declared fields.
            self.fields[op_name].widget.attrs["class"] = "form-select"
            self.fields[value_name].widget.attrs["class"] = "form-control"

    def target_rows(self):
        """(target, measure info, op bound field, value bound field) for the template."""
        return [(t, info, self[op], self[value]) for t, info, op, value in self.targets]

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("name", "").strip() or cleaned.get("text", "").strip()):
            self.add_error("text", _("名称和内容至少填写一项。"))
        for _target, _info, _op, value_name in self.targets:
            if value_name in cleaned:
                try:
                    cleaned[value_name] = parse_target_value(cleaned[value_name])
                except forms.ValidationError as exc:
                    self.add_error(value_name, exc)
        return cleaned

    def indicator_fields(self) -> dict:
        data = self.cleaned_data
        fields = {"name": data["name"].strip(), "text": data["text"].strip(), "weight": data["weight"]}
        if self.indicator.is_leaf:
            fields.update({"lead_units": split_units(data["lead_units"]),
                           "responsible_units": split_units(data["responsible_units"]),
                           "recurrence": data["recurrence"]})
        return fields

    def target_values(self):
        """(target, op, value) for each target."""
        return [(t, self.cleaned_data[op], self.cleaned_data[value]) for t, _info, op, value in self.targets]
