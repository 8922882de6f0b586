import datetime as dt

from django.urls import reverse

from chexian.core.choices import AuditAction
from chexian.core.models import AuditLog
from chexian.core.testing import make_vehicle
from chexian.policies.tests.factories import active_contract, make_policy


def test_policy_export_is_scoped_logged_and_filtered(client, cast):
    active_contract(cast, cast.store_a)
    active_contract(cast, cast.store_b)
    a = make_policy(cast.a_issuer, make_vehicle(cast.a_issuer, cast.store_a, purchase_date=dt.date(2025, 1, 1)))
    b = make_policy(cast.b_issuer, make_vehicle(cast.b_issuer, cast.store_b, purchase_date=dt.date(2025, 1, 1)))
    client.force_login(cast.b_supervisor)
    text = client.get(reverse("policies:policy_export")).content.decode("utf-8-sig")
    assert b.number in text and a.number not in text
    entry = AuditLog.objects.get(action=AuditAction.EXPORT)
    assert (entry.store_id, entry.after["rows"], entry.actor) == (cast.store_b.pk, 1, cast.b_supervisor)


def test_policy_export_needs_the_permission(client, cast):
    client.force_login(cast.a_issuer)
    assert client.get(reverse("policies:policy_export")).status_code == 403
