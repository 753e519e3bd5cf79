from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django_tasks import task

from .models import User


@task()
def notify_login_locked(user_id: int, minutes: int) -> bool:
    """Tell an account's owner by e-mail that repeated failed logins locked it."""
    user = User.objects.filter(pk=user_id).exclude(email="").first()
    if user is None:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = translation.gettext("科普平台：账户已临时锁定")
        body = translation.gettext(
            "您好，%(name)s：\n\n您的账户 %(username)s 因连续多次登录失败已被临时锁定 %(minutes)d 分钟。"
            "如果不是您本人操作，请尽快联系管理员并修改密码。"
        ) % {"name": user, "username": user.username, "minutes": minutes}
    send_mail(subject, body, None, [user.email])
    return True
