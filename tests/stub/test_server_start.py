"""Starting the sandbox from Python: a taken port is named, both sites serve from daemon
threads that take requests side by side, and a quiet sandbox prints nothing."""

import datetime
import email.utils
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator

import pytest
import requests
from stub_helpers import TIMEOUT, get_token

from extern_stub import Site, StubServer
from extern_stub.__main__ import parse_args
from extern_stub.server import PortUnavailableError, url_host


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


@pytest.mark.parametrize(
    ("host", "in_urls"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0.0.0.0", "127.0.0.1"),  # noqa: S104 - a wildcard: reached on loopback
        ("", "127.0.0.1"),
        ("::", "[::1]"),
        ("::1", "[::1]"),
        ("fd00::1", "[fd00::1]"),
        ("localhost", "localhost"),
    ],
)
def test_the_address_a_sandbox_gives_is_one_a_client_can_reach(host: str, in_urls: str) -> None:
    assert url_host(host) == in_urls


def test_a_started_sandbox_shows_both_addresses() -> None:
    with StubServer() as stub:
        test, production = (stub.sites[name].base_url for name in ("test", "production"))
        assert repr(stub) == f"<StubServer test={test}, production={production}>"
    assert test.startswith("http://127.0.0.1:")


def test_an_unfrozen_sandbox_dates_its_answers_by_the_clock() -> None:
    with StubServer() as stub:
        answer = requests.get(f"{stub.sites['test'].base_url}/v1", timeout=TIMEOUT)
    sent = email.utils.parsedate_to_datetime(answer.headers["Date"])
    assert abs((sent - datetime.datetime.now(datetime.UTC)).total_seconds()) < 60


def test_an_unseeded_sandbox_draws_trace_ids_of_16_random_bytes() -> None:
    with StubServer() as stub:
        answers = [
            requests.get(f"{stub.sites['test'].base_url}/v1", timeout=TIMEOUT) for _ in range(2)
        ]
    first, second = (answer.headers["X-Kontur-Trace-Id"] for answer in answers)
    assert re.fullmatch("[0-9a-f]{32}", first), first
    assert first != second


def test_a_stopped_clock_moves_only_when_advanced_until_reset(site: Site) -> None:
    site.clock.stop()
    stopped = site.clock.now()
    time.sleep(0.02)
    assert site.clock.now() == stopped
    site.clock.advance(2)
    assert site.clock.now() == stopped + 2
    site.reset()
    assert site.clock.now() > stopped + 0.02  # real time again, and no advance
    assert site.clock.now() < stopped + 2
