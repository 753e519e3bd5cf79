from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kepu.core.errors import KepuError
from kepu.orgs.policies import unit_policy
from kepu.regions.policies import region_policy

from . import selectors, services
from .forms import GrantForm, LoginForm
from .middleware import ACTIVE_GRANT_SESSION_KEY, active_grant
from .models import User
from .policies import role_assignment_policy


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        return redirect(_safe_next(request, "/"))
    return render(request, "registration/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


def home(request):
    """Each role's start page: the working region's figures, the unit, or the citizen's welcome."""
    if not request.user.is_authenticated:
        return redirect("public:list")  # visitors start with the public activities
    context = selectors.home_context(request.user, active_grant(request))
    return render(request, "accounts/home.html", context)


@login_required
@require_POST
def switch_scope(request):
    try:
        wanted = int(request.POST.get("grant", ""))
    except ValueError:
        wanted = None
    if wanted not in {g.assignment_id for g in request.scope.grants}:
        messages.error(request, _("无效的工作范围。"))
    else:
        request.session[ACTIVE_GRANT_SESSION_KEY] = wanted
    return redirect(_safe_next(request, "/"))


@login_required
def roles(request):
    if not role_assignment_policy.can(request.user, "manage"):
        raise PermissionDenied
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = User.objects.get(username=data["username"])
        except User.DoesNotExist:
            form.add_error("username", _("没有这个用户。"))
        else:
            try:
                region = region_policy.get_visible(request.user, code=data["region"]) if data["region"] else None
                unit = unit_policy.get_visible(request.user, pk=data["unit"]) if data["unit"] else None
                services.role_grant(actor=request.user, user=user, role=data["role"], region=region, unit=unit)
            except Http404:
                form.add_error("region" if data["region"] else "unit", _("不存在，或不在您的管理范围内。"))
            except PermissionDenied:
                form.add_error(None, _("您不能在该范围授予此角色。"))
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            except KepuError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已授权。"))
                return redirect("accounts:roles")
    qs = role_assignment_policy.visible_to(request.user).order_by("user__username", "role", "id")
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(user__username__icontains=query)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/roles.html", {"form": form, "page": page, "q": query})


@login_required
@require_POST
def revoke(request, pk: int):
    assignment = role_assignment_policy.get_visible(request.user, pk=pk)
    services.role_revoke(actor=request.user, assignment=assignment)
    messages.success(request, _("已撤销授权。"))
    return redirect("accounts:roles")
