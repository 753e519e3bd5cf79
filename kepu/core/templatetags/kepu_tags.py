from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for pagers and filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def number(value, missing="—"):
    """A count with thousands separators, or a dash when there is none (intcomma says "None")."""
    if value is None or value == "":
        return missing
    # Grouped by thousands in every language (Django's zh-hans format does not group).
    return f"{value:,}" if isinstance(value, int) else intcomma(value)
