"""Read-side of the register: who holds what, the end-of-day count, the identity."""

from __future__ import annotations

from django.db.models import Count, Max, Min, Q

from chexian.blankforms.choices import FormStatus, Move
from chexian.blankforms.models import BlankForm, FormBatch, FormMovement, SerialMismatch

COUNTED = ("issued", "used", "voided", "returned", "lost")


def holdings(user):
    """Forms issued and not yet used, per store, person and kind, with the lowest and highest serial."""
    return (BlankForm.objects.restrict(user, "view").filter(status=FormStatus.ISSUED)
            .values("store_id", "store__name", "holder_id", "holder__username", "kind")
            .annotate(count=Count("pk"), first_serial=Min("serial"), last_serial=Max("serial"))
            .order_by("store__name", "holder__username", "kind"))


def accounting(user) -> dict:
    """received, and the count in each status: received must equal their sum."""
    received = sum(b.count for b in FormBatch.objects.restrict(user, "view").only("first_number", "last_number"))
    by_status = dict(BlankForm.objects.restrict(user, "view").values_list("status").annotate(n=Count("pk"))
                     .values_list("status", "n"))
    result = {"received": received, **{status: by_status.get(status, 0) for status in FormStatus.values}}
    result["balanced"] = received == sum(by_status.values())
    return result


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
