"""Read-side queries of remittances, each restricted to the user's stores."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from chexian.claims.models import ClaimCase
from chexian.remittances.models import ZERO, Remittance, RemittanceLine


def remittances(user, action: str = "view"):
    """The user's remittances with what their lines have allocated and whether money is left."""
    return (
        Remittance.objects.restrict(user, action)
        .select_related("store", "insurer", "created_by")
        .annotate(
            allocated=Coalesce(Sum("lines__allocated_amount"), ZERO),
            has_unmatched=Exists(RemittanceLine.objects.filter(remittance=OuterRef("pk"),
                                                               allocated_amount__lt=F("amount"))),
        )
    )


def unmatched_lines(user):
    """Lines with money not yet allocated, oldest remittance first: the list finance works down."""
    return (
        RemittanceLine.objects.restrict(user, "view").unmatched()
        .select_related("remittance__store", "remittance__insurer")
        .order_by("remittance__received_on", "remittance_id", "line_no")
    )


def find_case(user, remittance: Remittance, text: str) -> ClaimCase | None:
    """The claim case a person means by a report number or a case number, among the
    cases they may see; the remittance's own store and insurer first. A case of
    another store or insurer is returned too, so matching can say why it refuses."""
    text = (text or "").strip()
    if not text:
        return None
    candidates = list(
        ClaimCase.objects.restrict(user, "view")
        # Numbers are upper case; as typed or upper-cased, so the unique indexes serve the lookup.
        .filter(Q(report_no__in={text, text.upper()}) | Q(number__in={text, text.upper()}))
        .select_related("insurer")[:10]
    )
    candidates.sort(key=lambda case: (case.store_id != remittance.store_id, case.insurer_id != remittance.insurer_id))
    return candidates[0] if candidates else None


def find_statement(user, remittance: Remittance, text: str):
    """The commission statement a person means by its number or its invoice number, among
    those they may see; the remittance's own store and insurer first (another's is returned
    too, so matching can say why it refuses)."""
    from chexian.statements.models import Statement

    text = (text or "").strip()
    if not text:
        return None
    candidates = list(Statement.objects.restrict(user, "view")
                      .filter(Q(number=text.upper()) | Q(invoice_no=text.upper())).select_related("insurer")[:10])
    candidates.sort(key=lambda s: (s.store_id != remittance.store_id, s.insurer_id != remittance.insurer_id))
    return candidates[0] if candidates else None


def suggested_cases(lines):
    """{line id: case} for lines whose report number names a case of the remittance's store and insurer."""
    lines = [line for line in lines if line.report_no]
    if not lines:
        return {}
    remittance = lines[0].remittance
    cases = {
        case.report_no.upper(): case
        for case in ClaimCase.objects.filter(store_id=remittance.store_id, insurer_id=remittance.insurer_id,
                                             report_no__in={line.report_no for line in lines})
    }
    return {line.pk: cases[line.report_no.upper()] for line in lines if line.report_no.upper() in cases}
