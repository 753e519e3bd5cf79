"""What the channels pages share: the region a page is about, measure values in words, the save and
delete steps every form page takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kepu.accounts.scope import STAFF_ROLES, scope_of
from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.core.measures import MeasureValue, reason_text
from kepu.core.views_common import working_region
from kepu.regions.models import Region

PAGE_SIZE = 50
FIRST_YEAR = 2018


def year_choices() -> range:
    return range(timezone.localdate().year + 1, FIRST_YEAR - 1, -1)


def page_region(request, form) -> Region | None:
    """The region a list is about: the one asked for, else the user's working region."""
    if not form.is_valid():
        return None
    return form.region_obj or working_region(request)


def covers(user, region: Region | None) -> bool:
    """Whether the user's region scope holds all of the region (whole-region figures may be shown)."""
    scope = scope_of(user)
    return region is not None and (scope.platform_admin or scope.covers_path(region.path, STAFF_ROLES))


@dataclass(frozen=True)
class Shown:
    """A measure value as the page shows it: the figure, or "无数据" and why."""

    text: str
    reason: str = ""
    url: str = ""
    key: str = ""  # the measure's key, and its label (a table cell's heading on phones)
    label: str = ""

    @property
    def missing(self) -> bool:
        return bool(self.reason)


def shown_percent(value: MeasureValue, digits: int = 2) -> Shown:
    """A ratio as a percentage, or "无数据" and why."""
    if value.value is None:
        return Shown(_("无数据"), reason_text(value.reason or "no_data"), value.records_url)
    return Shown(f"{value.value * 100:,.{digits}f}%", url=value.records_url)


def error_text(exc: ValidationError | KepuError) -> str:
    return exc.message if isinstance(exc, KepuError) else "；".join(exc.messages)


def save_form(form, write: Callable[[], object], *, refused_field: str, refused: str) -> object | None:
    """Run a service with the form's values and return what it wrote, or None: its refusals land on the
    form, a refusal of the place or unit (PermissionDenied) on `refused_field`."""
    try:
        return write()
    except (ValidationError, KepuError) as exc:
        add_service_errors(form, exc)
    except PermissionDenied:
        form.add_error(refused_field if refused_field in form.fields else None, refused)
    return None


def confirm_delete(request, *, obj, what: str, delete: Callable[[], None], done: str, back: str,
                   consequences: list[str] | None = None):
    """The delete page: a confirmation on GET, the service on POST (a refusal is shown, not raised)."""
    if request.method == "POST":
        name = str(obj)
        try:
            delete()
        except KepuError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, _("已删除%(what)s“%(name)s”。") % {"what": what, "name": name})
        return redirect(done)
    return render(request, "channels/confirm_delete.html", {"obj": obj, "what": what, "back": back,
                                                             "consequences": consequences or []})
