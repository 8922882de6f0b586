import datetime as dt

import pytest
from django.utils import timezone

from chexian.claims.testing import claims_crew
from chexian.policies.tests.factories import active_contract


@pytest.fixture
def crew(cast):
    """Store A with a PICC contract in force, its adjuster and the payout signers."""
    today = timezone.localdate()
    active_contract(cast, cast.store_a, valid_from=today - dt.timedelta(days=400),
                    valid_until=today + dt.timedelta(days=400))
    return claims_crew(cast)
