"""Insurer, contract and licence pages, read as the permission model: allowed →
200/302, no action in any store → 403, another store's record → 404 like a
missing one; the approval flow through its pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from chexian.insurers import services
from chexian.insurers.choices import ContractStatus
from chexian.insurers.models import AgencyContract, AgencyLicence
from chexian.insurers.tests.factories import active_contract, insurer, propose

pytestmark = [pytest.mark.django_db, pytest.mark.urls("chexian.insurers.tests.urls")]
S = ContractStatus


@pytest.fixture(autouse=True)
def _english(settings):
    # Assertions read the English messages; the site itself is Chinese first.
    settings.LANGUAGE_CODE = "en"


def login(client, user):
    client.force_login(user)
    return client


def propose_post(store, code="PICC", **overrides):
    data = {
        "store": store.pk,
        "insurer": insurer(code).pk,
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "rate_ctpl": "4.00",
        "rate_commercial": "18.00",
        "rate_nev_commercial": "15.00",
        "rate_non_motor": "25.00",
        "commission_base": "without_vat",
        "parts_terms": "4S店指导价",
        "labour_terms": "",
        "claim_payment_days": "30",
    }
    data.update(overrides)
    return data


@pytest.fixture
def a_contract(cast):
    return propose(cast, cast.store_a, "PICC")


@pytest.fixture
def b_contract(cast):
    return propose(cast, cast.store_b, "PINGAN")


def contract_urls(pk):
    return [
        reverse(f"insurers:contract_{name}", args=[pk])
        for name in ("detail", "approve", "reject", "legal_review", "terminate")
    ]


# ---------------------------------------------------------------- access basics
def test_pages_need_login(client):
    for name in ("insurer_list", "contract_list", "contract_propose", "licence_list"):
        response = client.get(reverse(f"insurers:{name}"))
        assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["a_supervisor", "a_issuer", "a_sales", "a_dept", "office", "auditor"])
def test_every_role_reads_the_insurers(client, cast, who):
    response = login(client, getattr(cast, who)).get(reverse("insurers:insurer_list"))
    assert response.status_code == 200
    assert "人保财险" in response.text and "众安在线财产保险股份有限公司" in response.text


@pytest.mark.parametrize("who", ["a_manager", "a_supervisor", "a_issuer", "office", "auditor", "b_issuer"])
def test_roles_of_the_business_read_contracts_and_licences(client, cast, who):
    login(client, getattr(cast, who))
    assert client.get(reverse("insurers:contract_list")).status_code == 200
    assert client.get(reverse("insurers:licence_list")).status_code == 200


@pytest.mark.parametrize("who", ["a_sales", "a_dept"])
def test_sales_and_department_staff_do_not_see_contracts(client, cast, a_contract, who):
    login(client, getattr(cast, who))
    assert client.get(reverse("insurers:contract_list")).status_code == 403
    assert client.get(reverse("insurers:contract_detail", args=[a_contract.pk])).status_code == 403
    assert client.get(reverse("insurers:licence_list")).status_code == 403


def test_user_without_any_role_gets_403(client, django_user_model):
    login(client, django_user_model.objects.create_user("nobody", password="x-long-password"))
    for name in ("insurer_list", "contract_list", "contract_propose", "licence_list", "licence_create"):
        assert client.get(reverse(f"insurers:{name}")).status_code == 403


# ---------------------------------------------------------------- insurer list
def test_insurer_list_shows_for_each_of_my_stores_whether_a_contract_is_active(client, cast):
    a = active_contract(cast, cast.store_a, "PICC")
    b = active_contract(cast, cast.store_b, "PINGAN")
    propose(cast, cast.store_a, "CPIC")  # proposed: not active

    response = login(client, cast.a_supervisor).get(reverse("insurers:insurer_list"))
    assert response.context["stores"] == [cast.store_a]
    cells = {i.code: [pk for _, pk in i.store_cells] for i in response.context["insurers"]}
    assert cells["PICC"] == [a.pk] and cells["CPIC"] == [None] and cells["PINGAN"] == [None]
    assert reverse("insurers:contract_detail", args=[a.pk]) in response.text
    assert reverse("insurers:contract_detail", args=[b.pk]) not in response.text
    assert "B01" not in response.text

    response = login(client, cast.office).get(reverse("insurers:insurer_list"))
    assert response.context["stores"] == [cast.store_a, cast.store_b]
    cells = {i.code: [pk for _, pk in i.store_cells] for i in response.context["insurers"]}
    assert cells["PICC"] == [a.pk, None] and cells["PINGAN"] == [None, b.pk]

    response = client.get(reverse("insurers:insurer_list"), {"store": cast.store_b.pk})
    assert response.context["stores"] == [cast.store_b]


def test_insurer_list_without_contract_view_has_no_store_columns(client, cast):
    active_contract(cast, cast.store_a, "PICC")
    response = login(client, cast.a_sales).get(reverse("insurers:insurer_list"))
    assert response.context["stores"] == []
    assert reverse("insurers:contract_list") not in response.text


def test_insurer_search(client, cast):
    response = login(client, cast.a_issuer).get(reverse("insurers:insurer_list"), {"q": "平安"})
    assert [i.code for i in response.context["insurers"]] == ["PINGAN"]


# ---------------------------------------------------------------- contract list
def test_contract_list_of_store_b_never_shows_store_a(client, cast, a_contract, b_contract):
    response = login(client, cast.b_issuer).get(reverse("insurers:contract_list"))
    assert list(response.context["object_list"]) == [b_contract]
    assert reverse("insurers:contract_detail", args=[a_contract.pk]) not in response.text
    response = login(client, cast.office).get(reverse("insurers:contract_list"))
    assert set(response.context["object_list"]) == {a_contract, b_contract}


def test_contract_filters_offer_only_my_stores_and_refuse_another(client, cast, a_contract, b_contract):
    login(client, cast.a_supervisor)
    response = client.get(reverse("insurers:contract_list"))
    assert list(response.context["filter"].form.fields["store"].queryset) == [cast.store_a]
    response = client.get(reverse("insurers:contract_list"), {"store": cast.store_b.pk})
    assert response.context["filter"].errors
    assert not list(response.context["object_list"])


def test_contract_filters_by_insurer_and_status(client, cast):
    picc = active_contract(cast, cast.store_a, "PICC")
    pingan = propose(cast, cast.store_a, "PINGAN")
    login(client, cast.office)
    response = client.get(reverse("insurers:contract_list"), {"status": S.PROPOSED})
    assert list(response.context["object_list"]) == [pingan]
    response = client.get(reverse("insurers:contract_list"), {"insurer": insurer("PICC").pk})
    assert list(response.context["object_list"]) == [picc]


def test_propose_button_only_for_those_who_propose(client, cast):
    assert 'id="add-object"' in login(client, cast.a_supervisor).get(reverse("insurers:contract_list")).text
    assert 'id="add-object"' not in login(client, cast.office).get(reverse("insurers:contract_list")).text


def test_contract_list_query_count_is_pinned(client, cast, django_assert_max_num_queries):
    for code in ("PICC", "PINGAN"):
        propose(cast, cast.store_a, code)
        propose(cast, cast.store_b, code)
    login(client, cast.office)
    with django_assert_max_num_queries(8):  # whatever the number of contracts
        response = client.get(reverse("insurers:contract_list"))
    assert len(response.context["object_list"]) == 4
    # session, user, roles, the group's stores, count, stores, page, contracts in force, the filter's stores
    with django_assert_max_num_queries(9):
        response = client.get(reverse("insurers:insurer_list"))
    assert len(response.context["insurers"]) == 17


# ---------------------------------------------------------------- contract detail
def test_another_stores_contract_is_404_like_a_missing_one(client, cast, a_contract):
    login(client, cast.b_supervisor)
    for url in contract_urls(a_contract.pk):
        status = client.get(url).status_code
        # The detail is 404; the office's pages are refused before any lookup (403).
        assert status == (404 if url.endswith(f"/{a_contract.pk}/") else 403), url
    assert client.get(reverse("insurers:contract_detail", args=[999_999])).status_code == 404


def test_the_office_of_another_group_gets_404(client, cast, a_contract):
    from chexian.core.testing import make_group, make_store, make_user
    from chexian.org.choices import Role

    group, region = make_group("G2")
    make_store(group, region, "C01")
    login(client, make_user("office-2", Role.GROUP_OFFICE, group=group))
    for url in contract_urls(a_contract.pk):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("insurers:contract_approve", args=[a_contract.pk])).status_code == 404
    a_contract.refresh_from_db()
    assert a_contract.status == S.PROPOSED


def test_detail_shows_terms_rates_history_and_the_moves_allowed(client, cast, a_contract):
    response = login(client, cast.office).get(reverse("insurers:contract_detail", args=[a_contract.pk]))
    assert response.status_code == 200
    text = response.text
    assert "18.00" in text and "4S店指导价" in text and 'id="contract-events"' in text
    assert 'id="approve-contract"' in text and 'id="reject-contract"' in text
    assert 'id="legal-review-contract"' not in text
    response = login(client, cast.a_supervisor).get(reverse("insurers:contract_detail", args=[a_contract.pk]))
    assert response.status_code == 200
    assert 'id="approve-contract"' not in response.text and 'id="reject-contract"' not in response.text


# ---------------------------------------------------------------- proposing
def test_supervisor_proposes_through_the_page(client, cast):
    login(client, cast.a_supervisor)
    form = client.get(reverse("insurers:contract_propose")).context["form"]
    assert list(form.fields["store"].queryset) == [cast.store_a]
    response = client.post(reverse("insurers:contract_propose"), propose_post(cast.store_a))
    contract = AgencyContract.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("insurers:contract_detail", args=[contract.pk])
    assert (contract.store, contract.status, contract.proposed_by) == (cast.store_a, S.PROPOSED, cast.a_supervisor)
    assert contract.rate_commercial == Decimal("18.00")
    assert contract.events.get().to_status == S.PROPOSED


def test_the_group_office_cannot_propose(client, cast):
    login(client, cast.office)
    assert client.get(reverse("insurers:contract_propose")).status_code == 403
    assert client.post(reverse("insurers:contract_propose"), propose_post(cast.store_a)).status_code == 403
    assert not AgencyContract.objects.exists()


def test_proposing_for_another_store_is_refused(client, cast):
    login(client, cast.a_supervisor)
    response = client.post(reverse("insurers:contract_propose"), propose_post(cast.store_b))
    assert response.status_code == 200 and response.context["form"].errors["store"]
    assert not AgencyContract.objects.exists()


def test_the_partner_limit_is_shown_on_the_form(client, cast):
    active_contract(cast, cast.store_a, "PICC")
    active_contract(cast, cast.store_a, "PINGAN")
    response = login(client, cast.a_supervisor).post(
        reverse("insurers:contract_propose"), propose_post(cast.store_a, "CPIC")
    )
    assert response.status_code == 200
    assert "A store may have at most 2 partner insurers" in response.context["form"].non_field_errors()[0]
    assert "A store may have at most 2 partner insurers" in response.text
    assert not AgencyContract.objects.filter(insurer__code="CPIC").exists()


def test_a_replacement_is_offered_among_my_active_contracts_only(client, cast):
    mine = active_contract(cast, cast.store_a, "PICC")
    theirs = active_contract(cast, cast.store_b, "PICC")
    form = login(client, cast.a_supervisor).get(reverse("insurers:contract_propose")).context["form"]
    assert list(form.fields["replaces"].queryset) == [mine]
    response = client.post(
        reverse("insurers:contract_propose"), propose_post(cast.store_a, "CPIC", replaces=theirs.pk)
    )
    assert response.context["form"].errors["replaces"]


# ---------------------------------------------------------------- the office's moves
def test_full_flow_through_the_pages(client, cast):
    login(client, cast.a_supervisor)
    client.post(reverse("insurers:contract_propose"), propose_post(cast.store_a))
    contract = AgencyContract.objects.get()

    login(client, cast.office)
    assert client.get(reverse("insurers:contract_approve", args=[contract.pk])).status_code == 200
    response = client.post(reverse("insurers:contract_approve", args=[contract.pk]), {"reason": ""})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == S.APPROVED

    response = client.post(reverse("insurers:contract_legal_review", args=[contract.pk]), {"opinion": "合规"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == S.ACTIVE

    detail = client.get(reverse("insurers:contract_detail", args=[contract.pk]))
    assert [(e.from_status, e.to_status) for e in detail.context["events"]] == [
        ("", S.PROPOSED), (S.PROPOSED, S.APPROVED), (S.APPROVED, S.ACTIVE),
    ]
    assert 'id="terminate-contract"' in detail.text

    response = client.post(reverse("insurers:contract_terminate", args=[contract.pk]), {"reason": "合作结束"})
    contract.refresh_from_db()
    assert response.status_code == 302 and contract.status == S.TERMINATED


@pytest.mark.parametrize("who", ["a_supervisor", "a_manager", "a_issuer", "auditor"])
def test_only_the_group_office_approves(client, cast, a_contract, who):
    login(client, getattr(cast, who))
    for name, data in (("approve", {}), ("reject", {"reason": "x"}), ("legal_review", {"opinion": "x"})):
        url = reverse(f"insurers:contract_{name}", args=[a_contract.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
    a_contract.refresh_from_db()
    assert a_contract.status == S.PROPOSED


def test_rejecting_needs_a_reason_on_the_page(client, cast, a_contract):
    login(client, cast.office)
    url = reverse("insurers:contract_reject", args=[a_contract.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    a_contract.refresh_from_db()
    assert a_contract.status == S.PROPOSED
    assert client.post(url, {"reason": "费率过高"}).status_code == 302
    a_contract.refresh_from_db()
    assert a_contract.status == S.REJECTED


def test_an_illegal_move_is_refused_with_the_statuses_named(client, cast, a_contract):
    login(client, cast.office)
    url = reverse("insurers:contract_legal_review", args=[a_contract.pk])
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("insurers:contract_detail", args=[a_contract.pk])
    assert "(proposed) cannot become “Active” (active)" in response.text
    response = client.post(url, {"opinion": "合规"})
    assert response.status_code == 200
    assert "(proposed) cannot become" in response.context["form"].non_field_errors()[0]
    a_contract.refresh_from_db()
    assert a_contract.status == S.PROPOSED and a_contract.events.count() == 1


# ---------------------------------------------------------------- licences
def licence_post(store, **overrides):
    data = {"store": store.pk, "licence_no": "粤保监兼代字0001", "valid_from": "2024-01-01", "valid_until": "",
            "registered_staff": "张三\n李四"}
    data.update(overrides)
    return data


def test_the_store_registers_and_edits_its_licence(client, cast):
    login(client, cast.a_supervisor)
    response = client.post(reverse("insurers:licence_create"), licence_post(cast.store_a))
    licence = AgencyLicence.objects.get()
    assert response["Location"] == reverse("insurers:licence_detail", args=[licence.pk])
    detail = client.get(response["Location"])
    assert "李四" in detail.text and 'id="edit-licence"' in detail.text
    response = client.post(
        reverse("insurers:licence_edit", args=[licence.pk]),
        {"licence_no": licence.licence_no, "valid_from": "2024-01-01", "valid_until": "2027-12-31",
         "registered_staff": "张三"},
    )
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.valid_until == dt.date(2027, 12, 31) and licence.registered_staff == "张三"


def test_licence_pages_follow_the_permission_model(client, cast):
    licence = services.save_licence(
        actor=cast.a_supervisor,
        data={"store": cast.store_a, "licence_no": "粤保监兼代字0001", "valid_from": dt.date(2024, 1, 1)},
    )
    login(client, cast.a_issuer)
    assert client.get(reverse("insurers:licence_detail", args=[licence.pk])).status_code == 200
    assert client.get(reverse("insurers:licence_create")).status_code == 403
    assert client.get(reverse("insurers:licence_edit", args=[licence.pk])).status_code == 403
    login(client, cast.b_supervisor)
    assert client.get(reverse("insurers:licence_detail", args=[licence.pk])).status_code == 404
    assert client.get(reverse("insurers:licence_edit", args=[licence.pk])).status_code == 404
    assert licence.licence_no not in client.get(reverse("insurers:licence_list")).text
    response = client.post(reverse("insurers:licence_create"), licence_post(cast.store_a))
    assert response.status_code == 200 and response.context["form"].errors["store"]
    assert AgencyLicence.objects.count() == 1


# ---------------------------------------------------------------- admin
def test_admin_shows_contracts_with_the_status_read_only(client, cast, a_contract, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x-long-password")
    login(client, admin)
    assert client.get(reverse("admin:insurers_insurer_changelist")).status_code == 200
    assert client.get(reverse("admin:insurers_agencylicence_changelist")).status_code == 200
    assert client.get(reverse("admin:insurers_agencycontract_changelist")).status_code == 200
    page = client.get(reverse("admin:insurers_agencycontract_change", args=[a_contract.pk]))
    assert page.status_code == 200
    assert 'name="status"' not in page.text and 'name="rate_commercial"' in page.text
    assert client.get(reverse("admin:insurers_agencycontract_add")).status_code == 403
