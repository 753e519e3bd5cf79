from django import forms


class BootstrapMixin:
    """Give widgets Bootstrap's classes, and mark fields with errors as invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
                widget.attrs["aria-invalid"] = "true"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
