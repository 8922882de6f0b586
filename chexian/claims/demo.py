"""Demo claim cases: a dozen accident cars per store spread over the eleven steps —
some just reported, some with the insurer for weeks (a few overdue), one returned
by the insurer, some paid and closed, one with a third-party payout being signed.
Walked through the real services, so every step's data, the timeline and the
audit are as a real store's."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from chexian.claims import services
from chexian.claims.choices import REQUIRED_DOCUMENTS, ClaimType, Step
from chexian.claims.testing import walk_to
from chexian.customers.models import Vehicle
from chexian.insurers.models import AgencyContract

# (step to walk to, days since the handover when handed over) per demo case of a store.
PLAN = [
    (Step.REPORT, None), (Step.ASSESSMENT, None), (Step.REPAIR, None), (Step.SETTLEMENT, None),
    (Step.FILING, None), (Step.HANDOVER, None), (Step.OLD_PARTS, 5), (Step.PAYMENT, 12), (Step.PAYMENT, 45),
    (Step.PAYMENT, 80), ("returned", 20), ("paid", 25), ("payout", 18),
]
PLACES = ["环城高速", "小区地下车库", "十字路口", "商场停车场"]
WHAT_HAPPENED = ["追尾前车，前保险杠受损", "倒车撞到立柱", "侧面剐蹭", "暴雨涉水熄火"]
CLAIM_TYPES = [ClaimType.SINGLE, ClaimType.COLLISION, ClaimType.COLLISION, ClaimType.GLASS, ClaimType.DISASTER]


def build(*, stores, rng: random.Random, today: dt.date | None = None, per_store: int = len(PLAN)) -> int:
    today = today or timezone.localdate()
    made = 0
    for store in stores:
        adjuster = store.staff["adjuster"]
        insurers = list({c.insurer for c in AgencyContract.objects.filter(store=store).select_related("insurer")})
        vehicles = list(Vehicle.objects.filter(store=store).order_by("?")[:per_store]) if insurers else []
        for index, vehicle in enumerate(vehicles):
            target, days_ago = PLAN[index % len(PLAN)]
            claim_type = rng.choice(CLAIM_TYPES)
            amount = Decimal(rng.choice([1800, 3600, 4800, 6500, 9200, 15800, 26400]))
            case = services.open_claim(actor=adjuster, store=store, data={
                "vehicle": vehicle, "insurer": rng.choice(insurers),
                "report_no": f"RDAA{today:%Y}{store.code}{index:04d}{rng.randrange(10**6):06d}",
                "claim_type": claim_type, "accident_place": rng.choice(PLACES),
                "accident_at": timezone.now() - dt.timedelta(days=(days_ago or 0) + rng.randint(3, 20)),
                "accident_description": rng.choice(WHAT_HAPPENED),
                "documents_received": list(REQUIRED_DOCUMENTS[claim_type]),
            })
            third_party = amount / 4 if target == "payout" else Decimal("0.00")
            settlement = {"settlement_amount": amount, "insurer_amount": amount, "third_party_amount": third_party}
            stop = Step.PAYMENT if target in ("returned", "paid", "payout") else target
            handed = today - dt.timedelta(days=days_ago) if days_ago is not None else None
            case = walk_to(case, stop, adjuster, settlement=settlement, handed_over_on=handed,
                           data={Step.ASSESSMENT: {"assessed_amount": amount}})
            if target == "returned":
                services.return_by_insurer(actor=adjuster, case=case, reason="缺少事故认定书原件")
            elif target in ("paid", "payout"):
                _pay(store, case, adjuster)
                if target == "payout":
                    _start_payout(store, case, adjuster, rng)
            made += 1
    return made


def _pay(store, case, actor):
    """The insurer's remittance for the case, matched automatically as finance would."""
    from chexian.remittances import services as remittances
    from chexian.remittances.choices import Purpose

    finance = store.staff.get("finance") or actor
    remittance = remittances.record_remittance(
        actor=finance, store=store, insurer=case.insurer,
        data={"purpose": Purpose.CLAIMS, "received_on": timezone.localdate(), "reference": f"HK{case.number}",
              "total_amount": case.insurer_amount},
        lines=[{"report_no": case.report_no, "amount": case.insurer_amount}])
    remittances.auto_match(actor=finance, remittance=remittance)


def _start_payout(store, case, adjuster, rng):
    """The third party's money: the form is made and the adjuster and the after-sales manager have signed."""
    from chexian.claims.choices import PayeeKind
    from chexian.core.demo_data import person_name
    from chexian.org.choices import Role

    name = person_name(rng)
    case.refresh_from_db()
    payout = services.request_payout(actor=adjuster, case=case, data={
        "payee_kind": PayeeKind.THIRD_PARTY, "payee_name": name, "bank_name": "中国工商银行", "account_name": name,
        "account_number": "6222021234567890128", "amount": case.third_party_amount})
    services.sign_payout(actor=adjuster, payout=payout, role=Role.ADJUSTER)
    if "aftersales" in store.staff:
        services.sign_payout(actor=store.staff["aftersales"], payout=payout, role=Role.AFTERSALES_MANAGER)
