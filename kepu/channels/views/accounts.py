"""New-media accounts: the list with a year's figures, an account's page with all its years, creating,
editing and deleting accounts, and entering a year's figures."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kepu.core.views_common import CappedPaginator, staff_required, working_region

from .. import selectors, services
from ..forms import AccountFilterForm, AccountForm, AccountYearForm
from ..models import AccountYear, NewMediaAccount
from ..policies import account_policy
from .common import PAGE_SIZE, confirm_delete, page_region, save_form, year_choices

ACCOUNT_REFUSED = gettext_lazy("您不能在所填区域以该单位的名义登记账号：请填写您工作范围内的区划代码，或选择您负责的单位。")


def _list_url(region_code: str = "") -> str:
    return reverse("channels:accounts") + ("?" + urlencode({"region": region_code}) if region_code else "")


@staff_required
def account_list(request):
    user = request.user
    form = AccountFilterForm(request.GET, user=user)
    region = page_region(request, form)
    if form.is_valid():
        data = form.cleaned_data
        year = data["year"]
        qs = selectors.account_list(user, region=region, year=year, platform=data["platform"], query=data["q"])
    else:
        year, qs = timezone.localdate().year, NewMediaAccount.objects.none()
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for account in page:
        account.figures = account.year_rows[0] if account.year_rows else None
        account.can_change = account_policy.can(user, "change", account)
    return render(request, "channels/accounts/list.html", {
        "form": form, "errors": form.error_list(), "region": region, "year": year, "years": year_choices(),
        "page": page, "totals": selectors.account_year_totals(qs, year), "can_add": account_policy.can(user, "add"),
    })


@staff_required
def account_create(request):
    account_policy.check(request.user, "add")
    form = AccountForm(request.POST or None, user=request.user, default_region=working_region(request))
    if request.method == "POST" and form.is_valid():
        account = save_form(form, lambda: services.account_create(actor=request.user, **form.service_fields()),
                            refused_field="region_code", refused=ACCOUNT_REFUSED)
        if account is not None:
            messages.success(request, _("已登记账号“%(name)s”，请填写它的年度数据。") % {"name": account.name})
            return redirect("channels:account_detail", pk=account.pk)
    return render(request, "channels/form.html", {"form": form, "title": _("登记新媒体账号"), "back": _list_url(),
                                                  "tab": "accounts"})


def _detail(request, account, year_form=None, status=200):
    user = request.user
    can_change = account_policy.can(user, "change", account)
    if year_form is None and can_change:
        raw = request.GET.get("year", "")
        year = int(raw) if raw.isdigit() else timezone.localdate().year
        row = AccountYear.objects.filter(account=account, year=year).first()
        initial = {"year": year, **({name: getattr(row, name) for name in ("followers", "posts", "reads")}
                                    if row else {})}
        year_form = AccountYearForm(initial=initial)
    return render(request, "channels/accounts/detail.html", {
        "account": account, "years": account.years.all(), "year_form": year_form, "can_change": can_change,
        "back": _list_url(account.region.code), "tab": "accounts",
    }, status=status)


@staff_required
def account_detail(request, pk):
    account = account_policy.get_visible(request.user, pk=pk)
    return _detail(request, account)


@staff_required
@require_POST
def account_year(request, pk):
    account = account_policy.get_visible(request.user, pk=pk)
    account_policy.check(request.user, "change", account)
    form = AccountYearForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        year = data.pop("year")
        saved = save_form(form, lambda: services.account_year_set(actor=request.user, account=account, year=year,
                                                                  **data),
                          refused_field="", refused=_("您不能修改该账号的数据。"))
        if saved is not None:
            messages.success(request, _("已保存 %(year)d 年数据。") % {"year": year})
            return redirect("channels:account_detail", pk=account.pk)
    return _detail(request, account, form, status=400)


@staff_required
def account_edit(request, pk):
    account = account_policy.get_visible(request.user, pk=pk)
    account_policy.check(request.user, "change", account)
    form = AccountForm(request.POST or None, user=request.user, instance=account)
    if request.method == "POST" and form.is_valid():
        saved = save_form(form, lambda: services.account_update(actor=request.user, account=account,
                                                                **form.service_fields()),
                          refused_field="region_code", refused=ACCOUNT_REFUSED)
        if saved is not None:
            messages.success(request, _("已保存。"))
            return redirect("channels:account_detail", pk=account.pk)
    return render(request, "channels/form.html", {
        "form": form, "title": _("编辑新媒体账号"), "subject": account, "tab": "accounts",
        "back": reverse("channels:account_detail", args=[account.pk])})


@staff_required
def account_delete(request, pk):
    account = account_policy.get_visible(request.user, pk=pk)
    account_policy.check(request.user, "delete", account)
    years = account.years.count()
    return confirm_delete(request, obj=account, what=_("新媒体账号"),
                          consequences=[_("同时删除它的 %(n)d 个年度数据。") % {"n": years}] if years else [],
                          delete=lambda: services.account_delete(actor=request.user, account=account),
                          done=_list_url(account.region.code),
                          back=reverse("channels:account_detail", args=[account.pk]))
