from django import forms
from django.utils.translation import gettext_lazy as _

from kepu.core.forms import BootstrapMixin

from .models import Role
from .services import login_attempt


class LoginForm(BootstrapMixin, forms.Form):
    login = forms.CharField(label=_("用户名或手机号"), max_length=150,
                            widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if "login" in cleaned and "password" in cleaned:
            self.user = login_attempt(request=self.request, login=cleaned["login"], password=cleaned["password"])
        return cleaned


class GrantForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    role = forms.ChoiceField(label=_("角色"), choices=[c for c in Role.choices if c[0] != Role.PLATFORM_ADMIN])
    region = forms.CharField(label=_("区划代码"), max_length=20, required=False,
                             help_text=_("区域类角色填写区划代码"))
    unit = forms.IntegerField(label=_("单位编号"), required=False, min_value=1,
                              help_text=_("单位联络员填写单位编号（与区划代码二选一）"))

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("region")) == bool(cleaned.get("unit")):
            raise forms.ValidationError(_("请填写区划代码或单位编号，二者只填其一。"))
        return cleaned
