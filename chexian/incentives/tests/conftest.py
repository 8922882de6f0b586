import pytest

from chexian.incentives.tests.factories import catalogue, policy_of, store_contract


@pytest.fixture
def policy(cast):
    """A commercial policy of store A issued by its issuer, ten days ago."""
    store_contract(cast, cast.store_a)
    return policy_of(cast.a_issuer, cast.store_a)


@pytest.fixture
def items(cast):
    return catalogue(cast.a_supervisor, cast.store_a)
