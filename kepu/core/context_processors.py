"""Template context every page shares."""

from django.utils.functional import SimpleLazyObject

from .notifications import unread_count


def notifications(request):
    """The unread count under the bell: one COUNT, only when a template shows it; none for anonymous."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
