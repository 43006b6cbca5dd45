"""What the sandbox tells the world: no secret in its access log, no seeded secrets on a network."""

import logging
import socket
import subprocess
import sys
import urllib.parse

import pytest
import requests
from stub_helpers import ANY_PORTS, TIMEOUT, client_credentials, get_token

from extern_stub import Site, StubServer
from extern_stub.server import is_loopback, redact


def test_the_access_log_redacts_secrets_in_query_strings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    with StubServer(quiet=False) as stub:
        site = stub.sites["test"]
        token = get_token(site)["access_token"]
        secrets = [site.api_key, token, "the-code", "the-verifier", "the-password", "BCDF-GHJK"]
        base = site.base_url
        requests.post(
            f"{base}/connect/token",
            params={"client_secret": site.api_key, "client_id": site.client_id},
            data=client_credentials(site),
            timeout=TIMEOUT,
        )
        requests.get(f"{base}/v1", params={"access_token": token}, timeout=TIMEOUT)
        requests.get(f"{base}/v1", params={"api_key": site.api_key}, timeout=TIMEOUT)
        requests.get(
            f"{base}/connect/authorize",
            params={"code": "the-code", "code_verifier": "the-verifier", "state": "kept"},
            timeout=TIMEOUT,
        )
        requests.get(f"{base}/device", params={"user_code": "BCDF-GHJK"}, timeout=TIMEOUT)
        requests.get(f"{base}/v1?password=the-password;refresh_token={token}", timeout=TIMEOUT)
    log = "\n".join(record.getMessage() for record in caplog.records)
    assert log.count("[redacted]") == 7, log
    assert "state=kept" in log
    for secret in secrets:
        assert secret not in log


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org"])  # noqa: S104
def test_seed_with_a_host_beyond_loopback_is_refused(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ValueError, match="--seed"):
        StubServer(host=host, seed=1)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10"])  # noqa: S104
def test_the_command_line_refuses_seed_beyond_loopback(host: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "extern_stub", *ANY_PORTS, "--host", host, "--seed", "1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "--seed" in result.stderr
    assert "loopback" in result.stderr


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_seed_on_loopback_is_fine(host: str) -> None:
    assert is_loopback(host)
    StubServer(host=host, seed=1)  # not started: nothing bound


def test_without_seed_any_host_is_accepted() -> None:
    StubServer(host="0.0.0.0")  # noqa: S104 - not started: nothing bound


def raw_request(site: Site, data: bytes) -> None:
    """Send raw bytes and read the answer to its end."""
    parts = urllib.parse.urlsplit(site.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=TIMEOUT) as connection:
        connection.sendall(data)
        while connection.recv(65536):
            pass


def test_the_access_log_cannot_be_forged_and_hides_whole_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    with StubServer(quiet=False) as stub:
        site = stub.sites["test"]
        base = site.base_url
        for query in (
            "password=ab%3BS3cr3t-1",
            "password=ab%22S3cr3t-2",
            "pass%77ord=S3cr3t-3&state=kept",
            "password=ab&client_secret=S3cr3t-4%26more",
        ):
            requests.get(f"{base}/v1?{query}", timeout=TIMEOUT)
        requests.post(f"{base}/connect/token?grant_type=client_credentials", timeout=TIMEOUT)
        requests.get(f"{base}/v1/%E2%80%A8forged%E2%80%AE", timeout=TIMEOUT)
        for line in (
            b"GET /v1/\xe2\x80\xa8forged\xe2\x80\xae\xc2\x85 HTTP/1.1",
            b"GET /v1/\x00\x1b[31m\x7f HTTP/1.1",
            b"GET /v1/a\rforged HTTP/1.1",
            b"GET /v1/caf\xc3\xa9/a\\b HTTP/1.1",
        ):
            raw_request(site, line + b"\r\nHost: 127.0.0.1\r\n\r\n")
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 10, messages
    for message in messages:
        assert message.isprintable(), repr(message)  # no line or direction control of any kind
    log = "\n".join(messages)
    assert "S3cr3t" not in log, log
    assert "more" not in log
    assert log.count("[redacted]") == 5
    assert "state=kept" in log
    assert "/connect/token?grant_type=client_credentials" in log
    assert '"GET /v1?password=[redacted]&state=kept HTTP/1.1" 401 -' in log
    assert "/v1/%E2%80%A8forged%E2%80%AE" in log  # as sent: still percent-encoded
    assert r"/v1/\x00\x1b[31m\x7f" in log
    assert "/v1/caf\u00c3\u00a9/a\\\\b" in log  # printable letters kept, the backslash escaped


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/v1?password=a%3Bb&state=s", "/v1?password=[redacted]&state=s"),
        ("/v1?pass%77ord=x", "/v1?pass%77ord=[redacted]"),
        ("/v1?client+secret=x", "/v1?client+secret=[redacted]"),
        ("/v1?token&x=1", "/v1?token&x=1"),
        ("/v1?a=1&&b=2", "/v1?a=1&&b=2"),
        ("/v1?", "/v1?"),
        ("/v1", "/v1"),
        ("/connect/token?grant_type=g", "/connect/token?grant_type=g"),
        ("HTTP/1.1", "HTTP/1.1"),
    ],
)
def test_redaction_is_by_parameter_name(target: str, logged: str) -> None:
    assert redact(target) == logged


def test_the_log_redacts_word_by_word_and_keeps_the_rest_of_the_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A secret at the end of the target hides only itself, and a tab inside a secret
    (refused, but still logged) hides the whole value, not just the part before it."""
    caplog.set_level(logging.INFO, logger="werkzeug")
    with StubServer(quiet=False) as stub:
        site = stub.sites["test"]
        requests.get(f"{site.base_url}/v1?password=S3cr3t-1", timeout=TIMEOUT)
        raw_request(site, b"GET /v1?password=ab\tS3cr3t-2 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    log = "\n".join(record.getMessage() for record in caplog.records)
    assert '"GET /v1?password=[redacted] HTTP/1.1" 401 -' in log, log
    assert "S3cr3t" not in log, log
