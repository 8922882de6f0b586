"""``chexian import commission-confirmation FILE --statement NUMBER --user USERNAME``.

The ``commission-confirmation`` subcommand of the ``import`` command
(``imports/management/commands/import.py`` adds the parser and calls ``run``):
the insurer's answer to a statement, read and recorded all or nothing. Prints the
lines that differ per reason, or every problem (row, column, rule) with exit
status 1; nothing is changed then.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from chexian.statements import selectors
from chexian.statements.confirmation import ConfirmationRefused, import_confirmation
from chexian.statements.models import Statement


def add_parser(subcommands):
    parser = subcommands.add_parser(
        "commission-confirmation", help="the insurer's answer to a commission statement (their figures per policy)",
        description="Record an insurer's list (.xlsx, .xls or .csv, GBK or UTF-8; columns 保单号, 保费, 手续费率, "
                    "手续费) on a statement, all or nothing; every line that differs gets its reason.")
    parser.add_argument("file", help="the .xlsx, .xls or .csv file")
    parser.add_argument("--statement", required=True, help="the statement number, e.g. A01-SX202610-PICC")
    parser.add_argument("--user", required=True, help="username of the importing user (needs statement.manage)")
    return parser


def run(command, *, file, statement, user, **_options):
    from pathlib import Path

    path = Path(file)
    if not path.is_file():
        raise CommandError(f"No such file: {file}")
    try:
        actor = get_user_model().objects.get(username=user, is_active=True)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No active user {user}") from None
    found = Statement.objects.restrict(actor, "view").filter(number=statement.strip().upper()).first()
    if found is None:
        raise CommandError(f"No statement {statement} in the stores of {user}")
    with path.open("rb") as handle:
        try:
            result = import_confirmation(actor=actor, statement=found, file=handle, name=path.name)
        except ConfirmationRefused as exc:
            for error in exc.errors:
                column = f" [{error.column}]" if error.column else ""
                value = f" {error.value!r}" if error.value else ""
                command.stdout.write(f"  row {error.row}{column}{value}: {error.message} ({error.code})")
            raise CommandError(f"{path.name} refused: {len(exc.errors)} problems; nothing was changed",
                               returncode=1) from None
        except (ValidationError, PermissionDenied) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(message, returncode=1) from None
    command.stdout.write(command.style.SUCCESS(
        f"{result.number}: {result.get_state_display()}, insurer's commission ¥{result.insurer_commission}, "
        f"ours ¥{result.commission}, {result.difference_count} lines differ"))
    for row in selectors.differences(result):
        command.stdout.write(f"  {row['label']}: {row['lines']} lines, gap ¥{row['gap']}")
