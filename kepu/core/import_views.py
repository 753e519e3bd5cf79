"""Staff import pages for any importer: upload, dry run with the errors, confirm; the error workbook and the template.

An app builds one `ImportFlow` per importer kind and adds its `urlpatterns()` to its own:

    flow = ImportFlow(kind="activities", namespace="activities", session_key="activities_import",
                      allowed=can_plan, success_url="activities:list", ...)
    urlpatterns = flow.urlpatterns()  # import/, import/confirm/, import/errors.xlsx, import/template.xlsx

The uploaded file waits for the confirm step encrypted (Fernet, under a key derived from the PII
key: a roster holds ID numbers), in the session when it is small, otherwise in a randomly named
file under MEDIA_ROOT/imports/. It is validated again when confirmed, against the uploader's scope,
and written all or nothing. Uploads never confirmed are swept after a day.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .exports import xlsx_response
from .forms import BootstrapMixin
from .imports import (
    Importer,
    ImportResult,
    error_workbook,
    get_importer,
    run_import,
    template_workbook,
)

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


@cache
def _fernet() -> Fernet:
    # Its own key, derived from the PII key: a kept upload is personal data like the stored numbers.
    key = hashlib.sha256(b"kepu-import-spool:" + settings.PII_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _spool_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _sweep() -> None:
    """Drop files of uploads that were never confirmed (abandoned sessions)."""
    cutoff = time.time() - STALE_SECONDS
    for old in _spool_dir().glob("*"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


@dataclass(kw_only=True)
class ImportFlow:
    """The four views of one import kind, parameterized by the labels and the permission.

    `allowed(user)` says who may use the pages (signed-in users without it get 403; the importer
    still checks each row against the uploader's scope); `importer(user)` returns the importer for
    an uploader (by default the registered one with `actor` set to the user); `preview_cells(headers,
    cells)` may mask cells shown on the page (ID and phone numbers); `inline_bytes` (a number or a
    function giving one) is the size under which an upload waits in the session.
    """

    kind: str
    namespace: str  # of the URL names
    session_key: str
    allowed: Callable[[object], bool]
    success_url: str  # URL name to go to after a confirmed import
    title: str  # 批量导入科普活动
    parent_label: str  # the breadcrumb above: 科普活动
    parent_url: str  # its URL name
    will_import: str  # ngettext_lazy(..., "n"): 校验通过：将导入 %(n)d 项活动。
    done_message: str  # 已导入 %(n)d 项活动（文件：%(name)s）。
    errors_filename: str  # 活动导入错误-%(name)s.xlsx
    template_filename: str
    scope_note: str = ""
    ok_note: str = ""
    prefix: str = "import"  # the URL names: import, import_confirm, import_errors, import_template
    route: str = "import/"
    importer: Callable[[object], Importer] | None = None
    preview_cells: Callable[[list[str], list[str]], list[str]] | None = None
    inline_bytes: int | Callable[[], int] = INLINE_BYTES

    # --- wiring --------------------------------------------------------------------------------------

    def make_importer(self, user) -> Importer:
        if self.importer is not None:
            return self.importer(user)
        importer = get_importer(self.kind)
        importer.actor = user  # rows outside the uploader's scope become row errors
        return importer

    def url_name(self, step: str = "") -> str:
        return f"{self.prefix}_{step}" if step else self.prefix

    def _url(self, step: str = "") -> str:
        return reverse(f"{self.namespace}:{self.url_name(step)}")

    def urlpatterns(self) -> list:
        route = self.route
        return [
            path(route, self._guard(self.upload), name=self.url_name()),
            path(f"{route}confirm/", require_POST(self._guard(self.confirm)), name=self.url_name("confirm")),
            path(f"{route}errors.xlsx", self._guard(self.errors), name=self.url_name("errors")),
            path(f"{route}template.xlsx", self._guard(self.template), name=self.url_name("template")),
        ]

    def _guard(self, view):
        """Signed in (else the login page) and allowed to import this kind (else 403)."""

        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not self.allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    # --- the file waiting for confirmation ----------------------------------------------------------

    def _inline_limit(self) -> int:
        return self.inline_bytes() if callable(self.inline_bytes) else self.inline_bytes

    def _forget(self, request) -> None:
        pending = request.session.pop(self.session_key, None)
        if pending and pending.get("file"):
            (_spool_dir() / Path(pending["file"]).name).unlink(missing_ok=True)

    def _keep(self, request, name: str, data: bytes) -> None:
        self._forget(request)
        token = _fernet().encrypt(data)
        if len(data) < self._inline_limit():
            request.session[self.session_key] = {"name": name, "data": token.decode()}
            return
        spool = _spool_dir()
        spool.mkdir(parents=True, exist_ok=True)
        _sweep()
        stored = secrets.token_hex(16) + Path(name).suffix.lower()
        (spool / stored).write_bytes(token)
        request.session[self.session_key] = {"name": name, "file": stored}

    def _kept(self, request) -> tuple[str, bytes] | None:
        pending = request.session.get(self.session_key)
        if not pending:
            return None
        if "data" in pending:
            token = pending["data"].encode()
        else:
            stored = _spool_dir() / Path(pending["file"]).name  # never a path out of the spool
            if not stored.is_file():
                request.session.pop(self.session_key, None)
                return None
            token = stored.read_bytes()
        try:
            return pending["name"], _fernet().decrypt(token, ttl=STALE_SECONDS)
        except InvalidToken:  # older than a day, or the key changed
            self._forget(request)
            return None

    # --- pages --------------------------------------------------------------------------------------

    def _context(self) -> dict:
        return {
            "flow": self, "upload_url": self._url(), "confirm_url": self._url("confirm"),
            "errors_url": self._url("errors"), "template_url": self._url("template"),
            "parent_href": reverse(self.parent_url),
        }

    def _preview(self, request, name: str, result: ImportResult):
        rows = result.rows[:PREVIEW_ROWS]
        if self.preview_cells is not None:
            rows = [(n, self.preview_cells(result.headers, cells)) for n, cells in rows]
        return render(request, "core/import/preview.html", {
            **self._context(), "name": name, "result": result, "errors": result.errors[:SHOWN_ERRORS],
            "hidden_errors": max(0, len(result.errors) - SHOWN_ERRORS), "headers": result.headers, "rows": rows,
            "will_import": self.will_import % {"n": result.created},
        })

    def upload(self, request):
        """Step 1 (GET): the form; step 2 (POST): dry run, showing the count or the errors."""
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
        if form.is_bound and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            result = run_import(self.make_importer(request.user), data, filename=upload.name, actor=request.user,
                                dry_run=True)
            self._keep(request, upload.name, data)
            return self._preview(request, upload.name, result)
        return render(request, "core/import/upload.html",
                      {**self._context(), "form": form, "columns": get_importer(self.kind).columns})

    def confirm(self, request):
        """Step 3: validate the kept file again and write it, all or nothing."""
        kept = self._kept(request)
        if kept is None:
            messages.error(request, _("没有待导入的文件，请重新上传。"))
            return redirect(self._url())
        name, data = kept
        result = run_import(self.make_importer(request.user), data, filename=name, actor=request.user)
        if not result.ok:
            return self._preview(request, name, result)
        self._forget(request)
        messages.success(request, self.done_message % {"n": result.created, "name": name})
        return redirect(self.success_url)

    def errors(self, request):
        """The kept file's rows with an 错误 column, to fix in place and upload again."""
        kept = self._kept(request)
        if kept is None:
            raise Http404
        name, data = kept
        result = run_import(self.make_importer(request.user), data, filename=name, actor=request.user,
                            dry_run=True)
        return xlsx_response(error_workbook(result), self.errors_filename % {"name": Path(name).stem})

    def template(self, request):
        return xlsx_response(template_workbook(get_importer(self.kind)), str(self.template_filename))
