"""Fixtures of the stub's own tests; the stub fixtures come from extern_stub.pytest_plugin."""

import pytest
from stub_helpers import get_token

from extern_stub import Site, StubServer


@pytest.fixture
def site(stub: StubServer) -> Site:
    """The stub's test site, state reset."""
    return stub.sites["test"]


@pytest.fixture
def production(stub: StubServer) -> Site:
    """The production site, state reset."""
    return stub.sites["production"]


@pytest.fixture
def access_token(site: Site) -> str:
    """A client-credentials access token of the test site."""
    return get_token(site)["access_token"]
