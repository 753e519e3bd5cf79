from django.contrib.auth.backends import ModelBackend

from .models import User
from .selectors import user_by_login


class UsernameOrPhoneBackend(ModelBackend):
    """Log in with the username or, for accounts that have one, the phone number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = user_by_login(username)
        if user is None:
            # Spend the same time as a real check, so a timing probe cannot list accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
