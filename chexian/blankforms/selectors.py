"""Read-side of the register: who holds what, the end-of-day count, the identity."""

from __future__ import annotations

from django.db.models import Count, F, Max, Min, Q, Sum

from chexian.blankforms.choices import FormStatus, Move
from chexian.blankforms.models import BlankForm, FormBatch, FormMovement, SerialMismatch

COUNTED = ("issued", "used", "voided", "returned", "lost")


def holdings(user, *, stores=None):
    """Forms issued and not yet used, per store, person and kind, with the lowest and highest serial
    (of ``stores``, ids, among the user's when given: a report's scope)."""
    forms = BlankForm.objects.restrict(user, "view")
    if stores is not None:
        forms = forms.filter(store_id__in=stores)
    return (forms.filter(status=FormStatus.ISSUED)
            .values("store_id", "store__name", "holder_id", "holder__username", "kind")
            .annotate(count=Count("pk"), first_serial=Min("serial"), last_serial=Max("serial"))
            .order_by("store__name", "holder__username", "kind"))


def accounting(user) -> dict:
    """received, and the count in each status: received must equal their sum."""
    return accounting_rows(user)[0]


def accounting_rows(user, by: tuple[str, ...] = (), *, stores=None) -> list[dict]:
    """The identity per group ``by`` (fields both batches and forms have, e.g. ``("store__code",
    "kind")``; none: one row overall): received, the count in each status, and whether received
    equals their sum. Of ``stores`` (ids) among the user's when given. Two grouped queries."""
    batches = FormBatch.objects.restrict(user, "view")
    forms = BlankForm.objects.restrict(user, "view")
    if stores is not None:
        batches, forms = batches.filter(store_id__in=stores), forms.filter(store_id__in=stores)
    received = _grouped(batches, by, received=Sum(F("last_number") - F("first_number") + 1))
    counted = _grouped(forms, by, **{status: Count("pk", filter=Q(status=status)) for status in FormStatus.values})
    rows = []
    for key in sorted(received.keys() | counted.keys(), key=lambda k: tuple(str(part) for part in k)):
        row = {**dict(zip(by, key, strict=True)), "received": received.get(key, {}).get("received") or 0,
               **{status: counted.get(key, {}).get(status) or 0 for status in FormStatus.values}}
        row["balanced"] = row["received"] == sum(row[status] for status in FormStatus.values)
        rows.append(row)
    return rows or [{"received": 0, **dict.fromkeys(FormStatus.values, 0), "balanced": True}]


def _grouped(queryset, by, **aggregates) -> dict[tuple, dict]:
    if not by:
        return {(): queryset.aggregate(**aggregates)}
    return {tuple(row[name] for name in by): row for row in queryset.order_by().values(*by).annotate(**aggregates)}


def day_count(user, day) -> list[dict]:
    """Per person: forms issued to them on ``day``, used, voided, returned and lost by them,
    still held at the end of the day, and the day's policies whose serial is a mismatch."""
    movements = FormMovement.objects.restrict(user, "view")
    rows: dict[tuple, dict] = {}

    def row(store_id, store_name, holder_id, username):
        return rows.setdefault((store_id, holder_id), {
            "store_id": store_id, "store": store_name, "holder_id": holder_id, "holder": username,
            **dict.fromkeys(COUNTED, 0), "held": 0, "mismatches": 0})

    moves = {"issued": Move.ISSUE, "used": Move.USE, "voided": Move.VOID, "returned": Move.RETURN,
             "lost": Move.LOSE}
    for values in (movements.filter(at__date=day).exclude(move=Move.RECEIVE)
                   .values("store_id", "store__name", "holder_id", "holder__username")
                   .annotate(**{name: Count("pk", filter=Q(move=move)) for name, move in moves.items()})):
        r = row(values["store_id"], values["store__name"], values["holder_id"], values["holder__username"])
        for name in COUNTED:
            r[name] = values[name]
    # Held at the end of the day: issued to them by then, less what left their hands by then.
    for values in (movements.filter(at__date__lte=day, holder__isnull=False)
                   .values("store_id", "store__name", "holder_id", "holder__username")
                   .annotate(came=Count("pk", filter=Q(to_status=FormStatus.ISSUED)),
                             went=Count("pk", filter=Q(from_status=FormStatus.ISSUED)))):
        held = values["came"] - values["went"]
        key = (values["store_id"], values["holder_id"])
        if held or key in rows:
            row(values["store_id"], values["store__name"], values["holder_id"],
                values["holder__username"])["held"] = held
    for values in (SerialMismatch.objects.restrict(user, "view").filter(day=day)
                   .values("store_id", "store__name", "issuer_id", "issuer__username").annotate(n=Count("pk"))):
        row(values["store_id"], values["store__name"], values["issuer_id"],
            values["issuer__username"])["mismatches"] = values["n"]
    return sorted(rows.values(), key=lambda r: (r["store"] or "", r["holder"] or ""))


def mismatches(user, day):
    return (SerialMismatch.objects.restrict(user, "view").filter(day=day)
            .select_related("policy", "issuer", "store"))
