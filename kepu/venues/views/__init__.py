"""Staff pages of 科普阵地: the list and its export, a venue's page (certifications, visitor figures,
photos), the map and the village-by-village 站栏员 coverage."""

from django.utils.http import url_has_allowed_host_and_scheme


def back_to(request, default: str) -> str:
    """The page to return to (`next`, when it is one of ours), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def error_lines(form) -> list[str]:
    """A form's errors as "字段：说明" lines, for a message after a redirect."""
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        out += [f"{label}：{e}" if label else str(e) for e in errors]
    return out
