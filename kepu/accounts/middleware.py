from django.utils.functional import SimpleLazyObject

from .scope import Grant, scope_of

ACTIVE_GRANT_SESSION_KEY = "kepu_active_grant"


def active_grant(request) -> Grant | None:
    """The role assignment the user chose to work under (the region switcher), or their first."""
    scope = scope_of(request.user)
    wanted = request.session.get(ACTIVE_GRANT_SESSION_KEY) if hasattr(request, "session") else None
    staff_grants = [g for g in scope.grants if g.role != "citizen"]
    for grant in staff_grants:
        if grant.assignment_id == wanted:
            return grant
    return staff_grants[0] if staff_grants else None


class ScopeMiddleware:
    """Resolve the user's scope once per request, lazily (the API resolves its own after auth)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(lambda: scope_of(request.user))
        return self.get_response(request)
