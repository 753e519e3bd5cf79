"""What the forms of every app share: service errors on the form, Bootstrap classes, stale-edit
guards, list filters read from the query string, units by full name and regions by code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kepu.accounts.scope import REGION_WRITE_ROLES, STAFF_ROLES, scope_of
from kepu.regions.models import Level, Region
from kepu.regions.policies import region_policy
from kepu.regions.querysets import subtree_q

from .errors import KepuError

if TYPE_CHECKING:
    from kepu.orgs.models import Unit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# What core.records.ATTACHMENT_TYPES lets through, as help under a file field.
FILES_HELP = _("可选多个文件：PDF、Word、Excel、PowerPoint、PNG、JPG、WebP，每个不超过 20 MB")


def add_service_errors(form: forms.BaseForm, exc: ValidationError | KepuError) -> None:
    """Show a service's refusal on the form: on the field it names, else at the top."""
    if isinstance(exc, KepuError):
        form.add_error(None, exc.message)
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class BootstrapMixin:
    """Give widgets Bootstrap's classes, and mark fields with errors as invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error):
        """Also errors added after validation (a service's refusal) mark their field as invalid."""
        super().add_error(field, error)
        for name in self._errors or ():
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service reads each one's real type."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".png,.jpg,.jpeg,.webp,.pdf,.docx,.xlsx,.pptx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [d for d in data if d] if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class LoadedAtMixin:
    """A hidden `loaded_at` with the instance's updated_at, for refusing stale edits."""

    def add_loaded_at(self):
        self.fields["loaded_at"] = forms.DateTimeField(widget=forms.HiddenInput, required=False)
        if self.instance.pk:
            self.initial["loaded_at"] = self.instance.updated_at.isoformat()

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["unchanged_since"] = data.pop("loaded_at", None)
        return data


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.full_name


# --- regions by code ----------------------------------------------------------------------------------


def region_by_code(code: str) -> Region | None:
    """Any region by its code: list filters need no more, since the rows are scoped already."""
    code = code.strip()
    return Region.objects.filter(code=code).first() if code else None


def _region_in(roots: list[str] | None, code: str) -> Region | None:
    """The region with this code inside the subtrees at `roots` (None: anywhere)."""
    code = code.strip()
    if not code:
        return None
    qs = Region.objects.filter(code=code)
    if roots is not None:
        qs = qs.filter(subtree_q(roots))
    return qs.first()


def clean_region_code(form, roots: list[str] | None) -> str:
    """Set form.region from the typed code: a region under `roots`, or the one the record already has."""
    code = form.cleaned_data["region_code"].strip()
    form.region = _region_in(roots, code)
    if form.region is None and form.instance.pk and code == form.instance.region.code:
        form.region = form.instance.region
    if form.region is None:
        raise forms.ValidationError(_("区划代码“%(code)s”不存在，或不在您的工作范围内。"), params={"code": code[:20]})
    return code


def visible_region(user, code: str) -> Region | None:
    """The region with this code if the user may see it (the service decides whether they may plan there).

    A unit liaison sees the regions above their unit; the regions below it count too, since the unit
    may hold activities there.
    """
    code = code.strip()
    if not code:
        return None
    where = region_policy.visible_q(user)
    unit_paths = scope_of(user).unit_region_paths(STAFF_ROLES)
    if unit_paths:
        where |= subtree_q(unit_paths)
    return Region.objects.filter(where, code=code).first()


# --- list filters -------------------------------------------------------------------------------------


class FilterForm(BootstrapMixin, forms.Form):
    """Filters read from the query string: a bad value is an error in words, never a crash."""

    def error_list(self) -> list[str]:
        """Each error as "字段：说明", for the line above the results."""
        out = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            out += [f"{label}：{e}" if label else str(e) for e in errors]
        return out


class RegionFilterForm(FilterForm):
    """A FilterForm for the user's lists, with a `region` field (if the subclass declares one) read as
    any region by its code: the rows are scoped already."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.region_obj: Region | None = None

    def clean_region(self) -> str:
        code = self.cleaned_data["region"].strip()
        if code:
            self.region_obj = region_by_code(code)
            if self.region_obj is None:
                raise forms.ValidationError(_("区划代码“%(code)s”不存在。"), params={"code": code[:20]})
        return code


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.name}（{obj.code}）"


def writable_regions(user, levels=(Level.PROVINCE, Level.PREFECTURE, Level.DISTRICT)):
    """The regions a user administers, and those below them down to `levels` (district level by
    default: a town's records are made by the town's own admins), as a queryset."""
    scope = scope_of(user)
    qs = Region.objects.all()
    if not scope.platform_admin:
        roots = scope.region_paths(REGION_WRITE_ROLES)
        qs = qs.filter(subtree_q(roots)).filter(Q(path__in=roots) | Q(level__in=levels))
    else:
        qs = qs.filter(level__in=levels)
    return qs.order_by("path")


@dataclass(frozen=True)
class YamlUpload:
    name: str
    raw: bytes


class YamlFileField(forms.FileField):
    """A YAML document upload (a standard, a plan): .yaml/.yml, at most 1 MB, UTF-8, not empty.
    Cleans to a YamlUpload (name and bytes)."""

    MAX_BYTES = 1024 * 1024
    SUFFIXES = (".yaml", ".yml")

    def __init__(self, *, what: str, **kwargs):
        kwargs.setdefault("help_text", _("UTF-8 编码的 .yaml 或 .yml 文件，不超过 1 MB。"))
        kwargs.setdefault("error_messages", {"empty": _("上传的文件是空的。"),
                                             "required": _("请选择要上传的%(what)s。") % {"what": what}})
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ",".join(self.SUFFIXES)

    def clean(self, data, initial=None) -> YamlUpload:
        upload = super().clean(data, initial)
        name = (upload.name or "")[:100]
        if not name.lower().endswith(self.SUFFIXES):
            raise ValidationError(_("文件“%(name)s”不是 .yaml 或 .yml 文件。"), params={"name": name})
        if upload.size > self.MAX_BYTES:
            raise ValidationError(_("文件“%(name)s”超过 1 MB。"), params={"name": name})
        raw = upload.read()
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("文件“%(name)s”不是 UTF-8 编码（可能是 GBK）。请在文本编辑器中另存为 UTF-8 后重新上传。"),
                                  params={"name": name}) from None
        if not raw.strip():
            raise ValidationError(_("文件“%(name)s”是空的。"), params={"name": name})
        return YamlUpload(name, raw)
