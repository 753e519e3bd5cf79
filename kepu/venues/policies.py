"""Venues are kept by region admins, by village science officers for their village, and by the
liaisons of the units that run them; staff see those of their region subtrees and units."""

from kepu.accounts.models import Role
from kepu.core.records import RecordPolicy

from .models import Certification, Venue, VenuePhoto, VisitorFigure


class VenuePolicy(RecordPolicy):
    model = Venue
    extra_write_roles = frozenset({Role.VILLAGE_OFFICER})


class CertificationPolicy(VenuePolicy):
    model = Certification
    through = "venue"


class VisitorFigurePolicy(VenuePolicy):
    model = VisitorFigure
    through = "venue"


class VenuePhotoPolicy(VenuePolicy):
    model = VenuePhoto
    through = "venue"


venue_policy = VenuePolicy()
certification_policy = CertificationPolicy()
visitor_figure_policy = VisitorFigurePolicy()
venue_photo_policy = VenuePhotoPolicy()
