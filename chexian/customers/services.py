"""Workflows that write customers and vehicles. Views, the API, imports and
commands call these; none of them saves several rows on its own."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chexian.core.audit import audit_actor, log_action
from chexian.core.choices import AuditAction
from chexian.customers.access import may
from chexian.customers.choices import OwnershipReason
from chexian.customers.models import Customer, Vehicle, VehicleOwnership
from chexian.org.models import Store


def _set_fields(obj, data: dict):
    for key, value in data.items():
        if key == "id_number":
            continue
        setattr(obj, key, value)
    if "id_number" in data:
        obj.set_id_number(data["id_number"] or "")


@transaction.atomic
def save_customer(*, actor, data: dict, customer: Customer | None = None) -> Customer:
    """Create or change a customer. ``data`` may carry the clear ``id_number``,
    which is validated, encrypted and hashed here."""
    from chexian.core.validators import validate_resident_id

    customer = customer or Customer()
    if data.get("id_number"):
        try:
            data = {**data, "id_number": validate_resident_id(data["id_number"])}
        except ValidationError as exc:
            raise ValidationError({"id_number": exc.error_list}) from None
    _set_fields(customer, data)
    if customer.consent_outreach and not customer.consent_at:
        customer.consent_at = timezone.now()
    if not customer.consent_outreach:
        customer.consent_at = None
    customer.full_clean()
    with audit_actor(actor):
        customer.save()
    return customer


def reserve_archive_numbers(store_id: int, count: int) -> list[str]:
    """The next ``count`` archive numbers of the store, in one update of its counter.
    An import reserves a chunk's at once: updating the store row once per vehicle
    inside one long transaction leaves PostgreSQL a chain of row versions to walk
    on every later read of that row."""
    # Lock the store row: two issuers creating vehicles at once must not get the same number.
    store = Store.objects.select_for_update().get(pk=store_id)
    first = store.next_archive_seq
    Store.objects.filter(pk=store_id).update(next_archive_seq=first + count)
    return [f"{store.code}-{seq:07d}" for seq in range(first, first + count)]


@transaction.atomic
def save_vehicle(
    *, actor, data: dict, vehicle: Vehicle | None = None, ownership_start: dt.date | None = None,
    archive_no: str | None = None,
) -> Vehicle:
    """Create or change a vehicle. A new vehicle gets its archive number (the next
    one, or ``archive_no`` reserved with ``reserve_archive_numbers``) and its first
    ownership period; changing the owner goes through ``transfer_vehicle``."""
    creating = vehicle is None
    vehicle = vehicle or Vehicle()
    if not creating and "owner" in data and data["owner"].pk != vehicle.owner_id:
        raise ValidationError({"owner": _("Use the transfer action to change a vehicle's owner.")})
    _set_fields(vehicle, data)
    vehicle.full_clean(exclude=["archive_no", "vin_tail"])
    with audit_actor(actor):
        if creating:
            vehicle.archive_no = archive_no or reserve_archive_numbers(vehicle.store_id, 1)[0]
            _save_unique(vehicle)
            VehicleOwnership.objects.create(
                vehicle=vehicle,
                customer=vehicle.owner,
                start_date=ownership_start or vehicle.purchase_date or timezone.localdate(),
                reason=OwnershipReason.PURCHASE,
            )
        else:
            _save_unique(vehicle)
    return vehicle


def _save_unique(vehicle: Vehicle) -> None:
    # full_clean() checked uniqueness, but a concurrent request can insert the same
    # VIN between that check and this insert: the database constraint decides.
    try:
        with transaction.atomic():
            vehicle.save()
    except IntegrityError:
        raise ValidationError(
            {"vin": [_("A vehicle with this VIN or plate was just saved in this store by someone else.")]}
        ) from None


@transaction.atomic
def transfer_vehicle(*, actor, vehicle: Vehicle, new_owner: Customer, date: dt.date, note: str = "") -> Vehicle:
    """A vehicle changes hands (过户): close the current ownership, open a new one."""
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    if new_owner.store_id != vehicle.store_id:
        raise ValidationError({"new_owner": _("The new owner must be a customer of the same store.")})
    if new_owner.merged_into_id:
        raise ValidationError({"new_owner": _("This customer was merged into another; choose that one.")})
    if new_owner.pk == vehicle.owner_id:
        raise ValidationError({"new_owner": _("The vehicle already belongs to this customer.")})
    current = vehicle.ownerships.filter(end_date__isnull=True).first()
    if current and date < current.start_date:
        raise ValidationError({"date": _("The transfer date is before the current owner's start date.")})
    previous_owner = vehicle.owner
    with audit_actor(actor):
        if current:
            current.end_date = date
            current.save()
        VehicleOwnership.objects.create(
            vehicle=vehicle, customer=new_owner, start_date=date, reason=OwnershipReason.TRANSFER, note=note
        )
        vehicle.owner = new_owner
        vehicle.save()
        log_action(
            AuditAction.TRANSFER,
            vehicle,
            before={"owner": previous_owner.pk, "owner_name": previous_owner.name},
            after={"owner": new_owner.pk, "owner_name": new_owner.name, "date": date.isoformat()},
            reason=note,
        )
    return vehicle


_MERGE_FILL_FIELDS = (
    "mobile", "mobile2", "uscc", "address", "area", "portrait_tags", "visit_habits",
    "preferred_contact_time", "owner_staff_id", "note",
)


@transaction.atomic
def merge_customers(*, actor, target: Customer, duplicates: list[Customer], reason: str = "") -> Customer:
    """Merge duplicate customers into ``target`` without losing any linked record.

    Every row of any model that points at a duplicate (vehicles, ownerships, and
    whatever later apps add: policies, leads, claims…) is re-pointed to the target,
    found through the model's relations so a new app needs no change here. Empty
    fields of the target are filled from the duplicates. The duplicates stay as
    tombstones (``merged_into``) so history still resolves.
    """
    ids = [d.pk for d in duplicates if d.pk != target.pk]
    if not ids:
        raise ValidationError(_("Choose at least one other customer to merge."))
    locked = list(Customer.objects.select_for_update().filter(pk__in=[target.pk, *ids]))
    by_id = {c.pk: c for c in locked}
    target = by_id[target.pk]
    sources = [by_id[i] for i in ids]
    for source in sources:
        if source.store_id != target.store_id:
            raise ValidationError(_("Only customers of the same store can be merged."))
        if source.merged_into_id:
            raise ValidationError(_("%(name)s was already merged.") % {"name": source.name})
        if source.kind != target.kind:
            raise ValidationError(_("A person and a company cannot be merged."))
    if target.merged_into_id:
        raise ValidationError(_("The customer to keep was itself merged into another."))

    with audit_actor(actor):
        before = target.audit_snapshot()
        moved: dict[str, int] = {}
        for relation in Customer._meta.related_objects:
            if relation.related_model is Customer:
                continue  # merged_into itself
            field = relation.field
            if not (relation.one_to_many or relation.one_to_one):
                continue
            count = relation.related_model._base_manager.filter(**{f"{field.name}__in": ids}).update(
                **{field.name: target}
            )
            if count:
                moved[relation.related_model._meta.label] = count
        for source in sources:
            for name in _MERGE_FILL_FIELDS:
                if not getattr(target, name) and getattr(source, name):
                    setattr(target, name, getattr(source, name))
            if not target.id_number_hash and source.id_number_hash:
                target.id_number_encrypted = source.id_number_encrypted
                target.id_number_hash = source.id_number_hash
                target.id_number_masked = source.id_number_masked
            target.consent_outreach = target.consent_outreach or source.consent_outreach
            source.merged_into = target
            # The tombstone keeps no duplicate identity: the target owns it now.
            source.id_number_hash = ""
            source.save()
        target.save()
        log_action(
            AuditAction.MERGE,
            target,
            before=before,
            after={**target.audit_snapshot(), "merged_ids": ids, "moved": moved},
            reason=reason,
        )
    return target


def unmask_id_number(*, actor, customer: Customer, reason: str = "") -> str:
    """Return the clear identity number and record that ``actor`` saw it."""
    if not may(actor, "customer.unmask", customer):
        raise PermissionDenied(_("Your role may not see identity numbers in full."))
    number = customer.id_number
    if number:
        log_action(AuditAction.UNMASK, customer, actor=actor, reason=reason)
    return number
