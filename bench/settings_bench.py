"""Kepu's settings for the benchmark's own server: the same, with the per-client API rates lifted.

The registration benchmark sends 500 registrations from one address (127.0.0.1); in production
the per-client limit (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) would refuse most of them with 429,
which is what it is for, but not what the benchmark measures. Used only by bench/activities.py.
"""

from kepu.settings import *  # noqa: F403
from kepu.settings import REST_FRAMEWORK

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **dict.fromkeys(REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), "1000000/min"),
        "activity_registrations": "1000000/min",
        "activity_checkins": "1000000/min",
    },
}
