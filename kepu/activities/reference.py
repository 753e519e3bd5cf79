"""Theme days and target groups from kepu/fixtures/reference (idempotent)."""

from kepu.core.reference import read_reference_csv, register_reference_loader

from .models import TargetGroup, ThemeDay

GENERAL_PUBLIC = ("public", "社会公众")


@register_reference_loader
def load_theme_days_and_groups() -> list[tuple[str, int, int]]:
    created = updated = 0
    for row in read_reference_csv("theme-days.csv"):
        _day, made = ThemeDay.objects.update_or_create(
            name=row["name"],
            defaults={"span": row["span"], "month_day": row["month_day"], "rule": row["rule"],
                      "source": row["source"]},
        )
        created, updated = created + made, updated + (not made)
    report = [("theme-days.csv", created, updated)]
    created = updated = 0
    rows = read_reference_csv("key-groups.csv")
    for sort, row in enumerate(rows, start=1):
        _group, made = TargetGroup.objects.update_or_create(
            key=row["key"], defaults={"name": row["name"], "is_key_group": True, "sort": sort})
        created, updated = created + made, updated + (not made)
    _group, made = TargetGroup.objects.update_or_create(
        key=GENERAL_PUBLIC[0], defaults={"name": GENERAL_PUBLIC[1], "is_key_group": False, "sort": 99})
    report.append(("key-groups.csv", created + made, updated + (not made)))
    return report
