"""Staff import pages under /venues/: venues, certifications, visitor figures, village officers.

URL names (namespace venues): import (venues), certifications_import, visitors_import,
officers_import, each with _confirm, _errors and _template. The officers' preview and error
workbook mask phone numbers.
"""

from __future__ import annotations

from functools import cache

from django.utils.translation import gettext_lazy as _

from kepu.accounts.policies import role_assignment_policy
from kepu.core import pii
from kepu.orgs.base_import_pages import UPSERT_DONE, UPSERT_WILL, BaseDataFlow
from kepu.orgs.base_importers import may_add, word

from .importers import VillageOfficerImporter
from .policies import certification_policy, venue_policy, visitor_figure_policy


@cache
def _phone_names() -> frozenset[str]:
    column = next(c for c in VillageOfficerImporter().columns if c.key == "phone")
    return frozenset(word(n) for n in (column.key, column.header, *column.aliases))


def masked(headers: list[str], cells: list[str]) -> list[str]:
    """The cells with phone numbers masked (columns found by their header)."""
    names = _phone_names()
    out = [pii.mask_phone(cell) if cell and word(header) in names else cell
           for header, cell in zip(headers, cells, strict=False)]
    return out + list(cells[len(headers):])


def may_appoint(user) -> bool:
    return role_assignment_policy.can(user, "manage")


venues = BaseDataFlow(
    kind="venues", namespace="venues", session_key="venues_import", allowed=may_add(venue_policy),
    success_url="venues:list", parent_label=_("科普阵地"), parent_url="venues:list", title=_("批量导入科普阵地"),
    scope_note=_("只能导入您管理的区划或单位的阵地。系统中已有同一区划、类型和名称的阵地时报错；"
                 "在“更新已有”列填“是”则按该行非空的单元格更新。"),
    will_import=UPSERT_WILL, done_message=UPSERT_DONE,
    errors_filename=_("科普阵地导入错误-%(name)s.xlsx"), template_filename=_("科普阵地导入模板.xlsx"),
)

certifications = BaseDataFlow(
    kind="venue_certifications", namespace="venues", session_key="venue_certifications_import",
    allowed=may_add(certification_policy), success_url="venues:list", parent_label=_("科普阵地"),
    parent_url="venues:list", title=_("批量导入阵地认定"), prefix="certifications_import",
    route="certifications/import/",
    scope_note=_("阵地须已登记（按区划和名称查找）。同一阵地、级别和年度的认定按文件更新，空白单元格保留原值。"),
    will_import=UPSERT_WILL, done_message=UPSERT_DONE,
    errors_filename=_("阵地认定导入错误-%(name)s.xlsx"), template_filename=_("阵地认定导入模板.xlsx"),
)

visitors = BaseDataFlow(
    kind="visitor_figures", namespace="venues", session_key="visitor_figures_import",
    allowed=may_add(visitor_figure_policy), success_url="venues:list", parent_label=_("科普阵地"),
    parent_url="venues:list", title=_("批量导入阵地接待人次"), prefix="visitors_import", route="visitors/import/",
    scope_note=_("阵地须已登记（按区划和名称查找）。每个阵地每月一行，已有的按文件更新。"),
    will_import=UPSERT_WILL, done_message=UPSERT_DONE,
    errors_filename=_("接待人次导入错误-%(name)s.xlsx"), template_filename=_("阵地接待人次导入模板.xlsx"),
)

officers = BaseDataFlow(
    kind="village_officers", namespace="venues", session_key="village_officers_import", allowed=may_appoint,
    success_url="venues:coverage", parent_label=_("站栏员覆盖"), parent_url="venues:coverage",
    title=_("批量配备村级科普员"), prefix="officers_import", route="officers/import/",
    scope_note=_("只能为您管理的村（社区）配备。按手机号找到已有账户，没有的新建账户（本人通过找回密码设置密码）；"
                 "已是该村科普员的跳过。"),
    will_import=_("校验通过：将配备 %(n)d 名村级科普员，另有 %(skipped)d 名已是该村科普员（跳过）。"),
    done_message=_("已配备 %(n)d 名村级科普员（文件：%(name)s）。"),
    errors_filename=_("村级科普员导入错误-%(name)s.xlsx"), template_filename=_("村级科普员导入模板.xlsx"),
    preview_cells=masked,
)

urlpatterns: list = [*venues.urlpatterns(), *certifications.urlpatterns(), *visitors.urlpatterns(),
                     *officers.urlpatterns()]
