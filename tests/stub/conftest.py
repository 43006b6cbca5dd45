"""Fixtures of the stub's own tests; the stub fixtures come from extern_stub.pytest_plugin."""

import os
from collections.abc import Iterator

import pytest
from stub_helpers import STARTS_THE_SANDBOX, get_token, held

from extern_stub import Site, StubServer
from extern_stub.__main__ import DEFAULT_PORTS


@pytest.fixture(scope="module", autouse=True)
def default_ports_taken(request: pytest.FixtureRequest) -> Iterator[None]:
    """A module that starts `python -m extern_stub` runs while the documented ports 8401
    and 8402 are taken, as by a reader's `make stub`: its tests pass all the same only if
    each sandbox they start gets ports of its own. Not under mutmut (MUTANT_UNDER_TEST):
    its many runs are about the sandbox's code, and would keep taking a reader's ports."""
    starts = STARTS_THE_SANDBOX.search(request.path.read_text(encoding="utf-8"))
    if starts and "MUTANT_UNDER_TEST" not in os.environ:
        with held(list(DEFAULT_PORTS.values())):
            yield
    else:
        yield


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
