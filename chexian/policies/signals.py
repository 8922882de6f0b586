"""Signals other apps listen to, so policies need not know them."""

from django.dispatch import Signal

# Sent inside the transaction that saved new policies (issued, or imported in a
# chunk), with ``vehicle_ids``: renewals closes the cases these policies renew; and
# ``policies``: the blank-form register marks their serials used.
policies_recorded = Signal()
