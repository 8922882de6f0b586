import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from chexian.blankforms import selectors, services
from chexian.blankforms.choices import FormKind, FormStatus, MismatchReason
from chexian.blankforms.models import BlankForm, FormMovement, SerialMismatch
from chexian.blankforms.tests.factories import receive
from chexian.core.models import AuditLog
from chexian.core.testing import PASSWORD, make_vehicle
from chexian.policies.choices import PolicyLine
from chexian.policies.tests.factories import active_contract, make_policy

pytestmark = pytest.mark.django_db
S = FormStatus


def form(serial, kind=FormKind.COMPULSORY_POLICY):
    return BlankForm.objects.get(kind=kind, serial=serial)


def test_receive_creates_one_form_per_serial_in_stock(cast):
    batch = receive(cast.a_supervisor, cast.store_a, 1, 5)
    serials = list(batch.forms.order_by("number").values_list("serial", flat=True))
    assert serials == ["JQ00000001", "JQ00000002", "JQ00000003", "JQ00000004", "JQ00000005"]
    assert set(batch.forms.values_list("status", flat=True)) == {S.IN_STOCK}
    assert AuditLog.objects.filter(object_repr="JQ00000003", action="create").count() == 1
    assert FormMovement.objects.count() == 5


def test_overlapping_range_is_refused_naming_the_overlap_even_in_another_store(cast):
    receive(cast.a_supervisor, cast.store_a, 100, 199)
    with pytest.raises(ValidationError) as exc:
        receive(cast.b_supervisor, cast.store_b, 150, 250)
    assert "JQ00000100–JQ00000199" in str(exc.value)
    # Another kind or prefix is another series.
    receive(cast.b_supervisor, cast.store_b, 150, 250, kind=FormKind.INSURANCE_MARK)
    receive(cast.b_supervisor, cast.store_b, 150, 250, prefix="SY")


def test_bad_ranges_refused(cast):
    with pytest.raises(ValidationError):
        receive(cast.a_supervisor, cast.store_a, 10, 9)
    with pytest.raises(ValidationError):
        receive(cast.a_supervisor, cast.store_a, 1, 20_000)
    with pytest.raises(PermissionDenied):
        receive(cast.a_issuer, cast.store_a, 1, 2)


def test_full_life_of_forms(cast):
    receive(cast.a_supervisor, cast.store_a, 1, 10)
    issued = services.issue_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                                  first_serial="JQ00000001", last_serial="JQ00000004", holder=cast.a_issuer)
    assert len(issued) == 4
    assert BlankForm.objects.filter(holder=cast.a_issuer, status=S.ISSUED).count() == 4
    # Issuing again is refused: they are not in stock.
    with pytest.raises(ValidationError, match="JQ00000002"):
        services.issue_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                             first_serial="JQ00000002", holder=cast.a_issuer)
    # Void needs a reason and the original kept.
    with pytest.raises(ValidationError):
        services.void(actor=cast.a_issuer, form=form("JQ00000001"), reason="", original_kept=True)
    with pytest.raises(ValidationError):
        services.void(actor=cast.a_issuer, form=form("JQ00000001"), reason="printer jam", original_kept=False)
    voided = services.void(actor=cast.a_issuer, form=form("JQ00000001"), reason="printer jam", original_kept=True)
    assert voided.status == S.VOIDED and voided.original_kept and voided.reason == "printer jam"
    # Return: in stock or issued; lost: with a reason.
    services.return_to_insurer(actor=cast.a_supervisor, form=form("JQ00000002"))
    services.return_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                          first_serial="JQ00000009", last_serial="JQ00000010")
    with pytest.raises(ValidationError):
        services.report_lost(actor=cast.a_supervisor, form=form("JQ00000003"), reason=" ")
    services.report_lost(actor=cast.a_supervisor, form=form("JQ00000003"), reason="not found at day end")
    # A voided form cannot be returned nor lost; an issuer may not issue or return.
    with pytest.raises(ValidationError, match="JQ00000001"):
        services.return_to_insurer(actor=cast.a_supervisor, form=form("JQ00000001"))
    with pytest.raises(PermissionDenied):
        services.return_to_insurer(actor=cast.a_issuer, form=form("JQ00000005"))
    totals = selectors.accounting(cast.a_supervisor)
    assert totals == {"received": 10, "in_stock": 4, "issued": 1, "used": 0, "voided": 1, "returned": 3,
                      "lost": 1, "balanced": True}


def test_issue_only_to_a_person_of_the_store_who_may_use_forms(cast):
    receive(cast.a_supervisor, cast.store_a, 1, 3)
    for person in (cast.b_issuer, cast.a_sales):
        with pytest.raises(ValidationError):
            services.issue_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                                 first_serial="JQ00000001", holder=person)


def test_serial_outside_any_range_is_refused_naming_it(cast):
    receive(cast.a_supervisor, cast.store_a, 1, 3)
    with pytest.raises(ValidationError, match="JQ00000099"):
        services.issue_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                             first_serial="JQ00000001", last_serial="JQ00000099", holder=cast.a_issuer)
    # Another store's serial is not in this store's register either.
    receive(cast.b_supervisor, cast.store_b, 50, 51)
    with pytest.raises(ValidationError, match="JQ00000050"):
        services.issue_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                             first_serial="JQ00000050", holder=cast.a_issuer)


@pytest.fixture
def policy_env(cast):
    active_contract(cast, cast.store_a)
    return make_vehicle(cast.a_issuer, cast.store_a)


def test_use_by_the_holder_and_never_twice(cast, policy_env):
    receive(cast.a_supervisor, cast.store_a, 1, 3)
    services.issue_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                         first_serial="JQ00000001", last_serial="JQ00000002", holder=cast.a_issuer)
    policy = make_policy(cast.a_issuer, policy_env)
    with pytest.raises(ValidationError):  # not the holder
        services.use(actor=cast.a_supervisor, form=form("JQ00000001"), policy=policy)
    used = services.use(actor=cast.a_issuer, form=form("JQ00000001"), policy=policy)
    assert used.status == S.USED and used.policy == policy
    with pytest.raises(ValidationError, match="already used"):
        services.use(actor=cast.a_issuer, form=form("JQ00000001"), policy=policy)
    # A used form may still be voided (spoilt in printing), the original kept.
    services.void(actor=cast.a_issuer, form=form("JQ00000001"), reason="misprint", original_kept=True)


def test_policy_issue_marks_its_serial_used_or_records_a_mismatch(cast, policy_env):
    receive(cast.a_supervisor, cast.store_a, 1, 3)
    services.issue_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                         first_serial="JQ00000001", holder=cast.a_issuer)
    today = timezone.localdate()
    policy = make_policy(cast.a_issuer, policy_env, blank_form_serial="JQ00000001", issued_on=today)
    used = form("JQ00000001")
    assert used.status == S.USED and used.policy == policy
    # Unknown serial and one held by nobody: the policy is issued all the same, the mismatch is recorded.
    other = make_vehicle(cast.a_issuer, cast.store_a)
    unknown = make_policy(cast.a_issuer, other, blank_form_serial="XX123", issued_on=today)
    third = make_vehicle(cast.a_issuer, cast.store_a)
    make_policy(cast.a_issuer, third, blank_form_serial="JQ00000002", line=PolicyLine.CTPL, issued_on=today)
    reasons = dict(SerialMismatch.objects.values_list("serial", "reason"))
    assert reasons == {"XX123": MismatchReason.NOT_REGISTERED, "JQ00000002": MismatchReason.NOT_HELD}
    assert SerialMismatch.objects.get(serial="XX123").policy == unknown
    [row] = [r for r in selectors.day_count(cast.a_supervisor, today) if r["holder_id"] == cast.a_issuer.pk]
    assert (row["issued"], row["used"], row["held"], row["mismatches"]) == (1, 1, 0, 2)


def test_day_count_and_holdings(cast):
    receive(cast.a_supervisor, cast.store_a, 1, 10)
    services.issue_range(actor=cast.a_supervisor, store=cast.store_a, kind=FormKind.COMPULSORY_POLICY,
                         first_serial="JQ00000001", last_serial="JQ00000005", holder=cast.a_issuer)
    services.void(actor=cast.a_issuer, form=form("JQ00000001"), reason="jam", original_kept=True)
    services.report_lost(actor=cast.a_supervisor, form=form("JQ00000002"), reason="gone")
    services.return_to_insurer(actor=cast.a_supervisor, form=form("JQ00000010"))
    today = timezone.localdate()
    rows = {r["holder"]: r for r in selectors.day_count(cast.a_supervisor, today)}
    mine = rows["a-issuer"]
    assert [mine[k] for k in ("issued", "used", "voided", "returned", "lost", "held", "mismatches")] == \
        [5, 0, 1, 0, 1, 3, 0]
    assert rows[None]["returned"] == 1  # from stock: nobody's
    [holding] = selectors.holdings(cast.a_supervisor)
    assert (holding["holder__username"], holding["count"], holding["first_serial"], holding["last_serial"]) == \
        ("a-issuer", 3, "JQ00000003", "JQ00000005")
    assert selectors.holdings(cast.b_supervisor).count() == 0
    assert selectors.day_count(cast.a_supervisor, today - dt.timedelta(days=1)) == []


def test_pages_and_isolation(client, cast):
    receive(cast.b_supervisor, cast.store_b, 1, 2)
    theirs = form("JQ00000001")
    receive(cast.a_supervisor, cast.store_a, 11, 12)
    client.login(username="a-supervisor", password=PASSWORD)
    listing = client.get(reverse("blankforms:form_list"))
    assert listing.status_code == 200
    assert b"JQ00000011" in listing.content and b"JQ00000001<" not in listing.content
    assert client.get(reverse("blankforms:form_detail", args=[theirs.pk])).status_code == 404
    assert client.get(f"/api/blank-forms/{theirs.pk}/").status_code == 404
    api = client.get("/api/blank-forms/", {"status": "in_stock"}).json()
    assert {row["serial"] for row in api["results"]} == {"JQ00000011", "JQ00000012"}
    assert client.get(reverse("blankforms:count")).status_code == 200
    assert client.get(reverse("blankforms:receive")).status_code == 200
    # Receive, issue and act through the pages.
    response = client.post(reverse("blankforms:receive"), {
        "insurer": theirs.batch.insurer_id, "kind": FormKind.INSURANCE_MARK, "prefix": "bz", "first_number": 1,
        "last_number": 3, "digits": 6, "received_on": "2026-03-01"})
    assert response.status_code == 302
    response = client.post(reverse("blankforms:issue"), {
        "kind": FormKind.INSURANCE_MARK, "first_serial": "BZ000001", "last_serial": "BZ000002",
        "holder": cast.a_issuer.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    mark = form("BZ000001", FormKind.INSURANCE_MARK)
    assert mark.holder == cast.a_issuer
    response = client.post(reverse("blankforms:form_detail", args=[mark.pk]), {"action": "lose", "reason": ""})
    assert response.status_code == 400
    response = client.post(reverse("blankforms:form_detail", args=[mark.pk]), {"action": "lose", "reason": "gone"})
    assert response.status_code == 302
    assert client.get(reverse("blankforms:form_detail", args=[mark.pk])).status_code == 200
    # An overlapping receipt is shown on the form.
    response = client.post(reverse("blankforms:receive"), {
        "insurer": theirs.batch.insurer_id, "kind": FormKind.INSURANCE_MARK, "prefix": "BZ", "first_number": 3,
        "last_number": 4, "digits": 6, "received_on": "2026-03-01"})
    assert response.status_code == 400 and b"BZ000001" in response.content


def test_roles_without_the_register_are_refused(client, cast):
    client.login(username="a-sales", password=PASSWORD)
    assert client.get(reverse("blankforms:form_list")).status_code == 403
    assert client.get("/api/blank-forms/").status_code == 403
    client.login(username="a-issuer", password=PASSWORD)
    assert client.get(reverse("blankforms:form_list")).status_code == 200
    assert client.get(reverse("blankforms:receive")).status_code == 403
