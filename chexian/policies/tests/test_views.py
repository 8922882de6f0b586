"""Policy pages, read as the permission model and the issuing rules of SPEC §3.3:
the six-step flow saves nothing until its last step, a refusal goes back to the
step holding the offending field, another store's policy is a 404."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from chexian.catalog.models import Coverage
from chexian.core.testing import make_customer, make_vehicle
from chexian.insurers.models import Insurer
from chexian.policies import services
from chexian.policies.choices import BusinessType, IssueStep, PolicyLine, PolicySource, PolicyStatus
from chexian.policies.models import Policy
from chexian.policies.tests.factories import active_contract, make_policy

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english(settings):
    # Assertions read the English messages; the site itself is Chinese first.
    settings.LANGUAGE_CODE = "en"


# ---------------------------------------------------------------- data through the real services
@pytest.fixture
def contract(cast):
    """Store A's ACTIVE contract with PICC: 18 % on commercial, 4 % on CTPL, without VAT."""
    return active_contract(cast, cast.store_a)


@pytest.fixture
def owner(cast):
    return make_customer(cast.a_supervisor, cast.store_a, name="张三", mobile="13812345678")


@pytest.fixture
def new_car(cast, owner):
    """Bought ten days ago, never insured: a new car (新车首保)."""
    return make_vehicle(cast.a_supervisor, cast.store_a, owner=owner, purchase_date=TODAY - dt.timedelta(days=10))


def coverage(code):
    return Coverage.objects.get(code=code)


def issue_directly(actor, vehicle, *, line=PolicyLine.COMMERCIAL, start=None, **overrides):
    """A policy issued through the service (as an earlier flow or the import would), from today."""
    return make_policy(actor, vehicle, line=line, start=start or TODAY, **overrides)


# ---------------------------------------------------------------- walking the flow
class Flow:
    """Drives the guided issuing flow with the test client, one POST per step."""

    def __init__(self, client, start_url=None):
        self.client = client
        response = client.get(start_url or reverse("policies:policy_issue"))
        assert response.status_code == 302, response.content
        self.id = parse_qs(urlparse(response["Location"]).query)["flow"][0]

    def url(self, step):
        return f"{reverse('policies:policy_issue')}?flow={self.id}&step={step}"

    def get(self, step):
        return self.client.get(self.url(step))

    def post(self, step, **data):
        return self.client.post(reverse("policies:policy_issue"), {"flow": self.id, "step": step, **data})

    def step_of(self, response) -> str:
        assert response.status_code == 302, response.content.decode()[:2000]
        return parse_qs(urlparse(response["Location"]).query).get("step", [""])[0]


def plan_rows(*rows):
    """POST data of the plan table: (coverage code, limit or None, premium)."""
    data = {}
    for code, limit, premium in rows:
        pk = coverage(code).pk
        data[f"cov-{pk}-on"] = "on"
        data[f"cov-{pk}-premium"] = premium
        if limit is not None:
            data[f"cov-{pk}-limit"] = limit
    return data


def commercial_steps(flow, vehicle, *, number="PDAA2026100001", documents=("owner_id", "sales_invoice", "certificate")):
    """Steps 1–5 of a commercial policy; returns the response of step 5."""
    assert flow.step_of(flow.post(IssueStep.INTRODUCE, vehicle=vehicle.pk, line=PolicyLine.COMMERCIAL)) == "plan"
    plan = plan_rows(("vehicle_damage", None, "2000.00"), ("third_party", "1000000.00", "1180.00"))
    assert flow.step_of(flow.post(IssueStep.PLAN, **plan)) == "enter"
    enter = {
        "insurer": Insurer.objects.get(code="PICC").pk,
        "number": number,
        "policyholder": vehicle.owner_id,
        "start_date": TODAY.isoformat(),
        "premium": "3180.00",
        "premium_without_vat": "3000.00",
    }
    assert flow.step_of(flow.post(IssueStep.ENTER, **enter)) == "pay_print"
    pay = {"payment_ref": "WX20260101123456", "payer_is_policyholder": "on", "blank_form_serial": ""}
    assert flow.step_of(flow.post(IssueStep.PAY_PRINT, **pay)) == "confirm"
    assert flow.step_of(flow.post(IssueStep.CONFIRM, confirm_code="PICC26A0C0DE")) == "archive"
    return {"documents": list(documents)}


def test_six_steps_issue_one_policy_only_at_the_last_step(client, cast, contract, new_car):
    client.force_login(cast.a_issuer)
    flow = Flow(client)
    archive = commercial_steps(flow, new_car)
    assert not Policy.objects.exists(), "nothing is saved before the last step"

    page = flow.get(IssueStep.ARCHIVE)
    assert page.status_code == 200
    assert page.context["required_documents"] == ["owner_id", "sales_invoice", "certificate"]
    assert not Policy.objects.exists()

    response = flow.post(IssueStep.ARCHIVE, **archive)
    policy = Policy.objects.get()
    assert response["Location"] == reverse("policies:policy_detail", args=[policy.pk])
    assert policy.business_type == BusinessType.NEW_CAR
    assert policy.source == PolicySource.DIRECT
    assert policy.contract == contract
    assert policy.commission_rate == Decimal("18.00")
    assert policy.commission_base_amount == Decimal("3000.00")
    assert policy.commission_amount == Decimal("540.00")
    assert policy.end_date == services.one_year_end(TODAY)
    assert policy.vat == Decimal("180.00")
    assert policy.payment_ref == "WX20260101123456"
    assert policy.payer_is_policyholder is True  # 实名缴费, ticked at step 4
    assert policy.confirm_code == "PICC26A0C0DE"
    assert policy.issuer == cast.a_issuer
    assert {(c.coverage.code, c.limit, c.premium) for c in policy.coverages.all()} == {
        ("vehicle_damage", None, Decimal("2000.00")),
        ("third_party", Decimal("1000000.00"), Decimal("1180.00")),
    }
    # The flow is over: its session state is gone.
    assert flow.id not in client.session.get("policy_issue", {})


def test_step_indicator_shows_the_six_steps(client, cast, contract, new_car):
    client.force_login(cast.a_issuer)
    flow = Flow(client)
    page = flow.get(IssueStep.INTRODUCE)
    assert page.status_code == 200
    text = page.content.decode()
    for number, name in enumerate(["介绍", "方案", "录入", "缴费打印", "确认", "归档"], start=1):
        assert re.search(rf'<span class="step-no">{number}</span>{name}', text), name
    assert [s["current"] for s in page.context["steps"]] == [True, False, False, False, False, False]


def test_steps_cannot_be_skipped(client, cast, contract, new_car):
    client.force_login(cast.a_issuer)
    flow = Flow(client)
    response = flow.get(IssueStep.CONFIRM)
    assert flow.step_of(response) == "introduce"
    response = flow.post(IssueStep.ENTER, number="X")
    assert flow.step_of(response) == "introduce"


def test_introduce_shows_history_business_type_and_documents(client, cast, contract, new_car):
    issue_directly(cast.a_issuer, new_car, start=TODAY - dt.timedelta(days=200), number="OLD-1")
    client.force_login(cast.a_issuer)
    flow = Flow(client, reverse("policies:policy_issue") + f"?vehicle={new_car.pk}&line=commercial")
    page = flow.get(IssueStep.INTRODUCE)
    preview = page.context["preview"]
    assert preview["business_type"] == BusinessType.RENEWAL
    assert "OLD-1" in page.content.decode()
    assert "Vehicle licence" in page.content.decode()
    # The same panel over htmx when the vehicle or the line changes.
    fragment = client.get(reverse("policies:policy_issue_preview"), {"vehicle": new_car.pk, "line": "ctpl"})
    assert fragment.status_code == 200
    # No CTPL here before, but a policy of another line: not a new car, a transfer-in.
    assert fragment.context["preview"]["business_type"] == BusinessType.TRANSFER_IN


def test_going_back_keeps_what_was_entered(client, cast, contract, new_car):
    client.force_login(cast.a_issuer)
    flow = Flow(client)
    commercial_steps(flow, new_car)
    enter = flow.get(IssueStep.ENTER)
    assert enter.status_code == 200
    assert enter.context["form"]["number"].value() == "PDAA2026100001"
    assert all(s["done"] for s in enter.context["steps"][:5])


def test_refused_policy_goes_back_to_the_step_of_the_field(client, cast, contract, new_car):
    client.force_login(cast.a_issuer)
    flow = Flow(client)
    commercial_steps(flow, new_car)
    # The required documents of a new car were not checked: the archive step says which.
    response = flow.post(IssueStep.ARCHIVE, documents=["owner_id"])
    assert flow.step_of(response) == "archive"
    page = client.get(response["Location"])
    assert "Documents to check for this business type are missing" in page.content.decode()
    assert page.context["form"].errors["documents"]
    assert not Policy.objects.exists()


def test_overlapping_compulsory_policy_is_refused_in_the_flow(client, cast, contract, new_car):
    existing = issue_directly(cast.a_issuer, new_car, line=PolicyLine.CTPL, start=TODAY - dt.timedelta(days=100))
    client.force_login(cast.a_issuer)
    flow = Flow(client)
    assert flow.step_of(flow.post(IssueStep.INTRODUCE, vehicle=new_car.pk, line=PolicyLine.CTPL)) == "plan"
    assert flow.step_of(flow.post(IssueStep.PLAN, **plan_rows(("ctpl", None, "855.00")))) == "enter"
    enter = {
        "insurer": Insurer.objects.get(code="PICC").pk,
        "number": "PDZA2026000002",
        "policyholder": new_car.owner_id,
        "start_date": TODAY.isoformat(),
        "premium": "855.00",
        "premium_without_vat": "806.60",
        "vehicle_tax": "360.00",
    }
    assert flow.step_of(flow.post(IssueStep.ENTER, **enter)) == "pay_print"
    flow.post(IssueStep.PAY_PRINT, payment_ref="WX1", payer_is_policyholder="on")
    flow.post(IssueStep.CONFIRM, confirm_code="CODE1")
    response = flow.post(IssueStep.ARCHIVE, documents=["owner_id", "vehicle_licence"])

    assert flow.step_of(response) == "enter"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert f"This vehicle already has a CTPL policy ({existing.number}" in text
    assert page.context["form"].errors["start_date"]
    assert "The policy was not issued" in text
    assert list(Policy.objects.all()) == [existing]


def test_payer_must_be_confirmed_as_the_policyholder(client, cast, contract, new_car):
    client.force_login(cast.a_issuer)
    flow = Flow(client)
    commercial_steps(flow, new_car)
    page = flow.post(IssueStep.PAY_PRINT, payment_ref="WX1")
    assert page.status_code == 200
    assert page.context["form"].errors["payer_is_policyholder"]


def test_insurer_without_contract_is_refused_at_the_insurer_field(client, cast, new_car):
    client.force_login(cast.a_issuer)
    flow = Flow(client)
    archive = commercial_steps(flow, new_car)
    response = flow.post(IssueStep.ARCHIVE, **archive)
    assert flow.step_of(response) == "enter"
    page = client.get(response["Location"])
    assert "has no active agency contract" in page.context["form"].errors["insurer"][0]
    assert not Policy.objects.exists()


def chosen_quote(cast, contract, vehicle):
    """A quote for ``vehicle`` whose customer chose the contract's insurer."""
    from chexian.quotes import services as quote_services

    quote = quote_services.create_quote(
        actor=cast.a_issuer,
        vehicle=vehicle,
        start_date=TODAY,
        items=[(coverage("vehicle_damage"), None), (coverage("third_party"), Decimal("1000000"))],
    )
    offer = quote_services.record_offer(
        actor=cast.a_issuer,
        quote=quote,
        insurer=contract.insurer,
        commercial_premium=Decimal("3180.00"),
        commercial_premium_without_vat=Decimal("3000.00"),
        ctpl_premium=Decimal("855.00"),
        ctpl_premium_without_vat=Decimal("806.60"),
        vehicle_tax=Decimal("360.00"),
        lines=[(coverage("vehicle_damage"), Decimal("2000.00")), (coverage("third_party"), Decimal("1180.00"))],
    )
    return quote_services.choose_offer(actor=cast.a_issuer, quote=quote, offer=offer)


def test_issue_from_a_quote_prefills_the_chosen_offer(client, cast, contract, new_car):
    quote = chosen_quote(cast, contract, new_car)
    client.force_login(cast.a_issuer)
    flow = Flow(client, reverse("policies:policy_issue") + f"?quote={quote.pk}")
    intro = flow.get(IssueStep.INTRODUCE)
    assert intro.context["form"]["vehicle"].value() == new_car.pk
    assert intro.context["form"]["line"].value() == PolicyLine.COMMERCIAL
    flow.post(IssueStep.INTRODUCE, vehicle=new_car.pk, line=PolicyLine.COMMERCIAL)

    plan = flow.get(IssueStep.PLAN).context["form"]
    damage, third = coverage("vehicle_damage").pk, coverage("third_party").pk
    assert plan[f"cov-{damage}-on"].value() is True
    assert plan[f"cov-{damage}-premium"].value() == Decimal("2000.00")
    assert plan[f"cov-{third}-limit"].value() == "1000000.00"
    # The unbound plan form's initial values are what gets posted back.
    data = {name: plan[name].value() for name in plan.fields if plan[name].value() not in (None, False, "")}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    assert flow.step_of(flow.post(IssueStep.PLAN, **data)) == "enter"

    enter = flow.get(IssueStep.ENTER).context["form"]
    assert enter["insurer"].value() == contract.insurer_id
    assert enter["premium"].value() == Decimal("3180.00")
    assert enter["premium_without_vat"].value() == Decimal("3000.00")
    flow.post(
        IssueStep.ENTER, insurer=contract.insurer_id, number="PDAA2026300001", policyholder=new_car.owner_id,
        start_date=TODAY.isoformat(), premium="3180.00", premium_without_vat="3000.00", vat="180.00",
    )
    flow.post(IssueStep.PAY_PRINT, payment_ref="WX9", payer_is_policyholder="on")
    flow.post(IssueStep.CONFIRM, confirm_code="C9")
    response = flow.post(IssueStep.ARCHIVE, documents=["owner_id", "sales_invoice", "certificate"])
    policy = Policy.objects.get()
    assert response["Location"] == reverse("policies:policy_detail", args=[policy.pk])
    assert policy.source == PolicySource.QUOTE
    assert policy.quote == quote
    assert policy.coverages.count() == 2
    # The detail page offers the CTPL of the same offer next.
    detail = client.get(response["Location"])
    assert detail.context["sibling_url"].endswith(f"?quote={quote.pk}&line=ctpl")


def test_ctpl_from_the_same_quote_takes_the_offers_ctpl_figures(client, cast, contract, new_car):
    quote = chosen_quote(cast, contract, new_car)
    client.force_login(cast.a_issuer)
    flow = Flow(client, reverse("policies:policy_issue") + f"?quote={quote.pk}&line=ctpl")
    assert flow.get(IssueStep.INTRODUCE).context["form"]["line"].value() == PolicyLine.CTPL
    flow.post(IssueStep.INTRODUCE, vehicle=new_car.pk, line=PolicyLine.CTPL)
    plan = flow.get(IssueStep.PLAN).context["form"]
    ctpl = coverage("ctpl").pk
    assert set(plan.initial) >= {f"cov-{ctpl}-premium"}
    assert plan[f"cov-{ctpl}-on"].value() is True
    assert plan[f"cov-{ctpl}-premium"].value() == Decimal("855.00")
    assert len([name for name in plan.fields if name.endswith("-on")]) == 1, "CTPL clauses only"
    flow.post(IssueStep.PLAN, **plan_rows(("ctpl", None, "855.00")))
    enter = flow.get(IssueStep.ENTER).context["form"]
    assert enter["premium"].value() == Decimal("855.00")
    assert enter["vat"].value() == Decimal("48.40")
    assert enter["vehicle_tax"].value() == Decimal("360.00")
    assert "short_term_reason" in enter.fields


def test_a_quote_of_another_store_cannot_start_the_flow(client, cast, contract, new_car):
    quote = chosen_quote(cast, contract, new_car)
    client.force_login(cast.b_issuer)
    assert client.get(reverse("policies:policy_issue") + f"?quote={quote.pk}").status_code == 404


# ---------------------------------------------------------------- permissions and scoping
def test_department_staff_may_not_issue(client, cast, new_car):
    client.force_login(cast.a_dept)
    assert client.get(reverse("policies:policy_issue")).status_code == 403
    assert client.post(reverse("policies:policy_issue"), {"flow": "x", "step": "introduce"}).status_code == 403


def test_another_stores_policy_is_a_404_and_never_listed(client, cast, contract, new_car):
    policy = issue_directly(cast.a_issuer, new_car)
    client.force_login(cast.b_supervisor)
    assert client.get(reverse("policies:policy_detail", args=[policy.pk])).status_code == 404
    assert client.get(reverse("policies:policy_detail", args=[policy.pk + 1000])).status_code == 404
    assert client.get(reverse("policies:policy_endorse", args=[policy.pk])).status_code == 404
    assert client.get(reverse("policies:policy_cancel", args=[policy.pk])).status_code == 404
    listing = client.get(reverse("policies:policy_list"))
    assert listing.status_code == 200
    assert list(listing.context["object_list"]) == []
    assert policy.number not in listing.content.decode()
    # Searching by the number or the plate finds nothing either.
    assert list(client.get(reverse("policies:policy_list"), {"q": policy.number}).context["object_list"]) == []
    assert list(client.get(reverse("policies:policy_list"), {"q": new_car.plate}).context["object_list"]) == []


def test_another_stores_vehicle_cannot_be_picked(client, cast, contract, new_car):
    client.force_login(cast.b_issuer)
    assert client.get(reverse("policies:policy_issue") + f"?vehicle={new_car.pk}").status_code == 404
    options = client.get(reverse("policies:vehicle_choices"), {"q": new_car.plate})
    assert new_car.plate not in options.content.decode()
    flow = Flow(client)
    page = flow.post(IssueStep.INTRODUCE, vehicle=new_car.pk, line=PolicyLine.COMMERCIAL)
    assert page.status_code == 200
    assert page.context["form"].errors["vehicle"]


def test_vehicle_picker_finds_own_vehicles_by_plate(client, cast, new_car):
    client.force_login(cast.a_issuer)
    options = client.get(reverse("policies:vehicle_choices"), {"q": new_car.plate})
    assert options.status_code == 200
    assert f'value="{new_car.pk}"' in options.content.decode()


# ---------------------------------------------------------------- list and detail
def test_list_filters_and_search(client, cast, contract, new_car, owner):
    commercial = issue_directly(cast.a_issuer, new_car)
    ctpl = issue_directly(cast.a_issuer, new_car, line=PolicyLine.CTPL, number="PDZA0001")
    other = make_vehicle(cast.a_supervisor, cast.store_a, owner=owner)
    issue_directly(cast.a_issuer, other, number="PDAA0003", start=TODAY + dt.timedelta(days=20))
    client.force_login(cast.a_supervisor)
    url = reverse("policies:policy_list")

    def rows(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {p.number for p in response.context["object_list"]}

    assert rows() == {commercial.number, ctpl.number, "PDAA0003"}
    assert rows(line="ctpl") == {ctpl.number}
    assert rows(q=new_car.plate) == {commercial.number, ctpl.number}
    assert rows(q="PDAA0003") == {"PDAA0003"}
    assert rows(start_from=(TODAY + dt.timedelta(days=1)).isoformat()) == {"PDAA0003"}
    # The other car has no purchase date and no history here: it came from elsewhere.
    assert rows(business_type="new_car", store=cast.store_a.pk) == {commercial.number, ctpl.number}
    assert rows(business_type="transfer_in") == {"PDAA0003"}
    assert rows(status="cancelled") == set()
    assert rows(insurer=contract.insurer_id) == {commercial.number, ctpl.number, "PDAA0003"}


def test_list_store_filter_offers_only_own_stores(client, cast):
    client.force_login(cast.a_issuer)
    response = client.get(reverse("policies:policy_list"))
    stores = list(response.context["filter"].form.fields["store"].queryset)
    assert stores == [cast.store_a]


def test_policy_list_query_count_is_pinned(client, cast, contract, owner, django_assert_max_num_queries):
    for i in range(8):
        vehicle = make_vehicle(cast.a_supervisor, cast.store_a, owner=owner)
        issue_directly(cast.a_issuer, vehicle, number=f"PDAA10{i:04d}")
    client.force_login(cast.a_supervisor)
    # session, user, roles, count, page (with store, insurer, vehicle, holder), store and insurer choices.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("policies:policy_list"))
    assert len(response.context["object_list"]) == 8


def test_detail_shows_coverages_commission_and_history(client, cast, contract, new_car):
    policy = issue_directly(cast.a_issuer, new_car)
    client.force_login(cast.a_supervisor)
    response = client.get(reverse("policies:policy_detail", args=[policy.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "三者险" in text and "1180.00" in text and "1000000.00" in text
    assert "540.00" in text  # commission: 18 % of 3000.00
    assert response.context["audit_entries"] is not None and len(response.context["audit_entries"]) >= 1
    assert response.context["can_endorse"] and response.context["can_cancel"]
    # An issuer may endorse but not cancel; the audit history is the supervisor's.
    client.force_login(cast.a_issuer)
    response = client.get(reverse("policies:policy_detail", args=[policy.pk]))
    assert response.context["can_endorse"] and not response.context["can_cancel"]
    assert response.context["audit_entries"] is None


# ---------------------------------------------------------------- endorse and cancel
def test_plate_endorsement_changes_the_vehicle_and_keeps_history(client, cast, contract, new_car):
    policy = issue_directly(cast.a_issuer, new_car)
    client.force_login(cast.a_issuer)
    url = reverse("policies:policy_endorse", args=[policy.pk]) + "?kind=plate"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"kind": "plate", "plate": "粤B7K3M9", "effective_date": TODAY.isoformat(), "premium_change": "0"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    new_car.refresh_from_db()
    assert new_car.plate == "粤B7K3M9"
    endorsement = policy.endorsements.get()
    assert endorsement.after == {"plate": "粤B7K3M9"}
    detail = client.get(reverse("policies:policy_detail", args=[policy.pk]))
    assert "粤B7K3M9" in detail.content.decode()


def test_owner_endorsement_outside_the_period_is_refused_on_the_field(client, cast, contract, new_car):
    policy = issue_directly(cast.a_issuer, new_car)
    buyer = make_customer(cast.a_supervisor, cast.store_a, name="王五")
    client.force_login(cast.a_issuer)
    url = reverse("policies:policy_endorse", args=[policy.pk]) + "?kind=owner"
    response = client.post(url, {
        "kind": "owner", "policyholder": buyer.pk, "effective_date": (TODAY - dt.timedelta(days=5)).isoformat(),
        "premium_change": "0",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["effective_date"]
    response = client.post(url, {
        "kind": "owner", "policyholder": buyer.pk, "effective_date": TODAY.isoformat(), "premium_change": "0",
    })
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.policyholder == buyer and policy.insured_name == "王五"


def test_coverage_endorsement_replaces_the_coverages(client, cast, contract, new_car):
    policy = issue_directly(cast.a_issuer, new_car)
    client.force_login(cast.a_issuer)
    url = reverse("policies:policy_endorse", args=[policy.pk]) + "?kind=coverage"
    form = client.get(url).context["form"]
    assert form[f"cov-{coverage('third_party').pk}-on"].value() is True
    data = {"kind": "coverage", "effective_date": TODAY.isoformat(), "premium_change": "120.00"}
    data.update(plan_rows(("vehicle_damage", None, "2000.00"), ("third_party", "2000000.00", "1300.00")))
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    policy.refresh_from_db()
    assert policy.premium == Decimal("3300.00")
    assert policy.coverages.get(coverage__code="third_party").limit == Decimal("2000000.00")


def test_cancel_needs_the_cancel_action_and_a_lawful_reason(client, cast, contract, new_car):
    ctpl = issue_directly(cast.a_issuer, new_car, line=PolicyLine.CTPL, number="PDZA9")
    url = reverse("policies:policy_cancel", args=[ctpl.pk])
    client.force_login(cast.a_issuer)
    assert client.get(url).status_code == 403
    client.force_login(cast.a_supervisor)
    data = {"reason": "policyholder_request", "effective_date": TODAY.isoformat(), "refund_amount": "100.00"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Art 16" in response.context["form"].errors["reason"][0]
    response = client.post(url, {**data, "reason": "deregistered"})
    assert response.status_code == 302
    ctpl.refresh_from_db()
    assert ctpl.status == PolicyStatus.CANCELLED
    assert ctpl.cancellation.commission_clawback == Decimal("3.77")  # 32.26 × 100 / 855
