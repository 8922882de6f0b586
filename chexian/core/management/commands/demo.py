import datetime as dt
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from chexian.aftersales import demo as aftersales_demo
from chexian.claims import demo as claims_demo
from chexian.customers import demo as customers_demo
from chexian.incentives import demo as incentives_demo
from chexian.org import demo as org_demo
from chexian.org.models import DealerGroup
from chexian.policies import demo as policies_demo
from chexian.reports import demo as reports_demo
from chexian.statements import demo as statements_demo


class Command(BaseCommand):
    help = (
        "Create the deterministic demo data set: a dealer group with regions and stores, staff in "
        "every role, customers with valid identifiers and their vehicles (own-brand, other-brand, "
        "new-energy with green plates), every store's agency licence and partner insurers' contracts, and "
        "years of policy history (new-car, renewal and transfer-in CTPL, commercial and non-motor policies) "
        "and of the workshop's service orders (工单). "
        "Refuses to run twice on the same database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stores", type=int, default=10, help="number of stores (default 10)")
        parser.add_argument("--vehicles-per-store", type=int, default=1000, help="vehicles per store (default 1000)")
        parser.add_argument("--years", type=int, default=3, help="years of policy history (default 3)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed: same seed, same data")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None, help="pretend today is this date")
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo logins")

    def handle(self, *args, stores, vehicles_per_store, years, seed, today, quiet_logins, **options):
        if stores < 1 or vehicles_per_store < 0 or years < 0:
            raise CommandError("--stores must be at least 1, --vehicles-per-store and --years not negative")
        if DealerGroup.objects.filter(code="DEMO").exists():
            raise CommandError("The demo group already exists in this database; use a fresh database.")
        rng = random.Random(seed)
        today = today or timezone.localdate()
        started = time.perf_counter()
        with transaction.atomic():
            _group, store_list, group_users = org_demo.build(stores=stores, rng=rng)
            office = group_users[0]
            vehicles = customers_demo.build(
                stores=store_list, vehicles_per_store=vehicles_per_store, rng=rng, today=today
            )
            counts = policies_demo.build(stores=store_list, office=office, rng=rng, today=today, years=years)
            service_orders = aftersales_demo.build(stores=store_list, rng=rng, today=today, years=years)
            claims = claims_demo.build(stores=store_list, rng=rng, today=today)
            statements = statements_demo.build(stores=store_list, rng=rng, today=today)
            incentives = incentives_demo.build(stores=store_list, rng=rng, today=today)
        # Today's renewal work: cases for the policies ending within the window, reminders due.
        from chexian.core.daily import run_daily

        daily = {result.name: result.changed for result in run_daily(today)}
        # Targets for the group ranking, and last month closed by some stores (after the daily job: the
        # frozen reports include today's renewal cases).
        closes = reports_demo.build(stores=store_list, today=today)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {stores} stores, {vehicles} vehicles, {counts['contracts']} agency contracts, "
                f"{counts['policies']} policies and {service_orders} service orders over {years} years, "
                f"{claims} claim cases, {statements} commission statements, {closes} month closes, "
                f"{incentives} gifts and rebates (flagged on the compliance report), "
                f"daily job {daily} in {elapsed:.1f} s (seed {seed})."
            )
        )
        if not quiet_logins:
            self.stdout.write(login_help(store_list[0].code.lower()))


def login_help(store_prefix: str = "s01") -> str:
    return (
        f"Demo logins (password: {org_demo.DEMO_PASSWORD}):\n"
        f"  {store_prefix}-supervisor  insurance supervisor of store {store_prefix.upper()}\n"
        f"  {store_prefix}-issuer1     policy issuer / renewal specialist\n"
        f"  {store_prefix}-adjuster    claims adjuster    {store_prefix}-finance  finance (remittances)\n"
        f"  {store_prefix}-sales1      sales consultant   {store_prefix}-wash  department staff\n"
        "  group-office  group insurance office (all stores)   auditor  (all stores, read-only)\n"
        "  admin         superuser, Django admin for master data"
    )
