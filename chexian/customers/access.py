"""Per-object visibility of personal data: who sees the full mobile number and
who may unmask the identity number (SPEC §1)."""

from chexian.core.crypto import mask_mobile
from chexian.org.permissions import can, owner_stores_for


def may(user, action: str, customer) -> bool:
    """Whether ``user`` may take ``action`` on this customer: by role in the store,
    or as the sales consultant who owns the customer."""
    if can(user, action, customer.store_id):
        return True
    return customer.store_id in owner_stores_for(user, action) and customer.owner_staff_id == user.pk


def shown_mobile(user, customer, value: str | None = None) -> str:
    value = customer.mobile if value is None else value
    return value if may(user, "customer.see_contact", customer) else mask_mobile(value)


def may_on_vehicle(user, action: str, vehicle) -> bool:
    """Per-vehicle permission: by role in its store, or as the sales consultant
    who owns the vehicle's owner."""
    return may(user, action, vehicle.owner)
