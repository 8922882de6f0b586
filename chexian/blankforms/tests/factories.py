"""Register test data through the real services."""

import datetime as dt

from chexian.blankforms import services
from chexian.blankforms.choices import FormKind
from chexian.insurers.models import Insurer


def receive(actor, store, first=1, last=10, kind=FormKind.COMPULSORY_POLICY, prefix="JQ", insurer_code="PICC"):
    return services.receive_range(actor=actor, store=store, insurer=Insurer.objects.get(code=insurer_code),
                                  kind=kind, prefix=prefix, first_number=first, last_number=last,
                                  received_on=dt.date(2026, 3, 1))
