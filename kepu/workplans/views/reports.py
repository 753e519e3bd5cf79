"""Word and Excel: the yearly progress report, the 任务分解表 tracking sheet and the 督查通报 bulletin.

The progress report and the tracking sheet are for whoever sees the plan (a liaison's hold only its
units' tasks, and are about its unit when it has one); the bulletin is for the plan's owners and
reviewers.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kepu.accounts.scope import scope_of
from kepu.core.exports import xlsx_response
from kepu.core.views_common import staff_required
from kepu.core.word import docx_response
from kepu.orgs.models import Unit

from .. import reports as documents
from ..models import Plan
from ..policies import assignment_policy, plan_policy
from .plans import plan_context


def _plan(request, pk) -> Plan:
    """The plan if the user sees it, else 404 (the same as if it did not exist)."""
    plans = plan_policy.visible_to(request.user).select_related("region", "issuer_unit__region")
    return get_object_or_404(plans, pk=pk)


class BadInput(Exception):
    """A query parameter that names nothing the user may have; the message says which."""


def _unit(request, plan: Plan) -> Unit | None:
    """The unit a document is about: `?unit=` (a unit whose tasks of the plan the user sees), else the
    liaison's own unit when it has exactly one in the plan, else None (the whole plan)."""
    user = request.user
    answering = Unit.objects.filter(pk__in=assignment_policy.visible_to(user).filter(task__plan=plan)
                                    .values("unit_id")).select_related("region")
    raw = request.GET.get("unit", "").strip()
    if not raw:
        if scope_of(user).covers_path(plan.region_path):
            return None
        units = list(answering[:2])
        return units[0] if len(units) == 1 else None
    valid = raw.isascii() and raw.isdigit() and len(raw) < 19  # an id, not ² or 10**30
    unit = answering.filter(pk=int(raw)).first() if valid else None
    if unit is None:
        raise BadInput(_("单位：“%(value)s”不是本计划中您可查看的成员单位。") % {"value": raw[:20]})
    return unit


def _bulletin_day(request) -> datetime.date:
    """`?date=` (YYYY-MM-DD), else today; a bad date gives a message and today."""
    today = timezone.localdate()
    raw = request.GET.get("date", "").strip()
    if not raw:
        return today
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        day = None
    if day is None or not 1949 <= day.year <= 2100:
        messages.error(request, _("通报日期：“%(value)s”不是有效的日期，请写成 2022-07-20 这样的格式；已改为今天。")
                       % {"value": raw[:20]})
        return today
    return day


def _bulletin(request, pk):
    plan = _plan(request, pk)
    plan_policy.check(request.user, "review", plan)
    return documents.bulletin_data(plan, request.user, _bulletin_day(request))


def _progress_document(request, pk, build, respond):
    """The progress report or the tracking sheet of the plan, or of the unit asked for."""
    plan = _plan(request, pk)
    try:
        unit = _unit(request, plan)
    except BadInput as exc:
        messages.error(request, str(exc))
        return redirect("workplans:plan_detail", pk=plan.pk)
    name, data = build(plan, request.user, unit=unit, today=timezone.localdate())
    return respond(data, name)


@staff_required
@require_GET
def plan_report_docx(request, pk):
    return _progress_document(request, pk, documents.progress_report, docx_response)


@staff_required
@require_GET
def plan_tracking_xlsx(request, pk):
    return _progress_document(request, pk, documents.tracking_sheet, xlsx_response)


@staff_required
@require_GET
def bulletin(request, pk):
    b = _bulletin(request, pk)
    return render(request, "workplans/bulletin.html", {**plan_context(request, b.plan, "bulletin"), "bulletin": b,
                                                       "day": b.today})


@staff_required
@require_GET
def bulletin_docx(request, pk):
    b = _bulletin(request, pk)
    return docx_response(documents.bulletin_docx(b), documents.bulletin_filename(b.plan, b.today, "docx"))


@staff_required
@require_GET
def bulletin_xlsx(request, pk):
    b = _bulletin(request, pk)
    return xlsx_response(documents.bulletin_workbook(b), documents.bulletin_filename(b.plan, b.today, "xlsx"))


urlpatterns = [
    path("plans/<int:pk>/report.docx", plan_report_docx, name="plan_report_docx"),
    path("plans/<int:pk>/tracking.xlsx", plan_tracking_xlsx, name="plan_tracking_xlsx"),
    path("plans/<int:pk>/bulletin/", bulletin, name="bulletin"),
    path("plans/<int:pk>/bulletin.docx", bulletin_docx, name="bulletin_docx"),
    path("plans/<int:pk>/bulletin.xlsx", bulletin_xlsx, name="bulletin_xlsx"),
]
