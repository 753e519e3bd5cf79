from django import forms
from django.core.exceptions import ValidationError

from .errors import KepuError


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

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


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
