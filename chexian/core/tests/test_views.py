from chexian.core.choices import AuditAction
from chexian.core.testing import PASSWORD, make_customer


def test_audit_log_page_is_scoped_and_filterable(client, cast):
    a = make_customer(cast.a_supervisor, cast.store_a, name="甲店客户")
    b = make_customer(cast.b_supervisor, cast.store_b, name="乙店客户")
    client.login(username=cast.b_supervisor.username, password=PASSWORD)
    page = client.get("/audit/").content.decode()
    assert b.name in page and a.name not in page
    # The store filter offers only the user's stores: store A is not a valid choice.
    response = client.get("/audit/", {"store": cast.store_a.pk})
    assert a.name not in response.content.decode()
    filtered = client.get("/audit/", {"action": AuditAction.UNMASK}).content.decode()
    assert b.name not in filtered


def test_audit_log_page_is_403_for_roles_without_it(client, cast):
    client.login(username=cast.a_issuer.username, password=PASSWORD)
    assert client.get("/audit/").status_code == 403


def test_group_office_reads_every_stores_audit_log(client, cast):
    make_customer(cast.a_supervisor, cast.store_a, name="甲店客户")
    make_customer(cast.b_supervisor, cast.store_b, name="乙店客户")
    client.login(username=cast.office.username, password=PASSWORD)
    page = client.get("/audit/").content.decode()
    assert "甲店客户" in page and "乙店客户" in page


def test_healthz_answers_without_a_login_or_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")
    assert response.status_code == 200 and response.content == b"ok"
