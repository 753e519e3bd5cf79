"""Bulk import of activities by staff: upload, dry run with the errors, then confirm.

The uploaded file waits for the confirm step in the session (base64, when under INLINE_BYTES) or
in a randomly named file under MEDIA_ROOT/imports/; it is validated again when confirmed, against
the uploader's scope, and written all or nothing.
"""

from __future__ import annotations

import base64
import secrets
import time
from functools import wraps
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kepu.core.forms import BootstrapMixin
from kepu.core.imports import (
    ImportResult,
    error_workbook,
    get_importer,
    run_import,
    template_workbook,
)

from kepu.core.exports import xlsx_response
from .staff import can_plan, staff_required

SESSION_KEY = "activities_import"
INLINE_BYTES = 5 * 1024 * 1024
MAX_BYTES = 20 * 1024 * 1024
SUFFIXES = (".xlsx", ".csv")
SHOWN_ERRORS = 200
PREVIEW_ROWS = 20
STALE_SECONDS = 24 * 3600


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("文件"),
                           help_text=gettext_lazy("Excel（.xlsx）或 CSV 文件，第一行为列名；不超过 20 MB。"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(SUFFIXES):
            raise forms.ValidationError(_("请上传 .xlsx 或 .csv 文件。"))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件超过 20 MB，请分批导入。"))
        return upload


def importer_for(user):
    importer = get_importer("activities")
    importer.actor = user  # rows outside the uploader's scope become row errors
    return importer


def planner_required(view):
    """Staff who may plan activities somewhere (region admins, unit liaisons); others get 403."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_plan(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# --- the file waiting for confirmation -------------------------------------------------------------


def _spool_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _forget(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending and pending.get("file"):
        (_spool_dir() / Path(pending["file"]).name).unlink(missing_ok=True)


def _sweep() -> None:
    """Drop files of uploads that were never confirmed (abandoned sessions)."""
    cutoff = time.time() - STALE_SECONDS
    for old in _spool_dir().glob("*"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


def _keep(request, name: str, data: bytes) -> None:
    _forget(request)
    if len(data) < INLINE_BYTES:
        request.session[SESSION_KEY] = {"name": name, "data": base64.b64encode(data).decode()}
        return
    spool = _spool_dir()
    spool.mkdir(parents=True, exist_ok=True)
    _sweep()
    stored = secrets.token_hex(16) + Path(name).suffix.lower()
    (spool / stored).write_bytes(data)
    request.session[SESSION_KEY] = {"name": name, "file": stored}


def _kept(request) -> tuple[str, bytes] | None:
    pending = request.session.get(SESSION_KEY)
    if not pending:
        return None
    if "data" in pending:
        return pending["name"], base64.b64decode(pending["data"])
    stored = _spool_dir() / Path(pending["file"]).name  # never a path out of the spool
    if not stored.is_file():
        request.session.pop(SESSION_KEY, None)
        return None
    return pending["name"], stored.read_bytes()


# --- pages --------------------------------------------------------------------------------------------


def _preview(request, name: str, result: ImportResult):
    return render(request, "activities/import/preview.html", {
        "name": name, "result": result, "errors": result.errors[:SHOWN_ERRORS],
        "hidden_errors": max(0, len(result.errors) - SHOWN_ERRORS),
        "headers": result.headers, "rows": result.rows[:PREVIEW_ROWS],
    })


@planner_required
def upload(request):
    """Step 1 (GET): the form; step 2 (POST): dry run, showing the count or the errors."""
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        result = run_import(importer_for(request.user), data, filename=upload.name, actor=request.user,
                            dry_run=True)
        _keep(request, upload.name, data)
        return _preview(request, upload.name, result)
    return render(request, "activities/import/upload.html",
                  {"form": form, "columns": get_importer("activities").columns})


@require_POST
@planner_required
def confirm(request):
    """Step 3: validate the kept file again and write it, all or nothing."""
    kept = _kept(request)
    if kept is None:
        messages.error(request, _("没有待导入的文件，请重新上传。"))
        return redirect("activities:import")
    name, data = kept
    result = run_import(importer_for(request.user), data, filename=name, actor=request.user)
    if not result.ok:
        return _preview(request, name, result)
    _forget(request)
    messages.success(request, _("已导入 %(n)d 项活动（文件：%(name)s）。") % {"n": result.created, "name": name})
    return redirect("activities:list")


@planner_required
def errors(request):
    """The kept file's rows with an 错误 column, to fix in place and upload again."""
    kept = _kept(request)
    if kept is None:
        raise Http404
    name, data = kept
    result = run_import(importer_for(request.user), data, filename=name, actor=request.user, dry_run=True)
    return xlsx_response(error_workbook(result), _("活动导入错误-%(name)s.xlsx") % {"name": Path(name).stem})


@planner_required
def template(request):
    return xlsx_response(template_workbook(get_importer("activities")), _("科普活动导入模板.xlsx"))


urlpatterns: list = [
    path("import/", upload, name="import"),
    path("import/confirm/", confirm, name="import_confirm"),
    path("import/errors.xlsx", errors, name="import_errors"),
    path("import/template.xlsx", template, name="import_template"),
]
