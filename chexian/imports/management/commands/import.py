"""``chexian import policies|service-orders FILE --store CODE --user USERNAME``: import in the foreground.

The file becomes an import job like an upload (kept, hashed, listed on the
imports page) and runs here rather than in the worker, printing its progress,
the counts and the errors. Exit status 1 when any row or the file was refused.
"""

from __future__ import annotations

import sys

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from chexian.core.commandline import file_store_user
from chexian.imports import services
from chexian.imports.choices import ImportKind, ImportStatus
from chexian.imports.tabular import message_of
from chexian.remittances import commands as remittance_commands
from chexian.statements import commands as statement_commands

OK_STATUSES = {ImportStatus.SUCCEEDED, ImportStatus.DRY_RUN_OK}
# Subcommand → import kind (``imports.registry``).
KINDS = {"policies": ImportKind.POLICIES, "service-orders": ImportKind.SERVICE_ORDERS}


class Command(BaseCommand):
    help = (
        "Import from a file. `import policies FILE --store CODE --user USERNAME` imports policies with their "
        "customers and vehicles from an .xlsx or .csv in the template's layout (or a saved column mapping's), "
        "as USERNAME, into store CODE. All or nothing unless --allow-partial; --dry-run checks and saves "
        "nothing. `import service-orders FILE --store CODE --user USERNAME` imports the DMS's service orders "
        "(工单), adding the vehicles not yet in the store's books with their owners. `import remittances` and "
        "`import commission-confirmation FILE --statement NUMBER --user USERNAME` (an insurer's answer to a "
        "commission statement) have their own options. Prints the counts and the "
        "errors (row, column, value, rule); exit status 1 on any error."
    )

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        policies = subcommands.add_parser(
            "policies", help="policies, with the customers and vehicles they name",
            description="Import policies (and their customers and vehicles) from an .xlsx or .csv file.",
        )
        self._common_arguments(policies, "policies", "policy.import")
        policies.add_argument("--mapping", help="name of a saved column mapping (default: detect the headers)")
        orders = subcommands.add_parser(
            "service-orders", help="service orders (工单) from the DMS, adding the vehicles not yet in the books",
            description="Import the DMS's service orders from an .xlsx or .csv file in the template's layout.",
        )
        self._common_arguments(orders, "service orders", "service.import")
        remittance_commands.add_parser(subcommands)  # its own options and handler: remittances.commands
        statement_commands.add_parser(subcommands)  # and statements.commands

    @staticmethod
    def _common_arguments(parser, what: str, permission: str):
        parser.add_argument("file", help="the .xlsx, .xls or .csv file")
        parser.add_argument("--store", required=True, help=f"code of the store the {what} belong to")
        parser.add_argument("--user", required=True, help=f"username of the importing user (needs {permission})")
        parser.add_argument("--dry-run", action="store_true", help="check every row and report, save nothing")
        parser.add_argument(
            "--allow-partial", action="store_true",
            help="save the good rows and list the bad ones (default: one bad row and nothing is saved)",
        )
        parser.add_argument("--max-errors", type=int, default=50, help="errors to print (default 50; 0: all kept)")
        parser.add_argument("--quiet", action="store_true", help="no progress lines")

    def handle(self, *args, kind, **options):
        if kind == "remittances":
            return remittance_commands.run(self, **options)
        if kind == "commission-confirmation":
            return statement_commands.run(self, **options)
        return self.handle_import_job(kind=kind, **options)

    def handle_import_job(self, *, kind, file, store, user, dry_run, allow_partial, max_errors, quiet, mapping=None,
                          **options):
        path, store_obj, actor = file_store_user(file, store, user)
        mapping_obj = self._mapping(actor, store_obj, mapping) if mapping else None

        with path.open("rb") as handle:
            try:
                job = services.create_import_job(
                    actor=actor, store=store_obj, upload=File(handle, name=path.name), mapping=mapping_obj,
                    dry_run=dry_run, all_or_nothing=not allow_partial, kind=KINDS[kind], enqueue=False,
                )
            except (ValidationError, PermissionDenied) as exc:
                raise CommandError(self._message(exc)) from None
        self.stdout.write(f"Import #{job.pk}: {path.name} → {store_obj.code} as {actor.username}")
        job = services.run_import_job(job.pk, on_progress=None if quiet else self._progress)
        self._summary(job, max_errors)
        if job.status not in OK_STATUSES:
            raise CommandError(f"Import #{job.pk}: {job.get_status_display()}", returncode=1)

    def _mapping(self, actor, store, name):
        # The store's own mapping of that name first, else the group's shared one.
        found = (
            services.mappings_for(actor, store).filter(name=name, store=store).first()
            or services.mappings_for(actor, store).filter(name=name, store__isnull=True).first()
        )
        if found is None:
            names = ", ".join(services.mappings_for(actor, store).values_list("name", flat=True)) or "none"
            raise CommandError(f"No column mapping {name!r} for store {store.code} (available: {names})")
        return found

    @staticmethod
    def _message(exc) -> str:
        if isinstance(exc, ValidationError):
            return "; ".join(message_of(error) for error in exc.error_list)
        return str(exc)

    def _progress(self, processed, total):
        if total:
            sys.stderr.write(f"\r  {processed:,} / ~{total:,} rows ({processed * 100 // max(total, 1)}%)")
        else:
            sys.stderr.write(f"\r  {processed:,} rows")
        sys.stderr.flush()

    def _summary(self, job, max_errors):
        sys.stderr.write("\n")
        style = self.style.SUCCESS if job.status in OK_STATUSES else self.style.ERROR
        self.stdout.write(style(f"{job.get_status_display()}"))
        self.stdout.write(
            f"  rows {job.total_rows or 0:,}: new {job.created_rows:,}, updated {job.updated_rows:,}, "
            f"unchanged {job.unchanged_rows:,}, with errors {job.error_rows:,}"
        )
        if job.saved_nothing:
            self.stdout.write("  Nothing was saved.")
        shown = job.errors if max_errors == 0 else job.errors[:max_errors]
        for error in shown:
            column = f" [{error['column']}]" if error["column"] else ""
            value = f" {error['value']!r}" if error["value"] else ""
            self.stdout.write(f"  row {error['row']}{column}{value}: {error['message']} ({error['code']})")
        if job.error_count > len(shown):
            self.stdout.write(f"  … {job.error_count - len(shown):,} more errors")
        if job.error_report:
            self.stdout.write(f"  Error report: {job.error_report.path if _local(job) else job.error_report.name}")


def _local(job) -> bool:
    try:
        job.error_report.path  # noqa: B018 (local storage has a path)
    except NotImplementedError:
        return False
    return True
