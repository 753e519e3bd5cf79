from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.regions.policies import region_policy

from . import selectors, services
from .forms import UnitForm
from .models import UnitType
from .policies import unit_policy


@login_required
def unit_list(request):
    if not region_policy.can_browse(request.user):
        raise PermissionDenied
    region_code = request.GET.get("region", "").strip()
    region = region_policy.get_visible(request.user, code=region_code) if region_code else None
    types = [t for t in request.GET.getlist("type") if t in UnitType.values]
    query = request.GET.get("q", "").strip()
    page = Paginator(selectors.unit_list(request.user, region=region, types=types, query=query), 50)\
        .get_page(request.GET.get("page"))
    context = {"page": page, "region": region, "types": types, "q": query, "type_choices": UnitType.choices}
    template = "orgs/partials/_results.html" if request.htmx else "orgs/list.html"
    return render(request, template, context)


@login_required
def detail(request, pk):
    unit = unit_policy.get_visible(request.user, pk=pk)
    return render(request, "orgs/detail.html", {
        "unit": unit,
        "children": unit_policy.visible_to(request.user).filter(parent=unit).order_by("name")[:100],
        "can_change": unit_policy.can(request.user, "change", unit),
    })


@login_required
def create(request):
    region = region_policy.get_visible(request.user, code=request.GET.get("region", "").strip())
    unit_policy.check(request.user, "add", region)
    form = UnitForm(request.POST or None, parent_choices=selectors.parent_choices(request.user, region))
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, region=region, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已新增单位。"))
            return redirect("orgs:detail", pk=unit.pk)
    return render(request, "orgs/form.html", {"form": form, "region": region, "title": _("在 %(name)s 新增单位") % {"name": region.name}})


@login_required
def edit(request, pk):
    unit = unit_policy.get_visible(request.user, pk=pk)
    unit_policy.check(request.user, "change", unit)
    only = unit_policy.changeable_fields(request.user, unit)
    form = UnitForm(request.POST or None, instance=unit, only_fields=only,
                    parent_choices=selectors.parent_choices(request.user, unit.region))
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=request.user, unit=unit, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("orgs:detail", pk=unit.pk)
    return render(request, "orgs/form.html", {"form": form, "region": unit.region, "unit": unit, "title": _("编辑单位")})
