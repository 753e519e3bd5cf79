"""Staff import pages under /channels/: column issues and 科普中国 information-officer figures.

URL names (namespace channels): issues_import and info_officers_import, each with _confirm,
_errors and _template. The 科普中国 platform's export often has no year column: its page offers
a year (also taken from ?year=), kept with the upload until it is confirmed.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kepu.core.import_views import UploadForm
from kepu.core.imports import get_importer, run_import
from kepu.orgs.base_import_pages import UPSERT_DONE, UPSERT_WILL, BaseDataFlow
from kepu.orgs.base_importers import may_add

from .policies import column_issue_policy, info_officer_policy

# The year chosen for the upload being handled (the flows are shared by every request).
_chosen_year: ContextVar[int | None] = ContextVar("info_officer_year", default=None)


def year_choices() -> list[tuple[str, str]]:
    this = timezone.localdate().year
    return [("", gettext("以文件中的“年度”列为准")), *((str(y), str(y)) for y in range(this, 2014, -1))]


class FileAndYearInput(forms.FileInput):
    """The file input and, under it, the year for rows without one (the upload page shows one field)."""

    def __init__(self, *args, year: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def render(self, name, value, attrs=None, renderer=None):
        options = format_html_join("", '<option value="{}"{}>{}</option>', (
            (key, " selected" if key == self.year else "", label) for key, label in year_choices()))
        return format_html(
            '{}<div class="mt-3"><label class="form-label" for="id_year">{}</label>'
            '<select name="year" id="id_year" class="form-select">{}</select>'
            '<div class="form-text">{}</div></div>',
            super().render(name, value, attrs, renderer), gettext("年度"), options,
            gettext("科普中国平台导出的文件没有“年度”列时，请选择数据所属的年度。"))


class YearUploadForm(UploadForm):
    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, year: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        chosen = self.data.get("year", year) if self.is_bound else year
        self.fields["file"].widget = FileAndYearInput(attrs=self.fields["file"].widget.attrs, year=str(chosen or ""))

    def clean(self):
        cleaned = super().clean()
        if "year" in self._errors:  # the page shows the year under the file field: say it at the top
            self.add_error(None, self._errors.pop("year"))
        return cleaned


@dataclass(kw_only=True)
class InfoOfficerFlow(BaseDataFlow):
    """The flow with a year for rows whose export has no 年度 column."""

    def make_importer(self, user):
        importer = super().make_importer(user)
        importer.default_year = _chosen_year.get()
        return importer

    @property
    def year_key(self) -> str:
        return f"{self.session_key}_year"

    @contextmanager
    def _year(self, year: int | None):
        token = _chosen_year.set(year)
        try:
            yield
        finally:
            _chosen_year.reset(token)

    def upload(self, request):
        if request.method != "POST":
            year = request.GET.get("year", "")
            form = YearUploadForm(year=year if year.isdigit() else "")
            return render(request, "core/import/upload.html",
                          {**self._context(), "form": form, "columns": get_importer(self.kind).columns})
        form = YearUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, "core/import/upload.html",
                          {**self._context(), "form": form, "columns": get_importer(self.kind).columns})
        upload, year = form.cleaned_data["file"], form.cleaned_data["year"]
        data = upload.read()
        with self._year(year):
            result = run_import(self.make_importer(request.user), data, filename=upload.name, actor=request.user,
                                dry_run=True)
        self._keep(request, upload.name, data)
        request.session[self.year_key] = year
        return self._preview(request, upload.name, result)

    def confirm(self, request):
        with self._year(request.session.get(self.year_key)):
            return super().confirm(request)

    def errors(self, request):
        with self._year(request.session.get(self.year_key)):
            return super().errors(request)


issues = BaseDataFlow(
    kind="column_issues", namespace="channels", session_key="column_issues_import",
    allowed=may_add(column_issue_policy), success_url="channels:issues", parent_label=_("栏目刊播记录"),
    parent_url="channels:issues", title=_("批量导入栏目刊播记录"), prefix="issues_import", route="issues/import/",
    scope_note=_("媒体和栏目须已登记，且在您的管理范围内；已登记的同一期（同一栏目、日期和标题）会报错。"),
    will_import=_("校验通过：将导入 %(n)d 期刊播记录。"), done_message=_("已导入 %(n)d 期刊播记录（文件：%(name)s）。"),
    errors_filename=_("刊播记录导入错误-%(name)s.xlsx"), template_filename=_("栏目刊播记录导入模板.xlsx"),
)

info_officers = InfoOfficerFlow(
    kind="info_officers", namespace="channels", session_key="info_officers_import",
    allowed=may_add(info_officer_policy), success_url="channels:info_officers", parent_label=_("科普中国信息员"),
    parent_url="channels:info_officers", title=_("导入科普中国信息员数据"), prefix="info_officers_import",
    route="info-officers/import/",
    scope_note=_("可直接上传科普中国平台导出的 Excel：地区可写区划代码或名称（如 重庆市永川区、永川区、您所辖的镇街），"
                 "“合计”行跳过。每个区划每年一行，已有的按文件更新。"),
    will_import=UPSERT_WILL, done_message=UPSERT_DONE,
    errors_filename=_("信息员数据导入错误-%(name)s.xlsx"), template_filename=_("科普中国信息员导入模板.xlsx"),
)

urlpatterns: list = [*issues.urlpatterns(), *info_officers.urlpatterns()]
