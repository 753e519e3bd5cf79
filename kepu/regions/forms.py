from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import BootstrapMixin, LoadedAtMixin

from .models import Kind, Level, Population, Region


class RegionEditForm(LoadedAtMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Region
        fields = ["name", "kind", "urban_rural_code", "agri_related_override"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_loaded_at()


class RegionCreateForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("区划代码"), max_length=20,
                           help_text=_("统计用区划代码：乡镇（街道）9 位，村（社区）12 位"))
    name = forms.CharField(label=_("名称"), max_length=100)
    level = forms.ChoiceField(label=_("层级"), choices=Level.choices)
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    urban_rural_code = forms.CharField(label=_("城乡分类代码"), max_length=3, required=False)

    def __init__(self, *args, parent: Region, **kwargs):
        super().__init__(*args, **kwargs)
        order = [lv.value for lv in Level]
        below = order[order.index(parent.level) + 1:]
        self.fields["level"].choices = [c for c in Level.choices if c[0] in below]
        if below:
            # Under a province the usual child is a district (prefectures are rarer).
            self.initial.setdefault("level", Level.DISTRICT if parent.level == Level.PROVINCE else below[0])


class PopulationForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=1949, max_value=2100)
    residents = forms.IntegerField(label=_("常住人口"), min_value=0, max_value=2_000_000_000)
    source = forms.ChoiceField(label=_("来源"), choices=Population.Source.choices, initial=Population.Source.STATISTICS)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("year", timezone.localdate().year - 1)
