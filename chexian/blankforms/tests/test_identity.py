"""The register's accounting identity after any sequence of operations (property-based):
received = in stock + issued + used + voided + returned + lost, and every refused
operation leaves the register as it was."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chexian.blankforms import selectors, services
from chexian.blankforms.choices import FormKind
from chexian.blankforms.models import BlankForm
from chexian.core.testing import standing_cast
from chexian.insurers.models import Insurer

KIND = FormKind.INSURANCE_MARK

operations = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(1, 60), st.integers(0, 6)),
        st.tuples(st.just("issue"), st.integers(1, 60), st.integers(0, 4)),
        st.tuples(st.sampled_from(["void", "return", "lose", "use"]), st.integers(1, 60), st.just(0)),
    ),
    max_size=25,
)


def _serial(n):
    return f"BZ{n:08d}"


def _policy(cast):
    """One policy of store A to print on; ``use`` does not mind it printed on several forms."""
    from chexian.core.testing import make_vehicle
    from chexian.policies.tests.factories import active_contract, make_policy

    if not hasattr(cast, "policy"):  # made once per example, rolled back with it
        active_contract(cast, cast.store_a)
        cast.policy = make_policy(cast.a_issuer, make_vehicle(cast.a_issuer, cast.store_a))
    return cast.policy


def _apply(cast, op, n, span, insurer):
    if op == "receive":
        services.receive_range(actor=cast.a_supervisor, store=cast.store_a, insurer=insurer, kind=KIND, prefix="BZ",
                               first_number=n, last_number=n + span, received_on="2026-03-01")
    elif op == "issue":
        services.issue_range(actor=cast.a_supervisor, store=cast.store_a, kind=KIND, first_serial=_serial(n),
                             last_serial=_serial(n + span), holder=cast.a_issuer)
    else:
        form = services.find_form(store=cast.store_a, kind=KIND, serial=_serial(n))
        if op == "void":
            services.void(actor=cast.a_issuer, form=form, reason="spoilt", original_kept=True)
        elif op == "return":
            services.return_to_insurer(actor=cast.a_supervisor, form=form)
        elif op == "lose":
            services.report_lost(actor=cast.a_supervisor, form=form, reason="missing")
        else:
            services.use(actor=cast.a_issuer, form=form, policy=_policy(cast))


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(ops=operations)
def test_identity_holds_after_any_sequence(django_db_blocker, ops):
    from django.db import transaction

    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                cast = standing_cast()
                insurer = Insurer.objects.get(code="PICC")
                for op, n, span in ops:
                    before = list(BlankForm.objects.order_by("pk").values_list("pk", "status", "holder_id"))
                    try:
                        _apply(cast, op, n, span, insurer)
                    except (ValidationError, PermissionDenied):
                        after = list(BlankForm.objects.order_by("pk").values_list("pk", "status", "holder_id"))
                        assert after == before, (op, n, span)
                    totals = selectors.accounting(cast.a_supervisor)
                    assert totals["balanced"], totals
                    assert totals["received"] == sum(totals[s] for s in ("in_stock", "issued", "used", "voided",
                                                                         "returned", "lost"))
                raise _Rollback
        except _Rollback:
            pass


class _Rollback(Exception):
    pass
