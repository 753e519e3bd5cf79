from django.utils.functional import SimpleLazyObject

from .scope import scope_of

ACTIVE_GRANT_SESSION_KEY = "kepu_active_grant"


def _active_grant(request):
    scope = scope_of(request.user)
    wanted = request.session.get(ACTIVE_GRANT_SESSION_KEY) if hasattr(request, "session") else None
    staff_grants = [g for g in scope.grants if g.role != "citizen"]
    for grant in staff_grants:
        if grant.assignment_id == wanted:
            return grant
    return staff_grants[0] if staff_grants else None


class ScopeMiddleware:
    """Resolve the user's scope and chosen working region once per request, lazily."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(lambda: scope_of(request.user))
        request.active_grant = SimpleLazyObject(lambda: _active_grant(request))
        return self.get_response(request)
