"""Writes to volunteer service: every one atomic, permission-checked and audited.

Callers use `from kepu.volunteers import services` and `services.<name>`; the modules are
people (registration, numbers, hours and stars), teams, records (records, duties, certificates)
and requests (你点我送).
"""

from .people import (
    ADULT_AGE,
    MOBILE,
    VOLUNTEER_FIELDS,
    allocate_numbers,
    check_identity,
    check_mobile,
    credit_hours,
    find_by_id_number,
    is_minor,
    next_star,
    number_prefix,
    recount,
    star_thresholds,
    stars_for,
    volunteer_leave,
    volunteer_register,
    volunteer_reveal,
    volunteer_update,
)
from .records import (
    CHECK_MARGIN,
    MAX_HOURS_PER_RECORD,
    RECORD_FIELDS,
    certificate_issue,
    check_window_open,
    duties_credit,
    duty_add,
    duty_check,
    duty_hours,
    duty_may_mark,
    record_claim,
    record_create,
    record_reject,
    record_update,
    records_verify,
)
from .requests import (
    request_cancel,
    request_claim,
    request_create,
    request_fulfil,
    request_release,
    request_schedule,
)
from .teams import (
    TEAM_FIELDS,
    membership_add,
    membership_remove,
    membership_set_role,
    team_create,
    team_update,
)

__all__ = [
    "ADULT_AGE", "CHECK_MARGIN", "MAX_HOURS_PER_RECORD", "MOBILE", "RECORD_FIELDS", "TEAM_FIELDS", "VOLUNTEER_FIELDS",
    "allocate_numbers", "certificate_issue", "check_identity", "check_mobile", "check_window_open", "credit_hours",
    "duties_credit", "duty_add", "duty_check", "duty_hours", "duty_may_mark", "find_by_id_number", "is_minor",
    "membership_add", "membership_remove", "membership_set_role", "next_star", "number_prefix", "record_claim",
    "record_create", "record_reject", "record_update", "records_verify", "recount", "request_cancel", "request_claim",
    "request_create", "request_fulfil", "request_release", "request_schedule", "star_thresholds", "stars_for",
    "team_create", "team_update", "volunteer_leave", "volunteer_register", "volunteer_reveal", "volunteer_update",
]
