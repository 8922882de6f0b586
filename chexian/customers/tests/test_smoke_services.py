from chexian.core.testing import make_customer, make_vehicle


def test_customer_and_vehicle_through_services(cast):
    c = make_customer(cast.a_issuer, cast.store_a)
    v = make_vehicle(cast.a_issuer, cast.store_a, owner=c)
    assert v.archive_no.startswith("A01-")
    assert v.ownerships.get().customer == c
