"""REST API of volunteer service: volunteers, teams, service records and 你点我送 requests.

Every queryset starts from the model policy's visible_to(user) (out of scope: 404); the policy
answers whether the caller may do a step (in scope, not allowed: 403); the services do every
write. A volunteer carries only the masked ID and phone numbers: no response of this API ever
holds a full one (there is deliberately no "reveal" endpoint; the staff pages audit that).
"""

from .records import RecordViewSet
from .requests import RequestViewSet
from .teams import TeamViewSet
from .volunteers import VolunteerViewSet

__all__ = ["RecordViewSet", "RequestViewSet", "TeamViewSet", "VolunteerViewSet"]
