"""`kepu gendata --scale small|district|city`: fill an empty database with synthetic demo data."""

import json
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from kepu.core.gendata import SCALES, generate


class Command(BaseCommand):
    help = "Generate deterministic synthetic regions, units, populations and benchmark users."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=SCALES, default="small",
                            help="small: the districts and 永川区's towns; district: 永川区 fully built "
                                 "out; city: the whole municipality (~11,000 regions, ~20,000 units)")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="print the counts and elapsed seconds as one JSON object")

    def handle(self, *args, scale, as_json=False, **options):
        started = time.perf_counter()
        with transaction.atomic():
            counts = generate(scale, stdout=None if as_json or options["verbosity"] < 2 else self.stdout)
        # Bulk loads leave the planner's statistics stale (PostgreSQL then guesses 8 rows for a
        # subtree of 11,000 and picks nested loops); refresh them as autovacuum would, later.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started
        if as_json:
            self.stdout.write(json.dumps({"scale": scale, **counts, "seconds": round(elapsed, 3)}, ensure_ascii=False))
            return
        summary = ", ".join(f"{key} {value}" for key, value in counts.items())
        self.stdout.write(f"gendata {scale}: {summary} ({elapsed:.1f} s)")
