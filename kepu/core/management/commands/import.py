import shutil
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kepu.core.imports import (
    document_importer_kinds,
    error_workbook,
    get_document_importer,
    get_importer,
    importer_kinds,
    run_document_import,
    run_import,
    template_workbook,
)


class Command(BaseCommand):
    help = (
        "Import a csv or xlsx table, or a YAML document (standard): kepu import KIND FILE [--dry-run]. "
        "Exit status 0 when imported, 1 when the file has errors (nothing is written), 2 for a usage error."
    )

    def add_arguments(self, parser):
        kinds = ", ".join(importer_kinds())
        documents = ", ".join(document_importer_kinds())
        parser.add_argument("kind", help=f"what the file holds: tables {kinds}; documents {documents}")
        parser.add_argument("file", nargs="?", help="the csv or xlsx file (a YAML file for a document kind)")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
        parser.add_argument("--errors-to", metavar="XLSX", help="write the rows with their errors to this workbook")
        parser.add_argument("--template", metavar="FILE",
                            help="write an empty template (for a document kind: an example document) and exit")
        parser.add_argument("--year", type=int, help="the year of rows that give none (info_officers)")

    def handle(self, *args, kind, file, dry_run, errors_to, template, year=None, **options):
        if kind in document_importer_kinds():
            if errors_to or year is not None:
                raise CommandError(f"{kind} takes no --errors-to or --year", returncode=2)
            return self.import_document(kind, file, dry_run, template)
        if kind not in importer_kinds():
            choices = ", ".join([*importer_kinds(), *document_importer_kinds()])
            raise CommandError(f"unknown import kind {kind!r}; choose one of: {choices}", returncode=2)
        importer = get_importer(kind)
        if year is not None:
            if not hasattr(importer, "default_year"):
                raise CommandError(f"{kind} takes no --year", returncode=2)
            importer.default_year = year
        if template:
            Path(template).write_bytes(template_workbook(importer))
            self.stdout.write(f"template written to {template}")
            return
        path = self.input_file(file)
        result = run_import(importer, path.read_bytes(), filename=path.name, actor=None, dry_run=dry_run)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{path.name}: {error}")
            self.stderr.write(f"{len(result.errors)} 个错误，未写入任何数据。({len(result.errors)} error(s), nothing written)")
            if errors_to:
                Path(errors_to).write_bytes(error_workbook(result))
                self.stderr.write(f"errors written to {errors_to}")
            sys.exit(1)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{path.name}: {result.total_rows} rows; {result.created} {verb} created, "
            f"{result.updated} {verb} updated, {result.skipped} skipped"
            + (" (dry run: nothing written)" if dry_run else "")
        )

    def import_document(self, kind: str, file: str | None, dry_run: bool, template: str | None) -> None:
        importer = get_document_importer(kind)
        if template:
            if importer.template is None:
                raise CommandError(f"{kind} has no template", returncode=2)
            shutil.copyfile(importer.template, template)
            self.stdout.write(f"example {kind} written to {template}")
            return
        path = self.input_file(file)
        result = run_document_import(importer, path.read_bytes(), filename=path.name, actor=None, dry_run=dry_run)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{path.name}: {error}")
            self.stderr.write(f"{len(result.errors)} 个错误，未写入任何数据。({len(result.errors)} error(s), nothing written)")
            sys.exit(1)
        for change in result.changes:
            action = f"would be {change.action}" if dry_run and change.action != "unchanged" else change.action
            detail = f" ({change.detail})" if change.detail else ""
            self.stdout.write(f"{path.name}: {change.what} {action}{detail}"
                              + (" (dry run: nothing written)" if dry_run else ""))

    def input_file(self, file: str | None) -> Path:
        if not file:
            raise CommandError("give the FILE to import (or --template)", returncode=2)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}", returncode=2)
        return path
