import re

from django import forms
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import BootstrapMixin, LoadedAtMixin

from .models import Unit

ALIAS_SPLIT = re.compile(r"[;；、,，|\n]")


class UnitForm(LoadedAtMixin, BootstrapMixin, forms.ModelForm):
    aliases_text = forms.CharField(label=_("别名"), required=False, max_length=500,
                                   help_text=_("文件中可能使用的其他名称，多个用顿号分隔"))

    class Meta:
        model = Unit
        fields = ["name", "type", "parent", "contact_name", "contact_phone", "email", "address"]

    def __init__(self, *args, parent_choices=None, only_fields=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parent_choices is not None:
            self.fields["parent"].queryset = parent_choices
            self.fields["parent"].label_from_instance = lambda u: u.full_name
        if self.instance.pk:
            self.initial["aliases_text"] = "、".join(self.instance.aliases)
            self.add_loaded_at()
        if only_fields is not None:
            for name in list(self.fields):
                if name not in only_fields and name != "loaded_at":
                    del self.fields[name]

    def service_fields(self) -> dict:
        data = {k: v for k, v in super().service_fields().items() if k != "aliases_text"}
        if not self.instance.pk:
            data.pop("unchanged_since", None)
        if "aliases_text" in self.cleaned_data:
            data["aliases"] = [a.strip() for a in ALIAS_SPLIT.split(self.cleaned_data["aliases_text"]) if a.strip()]
        return data
