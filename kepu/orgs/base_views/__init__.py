"""Staff pages of the base data kept in the orgs app (mounted at /base/, namespace `basedata`):
school profiles, agriculture-related towns with their 农技协, and science-popularization funding."""

from . import agri, funding, schools
from .agri import agri_town_list
from .funding import funding_list
from .schools import school_list

__all__ = ["agri_town_list", "funding_list", "school_list", "urlpatterns"]

# The pages other than the three lists (whose names the measures link to, see base_urls).
urlpatterns = [*schools.urlpatterns, *agri.urlpatterns, *funding.urlpatterns]
