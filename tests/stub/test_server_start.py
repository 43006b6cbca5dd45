"""Starting the sandbox from Python: a taken port is named, both sites serve from daemon
threads that take requests side by side, and a quiet sandbox prints nothing."""

import socket
import threading
import urllib.parse
from collections.abc import Iterator

import pytest
import requests
from stub_helpers import TIMEOUT, get_token

from extern_stub import StubServer
from extern_stub.__main__ import parse_args
from extern_stub.server import PortUnavailableError


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_taken_port_names_the_environment_and_werkzeugs_reason(taken_port: int) -> None:
    server = StubServer(production_port=taken_port)
    with pytest.raises(PortUnavailableError) as raised:
        server.start()
    error = raised.value
    assert (error.site, error.host, error.port) == ("production", "127.0.0.1", taken_port)
    assert "in use" in error.reason.lower()
    assert str(error) == (
        f"cannot bind 127.0.0.1:{taken_port} for the production environment: {error.reason}"
    )
    # The test site, bound before, was let go: the sandbox starts again on the same ports.
    test_port = urllib.parse.urlsplit(server.sites["test"].base_url).port
    with StubServer(test_port=test_port):
        pass


def test_starting_twice_is_refused() -> None:
    with (
        StubServer() as server,
        pytest.raises(RuntimeError, match=r"^the stub is already running$"),
    ):
        server.start()


def test_each_site_serves_from_a_named_daemon_thread() -> None:
    with StubServer():
        threads = {t.name: t for t in threading.enumerate() if t.name.startswith("extern-stub-")}
        assert set(threads) == {"extern-stub-test", "extern-stub-production"}
        assert all(thread.daemon for thread in threads.values())


def test_a_stalled_client_does_not_hold_up_others() -> None:
    with StubServer() as server:
        site = server.sites["test"]
        parts = urllib.parse.urlsplit(site.base_url)
        with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT):
            # Connected, never sends a byte; a one-at-a-time server would wait on it.
            answer = requests.get(f"{site.base_url}/openapi.json", timeout=TIMEOUT)
            assert answer.status_code == 200


def test_a_quiet_sandbox_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    with StubServer() as server:
        requests.get(f"{server.sites['test'].base_url}/openapi.json", timeout=TIMEOUT)
    assert capfd.readouterr() == ("", "")


def test_python_and_the_command_line_share_their_defaults() -> None:
    """``StubServer()`` behaves as ``kontur-sandbox`` without options (ports aside)."""
    options, _ = parse_args([])
    with StubServer() as server:
        site = server.sites["test"]
        assert (site.device_interval, site.token_lifetime, site.api_delay, server.seed) == (
            options.device_interval,
            options.token_lifetime,
            options.api_latency,
            options.seed,
        )
        assert server.host == options.host
        assert server.quiet is True  # from Python, quiet unless asked


def test_a_fresh_sandbox_answers_with_its_default_lifetimes_and_limit() -> None:
    """Built here, not by the session fixture, so every default is seen in use."""
    with StubServer() as server:
        site = server.sites["test"]
        form = {"client_id": site.client_id, "client_secret": site.api_key, "scope": "extern.api"}
        device = requests.post(
            f"{site.base_url}/connect/deviceauthorization", data=form, timeout=TIMEOUT
        ).json()
        assert (device["expires_in"], device["interval"]) == (300, 3)
        assert get_token(site)["expires_in"] == 86400  # docs/sandbox.rst: 86400 by default
        assert site.max_in_flight == 20  # docs/first-request.rst: 20 requests in flight
        assert site.api_delay == 0.0
        assert site.base_url.startswith("http://127.0.0.1:")
