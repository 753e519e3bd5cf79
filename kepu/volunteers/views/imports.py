"""Staff import pages: the roster (/volunteers/import/) and service records (/volunteers/records/import/).

Both are the shared upload → dry run → confirm flow (kepu.core.import_views). Who may open them is
volunteer_policy's "import" (region admins, unit liaisons, team leaders); each row is then checked
against the uploader's scope, and a row outside it is a row error. The preview masks ID and phone
numbers: the page shows no full number, even the uploader's own.
"""

from __future__ import annotations

from functools import cache

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from kepu.core import pii
from kepu.core.import_views import ImportFlow

from ..importers import ServiceRecordImporter, VolunteerImporter
from ..policies import volunteer_policy


def may_import(user) -> bool:
    return volunteer_policy.can(user, "import")


@cache
def _sensitive_names() -> tuple[frozenset[str], frozenset[str]]:
    """The (normalized) headers that hold ID numbers, and those that hold phone numbers."""
    columns = [c for importer in (VolunteerImporter(), ServiceRecordImporter()) for c in importer.columns]
    ids = frozenset().union(*(c.names() for c in columns if c.key == "id_number"))
    phones = frozenset().union(*(c.names() for c in columns if c.key in ("phone", "guardian_phone")))
    return ids, phones


def masked(headers: list[str], cells: list[str]) -> list[str]:
    """The preview's cells with ID and phone numbers masked (columns found by their header)."""
    id_names, phone_names = _sensitive_names()
    out = []
    for header, cell in zip(headers, cells, strict=False):
        name = "".join(str(header).split()).lower().replace("（", "(").replace("）", ")")
        if cell and name in id_names:
            cell = pii.mask_id(cell)
        elif cell and name in phone_names:
            cell = pii.mask_phone(cell)
        out.append(cell)
    return out + list(cells[len(headers):])


roster = ImportFlow(
    kind="volunteers", namespace="volunteers", session_key="volunteers_import", allowed=may_import,
    success_url="volunteers:list", parent_label=_("科技志愿者"), parent_url="volunteers:list",
    title=_("批量导入科技志愿者"),
    scope_note=_("只能导入您管理范围内的区划、单位或服务队的志愿者；已登记的身份证号码不会被覆盖，而是报错。"),
    will_import=ngettext_lazy("校验通过：将导入 %(n)d 名志愿者。", "校验通过：将导入 %(n)d 名志愿者。", "n"),
    ok_note=_("志愿者编号在确认导入时按区县统一编排。"),
    done_message=_("已导入 %(n)d 名志愿者（文件：%(name)s）。"),
    errors_filename=_("志愿者导入错误-%(name)s.xlsx"), template_filename=_("科技志愿者导入模板.xlsx"),
    preview_cells=masked,
)

records = ImportFlow(
    kind="service_records", namespace="volunteers", session_key="volunteer_records_import", allowed=may_import,
    success_url="volunteers:records", parent_label=_("服务记录"), parent_url="volunteers:records",
    title=_("批量导入志愿服务记录"), prefix="records_import", route="records/import/",
    scope_note=_("只能导入您管理的服务队或区划的服务记录；志愿者须已登记，填写服务队时须是该队成员。"),
    will_import=ngettext_lazy("校验通过：将导入 %(n)d 条服务记录。", "校验通过：将导入 %(n)d 条服务记录。", "n"),
    ok_note=_("“已认定”为“是”的记录导入即认定并计入服务时长，其余为待审核。"),
    done_message=_("已导入 %(n)d 条服务记录（文件：%(name)s）。"),
    errors_filename=_("服务记录导入错误-%(name)s.xlsx"), template_filename=_("志愿服务记录导入模板.xlsx"),
    preview_cells=masked,
)

urlpatterns: list = [*roster.urlpatterns(), *records.urlpatterns()]
