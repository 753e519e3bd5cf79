"""A venue's page: its fields, certifications (add, edit, delete), monthly visitor figures with a
chart, and photos served through the venue's scope check (never from a public media URL)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.core.records import private_response, serve_stored_file
from kepu.core.views_common import staff_required
from kepu.orgs.policies import unit_policy
from kepu.regions.models import Region

from .. import selectors, services
from ..forms import FIRST_YEAR, CertificationForm, PhotoForm, VisitorsForm
from ..models import Certification, Venue, VenuePhoto, VisitorFigure
from ..policies import certification_policy, venue_photo_policy, venue_policy, visitor_figure_policy

THUMB_SIZE = (480, 480)
MAX_THUMB_PIXELS = 50_000_000  # larger pictures are served as they are rather than decoded here


def chosen_year(request) -> int:
    """The year of the visitor figures asked for (`year`), else this year; bad input gives a message."""
    this_year = timezone.localdate().year
    raw = (request.POST.get("year") or request.GET.get("year") or "").strip()
    if not raw:
        return this_year
    if raw.isdigit() and FIRST_YEAR <= int(raw) <= this_year:
        return int(raw)
    messages.error(request, _("年度：“%(year)s”不是有效的年度，已改为显示 %(this)d 年。") % {"year": raw[:10], "this": this_year})
    return this_year


def _detail_url(venue: Venue, year: int | None = None, anchor: str = "") -> str:
    url = reverse("venues:detail", args=[venue.pk])
    if year is not None:
        url += f"?year={year}"
    return url + (f"#{anchor}" if anchor else "")


def _visitors_form(venue: Venue, year: int, data=None) -> VisitorsForm:
    existing = selectors.visitors_by_month(venue, year)
    initial = {"year": year, **{VisitorsForm.month_field(m): n for m, n in existing.items()}}
    return VisitorsForm(data, initial=initial, existing=existing)


def _render_detail(request, venue: Venue, year: int, *, visitors_form=None, photo_form=None, status=200):
    user = request.user
    today = timezone.localdate()
    certifications = list(venue.certifications.all())
    for cert in certifications:
        cert.status = selectors.certification_status(cert, today)
    figures = selectors.visitors_by_month(venue, year)
    can_change = venue_policy.can(user, "change", venue)
    labels = [_("%(month)d 月") % {"month": m} for m in range(1, 13)]
    return render(request, "venues/detail.html", {
        "venue": venue,
        "ancestors": Region.objects.filter(path__in=venue.region.ancestor_paths()).order_by("depth"),
        "unit_visible": venue.unit_id is not None and unit_policy.visible_to(user).filter(pk=venue.unit_id).exists(),
        "certifications": certifications,
        "year": year, "years": sorted({*range(today.year, today.year - 15, -1), year}, reverse=True),
        "figures": [(label, figures.get(m)) for m, label in enumerate(labels, start=1)],
        "year_total": sum(figures.values()),
        "chart": {"label": _("接待人次"), "months": labels, "visitors": [figures.get(m, 0) for m in range(1, 13)]},
        "photos": venue.photos.all(),
        "can_change": can_change,
        "can_delete": venue_policy.can(user, "delete", venue),
        "visitors_form": visitors_form or (_visitors_form(venue, year) if can_change else None),
        "photo_form": photo_form or (PhotoForm() if can_change else None),
    }, status=status)


def _visible_venue(request, pk) -> Venue:
    return venue_policy.get_visible(request.user, pk=pk)


@staff_required
def venue_detail(request, pk):
    venue = _visible_venue(request, pk)
    return _render_detail(request, venue, chosen_year(request))


# --- certifications -----------------------------------------------------------------------------------


def _certification_page(request, venue, form, title, certification=None):
    return render(request, "venues/certification_form.html",
                  {"venue": venue, "form": form, "title": title, "certification": certification},
                  status=400 if form.is_bound and form.errors else 200)


@staff_required
def certification_create(request, pk):
    venue = _visible_venue(request, pk)
    certification_policy.check(request.user, "add", Certification(venue=venue))
    form = CertificationForm(request.POST or None, instance=Certification(venue=venue))
    if request.method == "POST" and form.is_valid():
        try:
            cert = services.certification_create(actor=request.user, venue=venue, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已添加认定“%(title)s”。") % {"title": cert})
            return redirect(_detail_url(venue, anchor="certifications"))
    return _certification_page(request, venue, form, _("添加认定"))


def _certification(request, pk, cid) -> Certification:
    venue = _visible_venue(request, pk)
    return get_object_or_404(Certification.objects.select_related("venue__region"), pk=cid, venue=venue)


@staff_required
def certification_edit(request, pk, cid):
    certification = _certification(request, pk, cid)
    venue = certification.venue
    certification_policy.check(request.user, "change", certification)
    form = CertificationForm(request.POST or None, instance=Certification.objects.get(pk=certification.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.certification_update(actor=request.user, certification=certification, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect(_detail_url(venue, anchor="certifications"))
    return _certification_page(request, venue, form, _("编辑认定"), certification)


@staff_required
@require_POST
def certification_delete(request, pk, cid):
    certification = _certification(request, pk, cid)
    certification_policy.check(request.user, "delete", certification)
    label = str(certification)
    try:
        services.certification_delete(actor=request.user, certification=certification)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除认定“%(title)s”。") % {"title": label})
    return redirect(_detail_url(certification.venue, anchor="certifications"))


# --- visitor figures ----------------------------------------------------------------------------------


@staff_required
@require_POST
def visitors_save(request, pk):
    """Save the months of a year that were typed and differ from what is stored (one service call each)."""
    venue = _visible_venue(request, pk)
    visitor_figure_policy.check(request.user, "change", VisitorFigure(venue=venue))
    raw = request.POST.get("year", "").strip()
    this_year = timezone.localdate().year
    if not (raw.isdigit() and FIRST_YEAR <= int(raw) <= this_year):
        messages.error(request, _("未保存：年度“%(year)s”无效。") % {"year": raw[:10]})
        return redirect(_detail_url(venue, anchor="visitors"))
    year = int(raw)
    form = _visitors_form(venue, year, request.POST)
    if not form.is_valid():
        return _render_detail(request, venue, year, visitors_form=form, status=400)
    changed = form.changed_months()
    try:
        with transaction.atomic():
            for month, visitors in changed:
                services.visitors_set(actor=request.user, venue=venue, year=year, month=month, visitors=visitors)
    except (ValidationError, KepuError) as exc:
        add_service_errors(form, exc)
        return _render_detail(request, venue, year, visitors_form=form, status=400)
    if changed:
        messages.success(request, _("已保存 %(year)d 年 %(n)d 个月的接待人次。") % {"year": year, "n": len(changed)})
    else:
        messages.info(request, _("接待人次没有变化。"))
    return redirect(_detail_url(venue, year, "visitors"))


# --- photos -------------------------------------------------------------------------------------------


@staff_required
@require_POST
def photo_upload(request, pk):
    venue = _visible_venue(request, pk)
    venue_photo_policy.check(request.user, "change", VenuePhoto(venue=venue))
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.photo_add(actor=request.user, venue=venue, upload=form.cleaned_data["photo"],
                               description=form.cleaned_data["description"])
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已上传照片。"))
            return redirect(_detail_url(venue, anchor="photos"))
    return _render_detail(request, venue, chosen_year(request), photo_form=form, status=400)


def _photo(request, pk, photo_pk) -> VenuePhoto:
    venue = _visible_venue(request, pk)
    return get_object_or_404(VenuePhoto.objects.select_related("venue__region"), pk=photo_pk, venue=venue)


def _thumbnail(photo: VenuePhoto) -> bytes | None:
    """A small JPEG of the photo, or None when it cannot be made (the original is served instead)."""
    try:
        from PIL import Image, ImageOps
    except ImportError:  # Pillow comes with reportlab; without it the page shows the originals
        return None
    try:
        with photo.file.open("rb") as handle, Image.open(handle) as image:
            if image.width * image.height > MAX_THUMB_PIXELS:
                return None
            image.draft("RGB", THUMB_SIZE)  # JPEG decodes at a fraction of the size: far less memory
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


@staff_required
def photo(request, pk, photo_pk):
    """A photo (or its thumbnail with `?thumb=1`) for a user who may see the venue."""
    item = _photo(request, pk, photo_pk)
    if request.GET.get("thumb") == "1":
        data = _thumbnail(item)
        if data is not None:
            return private_response(HttpResponse(data, content_type="image/jpeg"))
    return serve_stored_file(item)


@staff_required
@require_POST
def photo_delete(request, pk, photo_pk):
    item = _photo(request, pk, photo_pk)
    venue_photo_policy.check(request.user, "change", item)
    try:
        services.photo_remove(actor=request.user, photo=item)
    except KepuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除照片“%(name)s”。") % {"name": item.original_name})
    return redirect(_detail_url(item.venue, anchor="photos"))


urlpatterns = [
    path("<int:pk>/", venue_detail, name="detail"),
    path("<int:pk>/certifications/new/", certification_create, name="certification_create"),
    path("<int:pk>/certifications/<int:cid>/edit/", certification_edit, name="certification_edit"),
    path("<int:pk>/certifications/<int:cid>/delete/", certification_delete, name="certification_delete"),
    path("<int:pk>/visitors/", visitors_save, name="visitors"),
    path("<int:pk>/photos/", photo_upload, name="photo_upload"),
    path("<int:pk>/photos/<int:photo_pk>/", photo, name="photo"),
    path("<int:pk>/photos/<int:photo_pk>/delete/", photo_delete, name="photo_delete"),
]
