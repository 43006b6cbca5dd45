"""pytest fixtures: both sites started once per session, their state reset for each test.

Enable with ``pytest_plugins = ["extern_stub.pytest_plugin"]`` in a ``conftest.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from extern_stub.server import StubServer

#: Seed of the session's stub: tokens, codes and trace ids repeat from run to run.
SEED = 1
#: Device flow polling interval in the tests, in seconds: short, so tests stay fast.
DEVICE_INTERVAL = 1


@pytest.fixture(scope="session")
def stub_server() -> Iterator[StubServer]:
    """Both sites, started once for the session on free ports, with a fixed seed."""
    with StubServer(seed=SEED, device_interval=DEVICE_INTERVAL) as server:
        yield server


@pytest.fixture
def stub(stub_server: StubServer) -> StubServer:
    """The session's stub with its state cleared for this test."""
    stub_server.reset()
    return stub_server
