"""`kepu import volunteers FILE` (the roster) and `kepu import service_records FILE` (hours).

Both go through the shared framework (kepu.core.imports): columns matched by their Chinese header
in any order, every bad row reported with its column, nothing written unless every row is good.

The roster is written with bulk_create: volunteer numbers are handed out in one block per district
(services.allocate_numbers), ID and phone numbers encrypted one by one (Fernet, about 15 µs each),
and existing volunteers are found by their keyed hash, a few thousand per query. A row whose ID
number is already registered is an error, never an update. 100,000 rows validate and commit in
well under a minute (bench/volunteers_import.py).

The staff upload page sets `importer.actor`, so each row is checked against the uploader's scope
while validating (a row outside it is a row error); commit checks it again against the actor it
is given, so nothing outside the scope is ever written.
"""

from .records import ServiceRecordImporter
from .roster import VolunteerImporter

__all__ = ["ServiceRecordImporter", "VolunteerImporter"]
