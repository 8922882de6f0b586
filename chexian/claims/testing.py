"""Test helpers for claims: the claims crew of store A and a case walked through the
real services to any step. Used by the claims, remittances and browser tests."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from chexian.claims import services
from chexian.claims.choices import ORDER, REQUIRED_DOCUMENTS, ClaimType, DocumentKind, OldPartsOutcome, Step
from chexian.core.testing import make_user, make_vehicle
from chexian.insurers.models import Insurer
from chexian.org.choices import Role

_reports = iter(range(1, 10_000_000))


def claims_crew(cast) -> SimpleNamespace:
    """Store A's adjuster and the five payout signers' other roles; store B's adjuster."""
    return SimpleNamespace(
        adjuster=make_user("a-adjuster", Role.ADJUSTER, cast.store_a),
        aftersales=make_user("a-aftersales", Role.AFTERSALES_MANAGER, cast.store_a),
        cashier=make_user("a-cashier", Role.CASHIER, cast.store_a),
        finance_manager=make_user("a-finance-manager", Role.FINANCE_MANAGER, cast.store_a),
        finance=make_user("a-finance", Role.FINANCE, cast.store_a),
        manager=cast.a_manager,
        b_adjuster=make_user("b-adjuster", Role.ADJUSTER, cast.store_b),
    )


def png_upload(name: str = "damage.png", size=(64, 48)) -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def open_case(actor, store, *, vehicle=None, insurer_code="PICC", claim_type=ClaimType.SINGLE,
              report_no: str | None = None, documents=True, **extra):
    vehicle = vehicle or make_vehicle(actor, store)
    data = {
        "vehicle": vehicle, "insurer": Insurer.objects.get(code=insurer_code),
        "report_no": report_no or f"RDAA2026{next(_reports):08d}", "claim_type": claim_type,
        "accident_at": timezone.now() - dt.timedelta(days=2), "accident_place": "广州市天河区黄埔大道",
        "accident_description": "倒车时撞到立柱，后保险杠受损。",
        "documents_received": list(REQUIRED_DOCUMENTS[claim_type]) if documents else [],
        **extra,
    }
    return services.open_claim(actor=actor, store=store, data=data)


_TODAY = timezone.localdate()
# What a case records at each hand-worked step when walked in tests.
STEP_DATA = {
    Step.REPORT: {},
    Step.ASSESSMENT: {"assessed_amount": Decimal("6800.00"), "assessed_on": _TODAY - dt.timedelta(days=2),
                      "assessor": "李定损"},
    Step.REPAIR: {"repair_order_no": "RO2026112001", "quality_checked_by": "王质检",
                  "quality_checked_on": _TODAY - dt.timedelta(days=1)},
    Step.SETTLEMENT: {"settlement_amount": Decimal("6800.00"), "insurer_amount": Decimal("6800.00"),
                      "third_party_amount": Decimal("0.00")},
    Step.SIGNING: {"invoice_no": "FP20261121001", "signed_on": _TODAY - dt.timedelta(days=1)},
    Step.FILING: {},
}


def walk_to(case, step: str, actor, *, settlement: dict | None = None, handed_over_on: dt.date | None = None,
            data: dict | None = None):
    """Move ``case`` forward through the real services until it is at ``step``; ``data`` overrides what a
    step records ({step: {field: value}}), ``settlement`` that of the settlement step."""
    overrides = {**(data or {}), **({Step.SETTLEMENT: settlement} if settlement else {})}
    from chexian.claims.documents import add_document

    while ORDER.index(case.step) < ORDER.index(step):
        if case.step == Step.ASSESSMENT and not case.documents.filter(kind=DocumentKind.PHOTO).exists():
            add_document(actor=actor, case=case, kind=DocumentKind.PHOTO, upload=png_upload())
        if case.step in services.STEP_FIELDS:
            recorded = {**STEP_DATA[case.step], **overrides.get(case.step, {})}
            case = services.advance_claim(actor=actor, case=case, data=recorded)
        elif case.step == Step.HANDOVER:
            services.hand_over(actor=actor, store=case.store, insurer=case.insurer, cases=[case],
                               handed_over_on=handed_over_on or timezone.localdate(), received_by="赵收案")
            case.refresh_from_db()
        elif case.step == Step.OLD_PARTS:
            services.record_old_parts(actor=actor, store=case.store, insurer=case.insurer, cases=[case],
                                      outcome=OldPartsOutcome.DESTROYED, done_on=timezone.localdate(),
                                      signed_by_store="王质检")
            case.refresh_from_db()
        else:
            raise AssertionError(f"walk_to cannot complete {case.step} by hand")
    return case


def case_at_payment(actor, store, **kwargs):
    """A case handed over with its old parts done: waiting for the insurer's money (step 9)."""
    settlement = kwargs.pop("settlement", None)
    return walk_to(open_case(actor, store, **kwargs), Step.PAYMENT, actor, settlement=settlement)


def case_at_handover(actor, store, **kwargs):
    """A filed case waiting to be handed over (step 7)."""
    settlement = kwargs.pop("settlement", None)
    return walk_to(open_case(actor, store, **kwargs), Step.HANDOVER, actor, settlement=settlement)
