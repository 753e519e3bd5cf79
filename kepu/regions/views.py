from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.errors import KepuError
from kepu.core.forms import add_service_errors
from kepu.orgs.models import Unit

from . import selectors, services
from .forms import PopulationForm, RegionCreateForm, RegionEditForm
from .policies import region_policy


def _staff_only(user):
    if not region_policy.can_browse(user):
        raise PermissionDenied



@login_required
def browse(request):
    """The region tree from the top of what the user may see, or search results."""
    _staff_only(request.user)
    query = request.GET.get("q", "").strip()
    context = {"q": query}
    if query:
        context["results"] = selectors.region_search(request.user, query)
    else:
        context["nodes"] = selectors.region_roots(request.user)
    return render(request, "regions/browse.html", context)


@login_required
def children(request, code):
    """The htmx fragment that opens one node of the tree."""
    _staff_only(request.user)
    region = region_policy.get_visible(request.user, code=code)
    return render(request, "regions/partials/_nodes.html", {"nodes": selectors.region_children(request.user, region)})


def _detail_context(request, region, population_form=None) -> dict:
    kids = Paginator(selectors.region_children(request.user, region), 100).get_page(request.GET.get("page"))
    can_change = region_policy.can(request.user, "change", region)
    return {
        "region": region,
        "breadcrumbs": selectors.region_breadcrumbs(request.user, region)[:-1],
        "page": kids,
        "populations": region.populations.all()[:10],
        "units": Unit.objects.filter(region=region).order_by("name")[:50],
        "unit_count": Unit.objects.filter(region=region).count(),
        "can_change": can_change,
        "population_form": population_form or (PopulationForm() if can_change else None),
    }


@login_required
def detail(request, code):
    _staff_only(request.user)
    region = region_policy.get_visible(request.user, code=code)
    return render(request, "regions/detail.html", _detail_context(request, region))


@login_required
def edit(request, code):
    region = region_policy.get_visible(request.user, code=code)
    region_policy.check(request.user, "change", region)
    form = RegionEditForm(request.POST or None, instance=region)
    if request.method == "POST" and form.is_valid():
        try:
            services.region_update(actor=request.user, region=region, **form.service_fields())
        except (ValidationError, KepuError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("regions:detail", code=region.code)
    return render(request, "regions/form.html", {"form": form, "region": region, "title": _("编辑区划")})


@login_required
def create_child(request, code):
    parent = region_policy.get_visible(request.user, code=code)
    region_policy.check(request.user, "add_child", parent)
    form = RegionCreateForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            region = services.region_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已新增区划 %(name)s。") % {"name": region.name})
            return redirect("regions:detail", code=region.code)
    return render(request, "regions/form.html", {"form": form, "region": parent,
                                                 "title": _("在 %(name)s 下新增区划") % {"name": parent.name}})


@login_required
@require_POST
def set_population(request, code):
    region = region_policy.get_visible(request.user, code=code)
    region_policy.check(request.user, "set_population", region)
    form = PopulationForm(request.POST)
    if form.is_valid():
        try:
            services.population_set(actor=request.user, region=region, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存 %(year)s 年常住人口。") % {"year": form.cleaned_data["year"]})
            return redirect("regions:detail", code=region.code)
    messages.error(request, _("常住人口未保存，请检查下方标出的项目。"))
    return render(request, "regions/detail.html", _detail_context(request, region, form), status=400)
