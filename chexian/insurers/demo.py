"""Demo partner insurers: per store an agency licence and two or three ACTIVE
agency contracts, each with its approval history.

The contracts are written as the approval flow of ``chexian.insurers.services``
leaves them — proposed by the store's insurance supervisor, approved and
legally reviewed by the group insurance office, then active — but in bulk and
dated in the past: the services stamp ``now`` and check the partner limit
against policies that, in the demo, are written only after the contracts. The
partner limit is respected all the same: the caller passes the store's monthly
premium as ``insurers.services.store_monthly_premium`` will compute it from the
demo policies, and a third partner is given only where that figure reaches the
threshold (SPEC §3.10, seed-002 §2.3.1).

Rates are agreement data (DOMAIN.md §4): CTPL about 4 %, commercial 10–25 %,
new-energy commercial a little lower, non-motor 20–30 %, on the premium
without VAT.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from chexian.core.audit import log_action
from chexian.core.choices import AuditAction
from chexian.insurers.choices import CommissionBase, ContractStatus
from chexian.insurers.models import AgencyContract, AgencyLicence, ContractEvent, Insurer

# The big three write over 60 % of P&C premium (DOMAIN.md §5): most stores sell two of them.
MAJOR = ["PICC", "PINGAN", "CPIC"]
OTHERS = ["CHINALIFE", "DADI", "SUNSHINE", "TAIPING", "CIC", "TIANAN"]
# Chance that a store allowed a third partner (by its premium) has one.
THIRD_PARTNER_SHARE = 0.7
PARTS_TERMS = [
    "原厂配件按4S店配件价格结算",
    "原厂配件按厂家指导价九五折结算",
    "原厂配件按厂家指导价结算，品牌件需客户书面同意",
]
LABOUR_TERMS = [
    "工时费按本店工时单价 {price} 元/工时",
    "工时费按当地4S店行业协议价 {price} 元/工时",
    "钣喷工时 {price} 元/工时，机修工时按厂家标准工时",
]
LEGAL_OPINIONS = [
    "合同条款符合《保险法》第一百一十七条、第一百一十九条及报行合一要求，手续费率与备案一致，同意签署。",
    "已核对兼业代理许可及备案费率，合同未约定合同外返还或赠送，无法律障碍。",
]


def partner_count(monthly_premium: Decimal, rng: random.Random) -> int:
    """How many partner insurers a demo store has: two, and a third only when the
    partner limit allows it (monthly premium at or above the threshold)."""
    basic = settings.CHEXIAN_PARTNER_LIMIT
    high = settings.CHEXIAN_PARTNER_LIMIT_HIGH
    allowed = high if monthly_premium >= Decimal(settings.CHEXIAN_PARTNER_PREMIUM_THRESHOLD) else basic
    wanted = 3 if rng.random() < THIRD_PARTNER_SHARE else 2
    return max(1, min(allowed, wanted))


def choose_insurers(count: int, rng: random.Random) -> list[Insurer]:
    """``count`` distinct active insurers: two of the big three first, then a smaller one."""
    by_code = {i.code: i for i in Insurer.objects.filter(is_active=True)}
    majors = [by_code[c] for c in MAJOR if c in by_code]
    others = [by_code[c] for c in OTHERS if c in by_code]
    chosen = rng.sample(majors, min(2, len(majors)))
    pool = others + [i for i in majors if i not in chosen]
    while len(chosen) < count and pool:
        chosen.append(pool.pop(rng.randrange(len(pool))))
    return chosen[:count]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def build_store(
    store, *, office, monthly_premium: Decimal, valid_from: dt.date, valid_until: dt.date, rng: random.Random
) -> list[AgencyContract]:
    """The agency licence and the ACTIVE contracts of one demo store, with their
    events. ``store`` carries ``staff`` (``chexian.org.demo.build``); ``office`` is the
    group insurance office user. Returns the contracts in partner order (main first)."""
    supervisor = store.staff["supervisor"]
    AgencyLicence.objects.create(
        store=store,
        licence_no=f"{rng.randrange(10**14, 10**15)}",
        valid_from=dt.date(valid_from.year - 1, rng.randrange(1, 13), 1),
        valid_until=None,
        registered_staff="\n".join(store.staff[k].first_name for k in ("supervisor", "issuer1", "issuer2")),
    )
    insurers = choose_insurers(partner_count(monthly_premium, rng), rng)
    contracts = []
    timeline = []
    for insurer in insurers:
        commercial = Decimal(rng.randrange(20, 51)) / 2  # 10.0 – 25.0 %
        proposed = valid_from - dt.timedelta(days=rng.randrange(40, 75))
        approved = proposed + dt.timedelta(days=rng.randrange(5, 15))
        reviewed = approved + dt.timedelta(days=rng.randrange(3, 10))
        opinion = rng.choice(LEGAL_OPINIONS)
        reason = f"同意与{insurer.short_name}合作，费率与备案一致。"
        contracts.append(
            AgencyContract(
                store=store,
                insurer=insurer,
                status=ContractStatus.ACTIVE,
                valid_from=valid_from,
                valid_until=valid_until,
                rate_ctpl=rng.choice([Decimal("3.00"), Decimal("3.50"), Decimal("4.00"), Decimal("4.00")]),
                rate_commercial=commercial.quantize(Decimal("0.01")),
                rate_nev_commercial=(commercial - rng.choice([1, 2, 3, 4])).quantize(Decimal("0.01")),
                rate_non_motor=Decimal(rng.randrange(20, 31)).quantize(Decimal("0.01")),
                commission_base=CommissionBase.WITHOUT_VAT,
                parts_terms=rng.choice(PARTS_TERMS),
                labour_terms=rng.choice(LABOUR_TERMS).format(price=rng.choice([80, 90, 100, 120])),
                claim_payment_days=rng.choice([15, 20, 30, 30, 45]),
                proposed_by=supervisor,
                decided_by=office,
                decided_at=_at(approved, 10),
                decision_reason=reason,
                legal_reviewed_by=office,
                legal_reviewed_at=_at(reviewed, 15),
                legal_opinion=opinion,
            )
        )
        timeline.append(
            [
                ("", ContractStatus.PROPOSED, supervisor, _at(proposed, 9), ""),
                (ContractStatus.PROPOSED, ContractStatus.APPROVED, office, _at(approved, 10), reason),
                (ContractStatus.APPROVED, ContractStatus.ACTIVE, office, _at(reviewed, 15), opinion),
            ]
        )
    AgencyContract.objects.bulk_create(contracts)
    events = [
        ContractEvent(contract=contract, from_status=f, to_status=t, actor=actor, reason=why)
        for contract, moves in zip(contracts, timeline, strict=True)
        for f, t, actor, _at_, why in moves
    ]
    ContractEvent.objects.bulk_create(events)
    # ``at`` is auto_now_add: set the history's own dates afterwards.
    moments = [at for moves in timeline for *_rest, at, _why in moves]
    for event, at in zip(events, moments, strict=True):
        ContractEvent.objects.filter(pk=event.pk).update(at=at)
    log_action(
        AuditAction.BULK_CREATE,
        store,
        store_id=store.pk,
        after={"agency_licences": 1, "contracts": len(contracts), "insurers": [i.code for i in insurers]},
        reason="chexian demo",
    )
    return contracts
