"""Bulk import of activities by staff: upload, dry run with the errors, then confirm (kepu.core.import_views)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from kepu.accounts.scope import scope_of
from kepu.core.import_views import ImportFlow

from .staff import can_plan

# Uploads smaller than this wait in the session, larger ones in a file (read at upload time).
INLINE_BYTES = 5 * 1024 * 1024


def may_import(user) -> bool:
    """Staff who may plan activities somewhere (region admins, unit liaisons)."""
    return scope_of(user).is_staff and can_plan(user)


flow = ImportFlow(
    kind="activities", namespace="activities", session_key="activities_import", allowed=may_import,
    success_url="activities:list", parent_label=_("科普活动"), parent_url="activities:list",
    title=_("批量导入科普活动"),
    scope_note=_("只能导入您管理范围内的单位和区划的活动。"),
    will_import=ngettext_lazy("校验通过：将导入 %(n)d 项活动。", "校验通过：将导入 %(n)d 项活动。", "n"),
    ok_note=_("填写了参与人次的活动按“已报送”导入；已结束而未填参与人次的为“已结束”（待报送）；尚未开始的为草稿。"),
    done_message=_("已导入 %(n)d 项活动（文件：%(name)s）。"),
    errors_filename=_("活动导入错误-%(name)s.xlsx"), template_filename=_("科普活动导入模板.xlsx"),
    inline_bytes=lambda: INLINE_BYTES,
)

urlpatterns: list = flow.urlpatterns()
