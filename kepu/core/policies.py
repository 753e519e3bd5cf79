"""One policy object per model, used by HTML views and the API alike (after Wagtail's)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404


class Policy:
    """Answers "what may this user see" and "may this user do this to this object"."""

    model: type[models.Model]

    def visible_to(self, user) -> models.QuerySet:
        raise NotImplementedError

    def can(self, user, action: str, obj: models.Model | None = None) -> bool:
        """Whether the user may do `action` (to `obj`); `user=None` is the system itself."""
        if user is None:  # commands, tasks, imports run by the operator
            return True
        if action == "view":
            return obj is None or self.visible_to(user).filter(pk=obj.pk).exists()
        from kepu.accounts.scope import scope_of

        scope = scope_of(user)
        return scope.platform_admin or self.allows(scope, action, obj)

    def allows(self, scope, action: str, obj: models.Model | None) -> bool:
        """The model's own rule for a user who is not a platform admin."""
        raise NotImplementedError

    def get_visible(self, user, **lookup) -> models.Model:
        """The object if the user may see it; otherwise 404, the same as if it did not exist."""
        try:
            return self.visible_to(user).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc

    def check(self, user, action: str, obj: models.Model | None = None) -> None:
        if not self.can(user, action, obj):
            raise PermissionDenied
