from __future__ import annotations

from django.db.models import Count, Q

from kepu.core.selectors import audit_entries_visible_to
from kepu.orgs.models import Unit, UnitType
from kepu.orgs.policies import unit_policy
from kepu.regions.models import Region
from kepu.regions.policies import region_policy
from kepu.regions.querysets import subtree_q

from .models import Role, User
from .scope import Grant, scope_of


def home_context(user, grant: Grant | None) -> dict:
    """What a user's start page shows for the chosen working scope."""
    scope = scope_of(user)
    context: dict = {"scope": scope, "grant": grant,
                     "role_label": Role(grant.role).label if grant else ""}
    if grant is not None and grant.unit_id:
        context["unit"] = unit_policy.visible_to(user).select_related("region", "parent").get(pk=grant.unit_id)
        context["unit_children"] = Unit.objects.filter(parent_id=grant.unit_id).count()
        return context
    if grant is not None:
        region = Region.objects.with_latest_population().get(pk=grant.region_id)
    elif scope.platform_admin:
        region = Region.objects.with_latest_population().filter(parent__isnull=True).order_by("path").first()
    else:
        return context
    if region is None:
        return context
    in_subtree = subtree_q([region.path])
    levels = dict(
        Region.objects.filter(in_subtree).exclude(pk=region.pk).values_list("level").annotate(n=Count("id"))
    )
    units_by_type = (
        Unit.objects.filter(subtree_q([region.path], field="region__path"))
        .values("type").annotate(n=Count("id")).order_by("-n")
    )
    context.update(
        region=region,
        region_levels=levels,
        units_by_type=[{**row, "label": UnitType(row["type"]).label} for row in units_by_type],
        unit_total=sum(row["n"] for row in units_by_type),
        children=region_policy.visible_to(user).filter(parent=region).with_latest_population().order_by("code")[:60],
        recent=audit_entries_visible_to(user).filter(subtree_q([region.path], field="scope_path"))[:8]
        if scope.is_staff else [],
    )
    return context


def user_by_login(login: str) -> User | None:
    """The account a login name means: its username (any case) or its phone number."""
    login = login.strip()
    return User.objects.filter(Q(username__iexact=login) | Q(phone=login)).order_by("id").first()
