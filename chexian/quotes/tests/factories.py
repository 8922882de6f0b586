"""Quote test data through the real services: contracts through the approval
flow (store proposes, group office approves and records the legal review),
quotes and offers through ``quotes.services``, last year's policies through
``policies.services.issue_policy``."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from chexian.catalog.models import Coverage, PlanTemplate
from chexian.insurers import services as insurer_services
from chexian.insurers.models import Insurer
from chexian.policies.choices import PolicyLine
from chexian.policies.services import CoverageInput, PolicyInput, issue_policy, one_year_end
from chexian.quotes import services

_numbers = itertools.count(40_000_000)


def today() -> dt.date:
    return timezone.localdate()


def insurer(code: str) -> Insurer:
    return Insurer.objects.get(code=code)


def coverage(code: str) -> Coverage:
    return Coverage.objects.get(code=code)


def template(code: str) -> PlanTemplate:
    return PlanTemplate.objects.get(code=code)


def active_contract(cast, store, code: str):
    """An ACTIVE agency contract between ``store`` and the insurer ``code``, around today."""
    supervisor = cast.a_supervisor if store == cast.store_a else cast.b_supervisor
    contract = insurer_services.propose_contract(
        actor=supervisor,
        store=store,
        insurer=insurer(code),
        data={
            "valid_from": today() - dt.timedelta(days=400),
            "valid_until": today() + dt.timedelta(days=400),
            "rate_ctpl": Decimal("4.00"),
            "rate_commercial": Decimal("18.00"),
            "rate_nev_commercial": Decimal("15.00"),
            "rate_non_motor": Decimal("25.00"),
            "commission_base": "without_vat",
            "claim_payment_days": 30,
        },
    )
    insurer_services.approve_contract(actor=cast.office, contract=contract, reason="费率合理")
    return insurer_services.record_legal_review(actor=cast.office, contract=contract, opinion="合同条款合规")


def basic_items(vehicle=None):
    """车损险 + 三者险 ¥1m (the NEV clauses' versions for a new-energy vehicle)."""
    prefix = "nev_" if vehicle is not None and vehicle.is_new_energy else ""
    return [(coverage(f"{prefix}vehicle_damage"), None), (coverage(f"{prefix}third_party"), Decimal("1000000"))]


def make_quote(actor, vehicle, *, start=None, items=None, template_code=None, **kwargs):
    start = start or today() + dt.timedelta(days=10)
    if template_code:
        return services.create_quote(actor=actor, vehicle=vehicle, start_date=start,
                                     template=template(template_code), **kwargs)
    return services.create_quote(actor=actor, vehicle=vehicle, start_date=start,
                                 items=items if items is not None else basic_items(vehicle), **kwargs)


def figures(commercial="3000.00", damage="2000.00", third="1000.00", **overrides) -> dict:
    """An offer for the basic plan: 车损 + 三者 lines adding up to the commercial premium."""
    data = {
        "commercial_premium": Decimal(commercial),
        "commercial_premium_without_vat": (Decimal(commercial) / Decimal("1.06")).quantize(Decimal("0.01")),
        "ctpl_premium": Decimal("855.00"),
        "ctpl_premium_without_vat": Decimal("806.60"),
        "vehicle_tax": Decimal("360.00"),
        "ncd_coefficient": Decimal("0.85"),
        "pricing_coefficient": Decimal("0.95"),
        "ctpl_floating_rate": Decimal("-10"),
        "ctpl_float_reason": "上年无赔款",
        "query_code": "QC" + str(next(_numbers)),
        "damage": damage,
        "third": third,
    }
    data.update(overrides)
    return data


def record(actor, quote, code: str, **overrides):
    """Record ``code``'s offer for a basic-plan quote, lines included."""
    data = figures(**overrides)
    damage, third = data.pop("damage"), data.pop("third")
    items = {item.coverage.code: item.coverage for item in quote.items.select_related("coverage")}
    lines = data.pop("lines", None)
    if lines is None:
        lines = [(c, Decimal(damage)) for k, c in items.items() if k.endswith("vehicle_damage")]
        lines += [(c, Decimal(third)) for k, c in items.items() if k.endswith("third_party")]
    return services.record_offer(actor=actor, quote=quote, insurer=insurer(code), lines=lines, **data)


def last_year_policy(actor, vehicle, code: str, *, end: dt.date, premium="2800.00", quote=None, items=None):
    """Last year's commercial policy, ending on ``end`` (issued through ``issue_policy``)."""
    start = end.replace(year=end.year - 1) + dt.timedelta(days=1)
    items = items if items is not None else basic_items(vehicle)
    premium = Decimal(premium)
    without_vat = (premium / Decimal("1.06")).quantize(Decimal("0.01"))
    share = (premium / len(items)).quantize(Decimal("0.01"))
    coverages = [CoverageInput(c, share, limit=limit) for c, limit in items]
    coverages[-1].premium = premium - share * (len(items) - 1)
    return issue_policy(
        actor=actor,
        quote=quote,
        data=PolicyInput(
            vehicle=vehicle,
            policyholder=vehicle.owner,
            insurer=insurer(code),
            line=PolicyLine.COMMERCIAL,
            number=f"PDAA{next(_numbers)}",
            start_date=start,
            end_date=one_year_end(start),
            premium=premium,
            premium_without_vat=without_vat,
            vat=premium - without_vat,
            documents=["owner_id", "vehicle_licence", "sales_invoice", "certificate"],
            coverages=coverages,
            issued_on=today(),
        ),
    )
