"""Policy test data through the real services: contracts go through the approval
flow, policies through issue_policy."""

import datetime as dt
from decimal import Decimal

from chexian.catalog.models import Coverage
from chexian.insurers import services as insurer_services
from chexian.insurers.models import Insurer
from chexian.policies.choices import PolicyLine
from chexian.policies.services import CoverageInput, PolicyInput, issue_policy, one_year_end

CONTRACT_TERMS = {
    "valid_from": dt.date(2020, 1, 1),
    "valid_until": dt.date(2030, 12, 31),
    "rate_ctpl": Decimal("4.00"),
    "rate_commercial": Decimal("18.00"),
    "rate_nev_commercial": Decimal("15.00"),
    "rate_non_motor": Decimal("25.00"),
    "commission_base": "without_vat",
    "claim_payment_days": 30,
}


def active_contract(cast, store, insurer_code="PICC", supervisor=None, **terms):
    insurer = Insurer.objects.get(code=insurer_code)
    supervisor = supervisor or (cast.a_supervisor if store == cast.store_a else cast.b_supervisor)
    contract = insurer_services.propose_contract(
        actor=supervisor, store=store, insurer=insurer, data={**CONTRACT_TERMS, **terms}
    )
    insurer_services.approve_contract(actor=cast.office, contract=contract, reason="ok")
    return insurer_services.record_legal_review(actor=cast.office, contract=contract, opinion="合同条款合规")


_numbers = iter(range(10_000_000, 99_999_999))


def policy_input(vehicle, insurer_code="PICC", line=PolicyLine.CTPL, start=dt.date(2026, 3, 1), **overrides):
    insurer = Insurer.objects.get(code=insurer_code)
    if line == PolicyLine.CTPL:
        money = {"premium": Decimal("855.00"), "premium_without_vat": Decimal("806.60"), "vat": Decimal("48.40"),
                 "vehicle_tax": Decimal("360.00")}
        coverages = [CoverageInput(Coverage.objects.get(code="ctpl"), Decimal("855.00"))]
    else:
        money = {"premium": Decimal("3180.00"), "premium_without_vat": Decimal("3000.00"), "vat": Decimal("180.00")}
        damage = "nev_vehicle_damage" if vehicle.is_new_energy else "vehicle_damage"
        third = "nev_third_party" if vehicle.is_new_energy else "third_party"
        coverages = [
            CoverageInput(Coverage.objects.get(code=damage), Decimal("2000.00"), limit=Decimal("150000")),
            CoverageInput(Coverage.objects.get(code=third), Decimal("1180.00"), limit=Decimal("1000000")),
        ]
        damage_cov = coverages[0].coverage
        if damage_cov.limit_kind == "none":
            coverages[0].limit = None
    data = {
        "vehicle": vehicle,
        "policyholder": vehicle.owner,
        "insurer": insurer,
        "line": line,
        "number": f"P{next(_numbers)}",
        "start_date": start,
        "end_date": one_year_end(start),
        "documents": ["owner_id", "vehicle_licence", "sales_invoice", "certificate"],
        "coverages": coverages,
        "issued_on": start - dt.timedelta(days=3),
        **money,
    }
    data.update(overrides)
    return PolicyInput(**data)


def make_policy(actor, vehicle, **kwargs):
    return issue_policy(actor=actor, data=policy_input(vehicle, **kwargs))
