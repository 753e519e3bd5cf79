"""Staff import pages of the base data under /base/: school profiles, 农技协 and funding.

Each is the shared upload → dry run → confirm flow (kepu.core.import_views). `BaseDataFlow` adds
what upserting kinds need: the preview and the message after confirming tell new, updated and
unchanged rows apart; and the error workbook masks the cells the preview masks (phone numbers
of village officers). The venue and channel pages use it too.

URL names (namespace basedata): schools_import, agri_towns_import, funding_import, each with
_confirm, _errors and _template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from kepu.core.exports import xlsx_response
from kepu.core.import_views import PREVIEW_ROWS, SHOWN_ERRORS, ImportFlow
from kepu.core.imports import ImportResult, error_workbook, run_import

from .base_importers import may_add
from .policies import funding_policy, rural_association_policy, school_profile_policy

UPSERT_WILL = _("校验通过：将新增 %(n)d 条、更新 %(updated)d 条，另有 %(skipped)d 条与系统中相同（不变）。")
UPSERT_DONE = _("导入完成（文件：%(name)s）：新增 %(n)d 条，更新 %(updated)d 条。")


@dataclass(kw_only=True)
class BaseDataFlow(ImportFlow):
    """ImportFlow whose messages may name %(updated)d and %(skipped)d rows too."""

    def counts(self, result: ImportResult, name: str = "") -> dict:
        return {"n": result.created, "updated": result.updated, "skipped": result.skipped, "name": name}

    def _preview(self, request, name, result):
        rows = result.rows[:PREVIEW_ROWS]
        if self.preview_cells is not None:
            rows = [(n, self.preview_cells(result.headers, cells)) for n, cells in rows]
        return render(request, "core/import/preview.html", {
            **self._context(), "name": name, "result": result, "errors": result.errors[:SHOWN_ERRORS],
            "hidden_errors": max(0, len(result.errors) - SHOWN_ERRORS), "headers": result.headers, "rows": rows,
            "will_import": self.will_import % self.counts(result),
        })

    def confirm(self, request):
        kept = self._kept(request)
        if kept is None:
            messages.error(request, _("没有待导入的文件，请重新上传。"))
            return redirect(self._url())
        name, data = kept
        result = run_import(self.make_importer(request.user), data, filename=name, actor=request.user)
        if not result.ok:
            return self._preview(request, name, result)
        self._forget(request)
        messages.success(request, self.done_message % self.counts(result, name))
        return redirect(self.success_url)

    def errors(self, request):
        """The kept file's rows with an 错误 column, masked as the preview masks them."""
        kept = self._kept(request)
        if kept is None:
            raise Http404
        name, data = kept
        result = run_import(self.make_importer(request.user), data, filename=name, actor=request.user,
                            dry_run=True)
        if self.preview_cells is not None:
            result.rows = [(n, self.preview_cells(result.headers, cells)) for n, cells in result.rows]
        return xlsx_response(error_workbook(result), self.errors_filename % {"name": Path(name).stem})


schools = BaseDataFlow(
    kind="school_profiles", namespace="basedata", session_key="school_profiles_import",
    allowed=may_add(school_profile_policy), success_url="basedata:schools", parent_label=_("学校科普情况"),
    parent_url="basedata:schools", title=_("批量导入学校科普情况"), prefix="schools_import", route="schools/import/",
    scope_note=_("只能导入您管理的区划或单位的学校。每所学校每年一行：已有的按文件更新，空白单元格保留原值。"),
    will_import=UPSERT_WILL, done_message=UPSERT_DONE,
    errors_filename=_("学校科普情况导入错误-%(name)s.xlsx"), template_filename=_("学校科普情况导入模板.xlsx"),
)

associations = BaseDataFlow(
    kind="rural_associations", namespace="basedata", session_key="rural_associations_import",
    allowed=may_add(rural_association_policy), success_url="basedata:agri_towns", parent_label=_("涉农镇与农技协"),
    parent_url="basedata:agri_towns", title=_("批量导入农技协"), prefix="agri_towns_import",
    route="agri-towns/import/",
    scope_note=_("只能导入您管理的镇（街）的农技协。同一镇（街）同名的农技协按文件更新，空白单元格保留原值。"),
    will_import=UPSERT_WILL, done_message=UPSERT_DONE,
    errors_filename=_("农技协导入错误-%(name)s.xlsx"), template_filename=_("农技协导入模板.xlsx"),
)

funding = BaseDataFlow(
    kind="funding", namespace="basedata", session_key="funding_import", allowed=may_add(funding_policy),
    success_url="basedata:funding", parent_label=_("科普经费"), parent_url="basedata:funding",
    title=_("批量导入科普经费"), prefix="funding_import", route="funding/import/",
    scope_note=_("只能导入您管理的区划或单位的经费。系统中已有的相同记录会报错，以免重复计算。"),
    will_import=_("校验通过：将导入 %(n)d 条经费记录。"), done_message=_("已导入 %(n)d 条经费记录（文件：%(name)s）。"),
    errors_filename=_("科普经费导入错误-%(name)s.xlsx"), template_filename=_("科普经费导入模板.xlsx"),
)

urlpatterns: list = [*schools.urlpatterns(), *associations.urlpatterns(), *funding.urlpatterns()]
