"""Customer visits (回访) after first insurance and renewal, and repair
opportunities (留修机会) from damage noticed on a visiting car."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from chexian.core.testing import make_vehicle
from chexian.leads import services
from chexian.leads.choices import RepairStatus, VisitKind
from chexian.leads.models import CustomerVisit, RepairOpportunity
from chexian.policies.tests.factories import active_contract, make_policy

pytestmark = pytest.mark.django_db


def test_a_renewal_issued_a_week_ago_is_due_a_visit_once(client, cast):
    today = timezone.localdate()
    active_contract(cast, cast.store_a, valid_from=today - dt.timedelta(days=800),
                    valid_until=today + dt.timedelta(days=400))
    car = make_vehicle(cast.a_issuer, cast.store_a, engine_no="E1")
    last = make_policy(cast.a_issuer, car, start=today - dt.timedelta(days=372),
                       issued_on=today - dt.timedelta(days=380))
    renewal = make_policy(cast.a_issuer, car, start=last.end_date + dt.timedelta(days=1),
                          issued_on=today - dt.timedelta(days=7))
    assert list(services.visits_due(cast.a_issuer, today)) == [renewal]
    assert list(services.visits_due(cast.b_issuer, today)) == []

    with pytest.raises(ValidationError):
        services.record_visit(actor=cast.a_issuer, policy=renewal, satisfaction=6)
    with pytest.raises(PermissionDenied):
        services.record_visit(actor=cast.a_dept, policy=renewal, satisfaction=5)
    client.force_login(cast.a_issuer)
    response = client.post(reverse("leads:visits"), {"policy": renewal.pk, "satisfaction": "4", "comments": "出单快"})
    assert response.status_code == 302
    visit = CustomerVisit.objects.get()
    assert (visit.kind, visit.satisfaction, visit.customer) == (VisitKind.RENEWAL, 4, renewal.policyholder)
    assert list(services.visits_due(cast.a_issuer, today)) == []


def test_damage_noticed_becomes_a_repair_order_and_counts_for_retention(client, cast):
    with pytest.raises(ValidationError) as exc:
        services.note_repair(actor=cast.a_dept, store=cast.store_a, plate="粤A1", damage="")
    assert set(exc.value.message_dict) == {"plate", "damage"}
    opportunity = services.note_repair(actor=cast.a_dept, store=cast.store_a, plate="粤a8k2m6",
                                       damage="左前门凹陷", estimate=Decimal("1200.00"))
    assert (opportunity.plate, opportunity.noticed_by) == ("粤A8K2M6", cast.a_dept)
    with pytest.raises(PermissionDenied):
        services.update_repair(actor=cast.a_dept, opportunity=opportunity, status=RepairStatus.CONVERTED,
                               repair_order="RO1")
    with pytest.raises(ValidationError):
        services.update_repair(actor=cast.a_supervisor, opportunity=opportunity, status=RepairStatus.CONVERTED)
    client.force_login(cast.a_supervisor)
    response = client.post(reverse("leads:repairs"), {"opportunity": opportunity.pk, "status": "converted",
                                                      "repair_order": "RO20261122001"})
    assert response.status_code == 302
    assert RepairOpportunity.objects.get().status == RepairStatus.CONVERTED
    today = timezone.localdate()
    assert services.repair_retention(cast.a_supervisor, today.replace(day=1), today) == {
        "noticed": 1, "converted": 1, "declined": 0, "rate": 100, "claims": 0, "claims_insured_elsewhere": 0}
    client.force_login(cast.b_supervisor)
    assert client.post(reverse("leads:repairs"), {"opportunity": opportunity.pk, "status": "declined"}
                       ).status_code == 404


def test_a_repaired_accident_car_is_due_a_claim_visit_once(client, cast):
    from chexian.claims.choices import Step
    from chexian.claims.testing import claims_crew, open_case, walk_to

    today = timezone.localdate()
    active_contract(cast, cast.store_a, valid_from=today - dt.timedelta(days=100),
                    valid_until=today + dt.timedelta(days=300))
    crew = claims_crew(cast)
    case = walk_to(open_case(crew.adjuster, cast.store_a), Step.FILING, crew.adjuster,
                   data={Step.SIGNING: {"invoice_no": "FP1", "signed_on": today - dt.timedelta(days=5)}})
    assert list(services.claim_visits_due(cast.a_issuer, today)) == [case]
    assert list(services.claim_visits_due(cast.b_issuer, today)) == []
    assert list(services.claim_visits_due(crew.adjuster, today)) == []  # the desk calls, not the adjuster
    client.force_login(cast.a_issuer)
    response = client.post(reverse("leads:visits"), {"claim": case.pk, "satisfaction": "5", "comments": "修得好"})
    assert response.status_code == 302
    visit = CustomerVisit.objects.get(claim=case)
    assert (visit.kind, visit.customer, visit.satisfaction) == (VisitKind.CLAIM, case.customer, 5)
    assert list(services.claim_visits_due(cast.a_issuer, today)) == []
    with pytest.raises(ValidationError):
        services.record_claim_visit(actor=cast.a_issuer, case=case, satisfaction=4)
