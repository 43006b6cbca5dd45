"""Bad input over a raw socket: what no HTTP library would send still gets a clear 4xx.

The stub must never answer 5xx, never hang, and never log a server error for any of it.
"""

import json
import logging
import socket
import urllib.parse
from collections.abc import Iterator

import pytest
import requests
from stub_helpers import client_credentials

from extern_stub import Site


@pytest.fixture(autouse=True)
def no_server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.ERROR)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


def exchange(site: Site, data: bytes, half_close: bool = False) -> tuple[int, dict, bytes]:
    """Send raw bytes; the status, headers and body of the answer."""
    parts = urllib.parse.urlsplit(site.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as connection:
        connection.sendall(data)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


def chunks(size: int) -> Iterator[bytes]:
    while size > 0:
        yield b"x" * min(1024, size)
        size -= 1024


def test_chunked_body_over_64_kib_is_413(site: Site) -> None:
    answer = requests.post(
        f"{site.base_url}/connect/token",
        data=chunks(65 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == "invalid_request"


def test_chunked_body_of_exactly_64_kib_is_read(site: Site) -> None:
    form = urllib.parse.urlencode(client_credentials(site)) + "&padding="
    body = form.encode() + b"x" * (64 * 1024 - len(form))
    assert len(body) == 64 * 1024

    def stream() -> Iterator[bytes]:
        yield body[:1000]
        yield body[1000:]

    answer = requests.post(
        f"{site.base_url}/connect/token",
        data=stream(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text


def test_declared_length_over_64_kib_is_413_without_reading(site: Site) -> None:
    status, headers, body = exchange(
        site,
        b"POST /connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999999\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\nabc",
    )
    assert status == 413
    assert "X-Kontur-Trace-Id" in headers
    assert json.loads(body)["error"] == "invalid_request"


def test_body_shorter_than_announced_is_400(site: Site) -> None:
    status, _, body = exchange(
        site,
        b"POST /connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type=x",
        half_close=True,
    )
    assert status == 400
    assert json.loads(body)["error"] == "invalid_request"


def test_bad_content_length_is_400(site: Site) -> None:
    status, _, body = exchange(
        site,
        b"POST /v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
        half_close=True,
    )
    assert 400 <= status < 500
    assert json.loads(body)["id"].startswith("urn:error:externapi:")


def test_uri_too_long_is_414_in_the_oauth_shape_under_connect(site: Site) -> None:
    status, headers, body = exchange(
        site, b"GET /connect/" + b"x" * 70000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    assert status == 414
    assert len(headers["X-Kontur-Trace-Id"]) == 32
    assert json.loads(body)["error"] == "invalid_request"


def test_too_many_headers_is_431_in_the_extern_shape(site: Site) -> None:
    status, headers, body = exchange(site, b"GET /v1 HTTP/1.1\r\n" + b"X-A: b\r\n" * 200 + b"\r\n")
    assert status == 431
    error = json.loads(body)
    assert error["id"] == "urn:error:externapi:headersTooLarge"
    assert error["trace-id"] == headers["X-Kontur-Trace-Id"]


def test_unsupported_http_version_is_400_not_505(site: Site) -> None:
    status, _, body = exchange(site, b"GET /v1 HTTP/3.7\r\nHost: 127.0.0.1\r\n\r\n")
    assert status == 400
    assert json.loads(body)["status-code"] == 400
    assert "HTTP/3.7" in json.loads(body)["message"]


def test_raw_non_utf8_path_and_header(site: Site) -> None:
    status, _, body = exchange(
        site, b"GET /v1/\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \xff\r\n\r\n"
    )
    assert status == 401
    assert json.loads(body)["id"] == "urn:error:externapi:unauthorized"


@pytest.mark.parametrize("line", [b"GARBAGE", b"GET /v1", b"GET /v1 HTTP/1.1 extra"])
def test_a_request_line_of_other_than_three_words_gets_a_status_line(
    site: Site, line: bytes
) -> None:
    status, headers, body = exchange(site, line + b"\r\n\r\n")
    assert status == 400
    assert len(headers["X-Kontur-Trace-Id"]) == 32
    assert headers["X-Content-Type-Options"] == "nosniff"
    error = json.loads(body)
    assert error["status-code"] == 400
    if line.count(b" ") == 1:  # HTTP/0.9 style: the answer says what a request line is
        assert "METHOD TARGET HTTP/1.1" in error["message"]


def post_raw(site: Site, *headers: bytes, body: bytes = b"abc") -> int:
    head = b"POST /connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(
        h + b"\r\n" for h in headers
    )
    status, _, _ = exchange(site, head + b"\r\n" + body, half_close=True)
    return status


def test_two_different_content_lengths_are_400(site: Site) -> None:
    assert post_raw(site, b"Content-Length: 3", b"Content-Length: 2") == 400
    assert site.requests == []  # refused before the application


def test_the_same_content_length_twice_is_read(site: Site) -> None:
    # Not refused for the length: the body then fails as a token request (400 too), so
    # check what the stub recorded.
    post_raw(site, b"Content-Length: 3", b"Content-Length: 3")
    assert site.requests[-1].body == b"abc"


def test_content_length_with_transfer_encoding_is_400(site: Site) -> None:
    status = post_raw(site, b"Content-Length: 3", b"Transfer-Encoding: chunked", body=b"0\r\n\r\n")
    assert status == 400
    assert site.requests == []
