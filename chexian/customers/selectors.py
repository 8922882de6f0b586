"""Read-side queries: the four searches staff use all day (SPEC §3.1).

Each search is an exact or prefix match on an indexed column, so it stays fast
at millions of vehicles: the plate (with or without province), the VIN's last
six characters (车架号后六位), the name (prefix), the mobile's last four, and a
full identity number through its keyed hash.
"""

from __future__ import annotations

import re

from django.db.models import Q

from chexian.core.crypto import blind_index
from chexian.core.validators import PROVINCES, normalize_mobile, normalize_plate
from chexian.customers.models import Customer, Vehicle

_ALNUM = re.compile(r"^[A-Z0-9]+$")
_HAS_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")
_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")


def vehicle_query(term: str) -> Q | None:
    """Q for vehicles matching ``term`` by plate or VIN tail, or None."""
    raw = normalize_plate(term)
    if not raw:
        return None
    if raw[0] in PROVINCES:
        return Q(plate=raw) if len(raw) >= 7 else Q(plate__startswith=raw)
    if not _ALNUM.match(raw):
        return None
    q = Q()
    if len(raw) in (6, 7) and raw[0].isalpha():
        q |= Q(plate_key=raw)
    if len(raw) == 17:
        q |= Q(vin=raw)
    elif len(raw) >= 6:
        q |= Q(vin_tail=raw[-6:], vin__endswith=raw)
    return q or None


def customer_query(term: str) -> Q | None:
    """Q for customers matching ``term`` by mobile tail, full mobile or name prefix."""
    term = (term or "").strip()
    if not term:
        return None
    if _RESIDENT_ID.match(term.upper()):
        # A full identity number is found through its keyed hash, never by decrypting.
        return Q(id_number_hash=blind_index(term.upper()))
    digits = normalize_mobile(term)
    if digits.isdigit():
        if len(digits) == 4:
            return Q(mobile_tail=digits)
        if len(digits) == 11:
            return Q(mobile=digits)
        return None
    if _HAS_ASCII_ALNUM.search(term):
        # A Chinese name has no Latin letters or digits: such a term is a plate or a
        # VIN tail, and OR-ing a name prefix onto it would defeat the plate index.
        return None
    return Q(name__startswith=term)


def search_vehicles(user, term: str):
    """Vehicles of the user's stores matching a plate, VIN tail, owner name or mobile tail."""
    base = Vehicle.objects.restrict(user, "view").select_related("owner", "store")
    q = vehicle_query(term)
    cq = customer_query(term)
    if cq is not None:
        owner_ids = Customer.objects.restrict(user, "view").filter(cq).values("pk")
        q = (q | Q(owner__in=owner_ids)) if q is not None else Q(owner__in=owner_ids)
    return base.filter(q) if q is not None else base.none()


def search_customers(user, term: str):
    """Customers of the user's stores matching a name, mobile, or one of their vehicles."""
    base = Customer.objects.restrict(user, "view").active()
    q = customer_query(term)
    vq = vehicle_query(term)
    if vq is not None:
        vehicle_owner_ids = Vehicle.objects.restrict(user, "view").filter(vq).values("owner_id")
        q = (q | Q(pk__in=vehicle_owner_ids)) if q is not None else Q(pk__in=vehicle_owner_ids)
    return base.filter(q) if q is not None else base.none()
