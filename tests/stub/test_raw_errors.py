"""Errors http.server finds before the application (bad request line, version, lengths,
huge URI or headers) answer like the application's own errors: the right status, the error
shape of the path, a trace id, a sentence saying what was wrong, and a closed connection."""

import json
import socket
import urllib.parse

import pytest
from requests.structures import CaseInsensitiveDict
from stub_helpers import assert_sentence

from extern_stub import Site


def raw_answer(site: Site, data: bytes) -> tuple[str, CaseInsensitiveDict, bytes]:
    """Send raw bytes; the status line, headers and body, read until the sandbox closes the
    connection (a connection left open fails the test with a timeout)."""
    parts = urllib.parse.urlsplit(site.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
        connection.sendall(data)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = CaseInsensitiveDict(line.split(": ", 1) for line in header_lines)
    return status_line, headers, body


HUGE_URI = b"x" * 70000
MANY_HEADERS = b"X-A: b\r\n" * 200
CASES = {
    # name: (request, status, Extern API error id; None under /connect: the OAuth shape)
    "version on the API": (b"GET /v1 HTTP/3.7\r\nHost: 127.0.0.1\r\n\r\n", 400, "badRequest"),
    "version on the token endpoint": (
        b"GET /connect/token HTTP/3.7\r\nHost: 127.0.0.1\r\n\r\n",
        400,
        None,
    ),
    "uri on the API": (
        b"GET /v1/" + HUGE_URI + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        414,
        "uriTooLong",
    ),
    "headers on the API": (
        b"GET /v1 HTTP/1.1\r\n" + MANY_HEADERS + b"\r\n",
        431,
        "headersTooLarge",
    ),
    "headers on the token endpoint": (
        b"POST /connect/token HTTP/1.1\r\n" + MANY_HEADERS + b"\r\n",
        431,
        None,
    ),
    "two lengths on the API": (
        b"POST /v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        400,
        "badRequest",
    ),
    "length and chunks on the token endpoint": (
        b"POST /connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        None,
    ),
    "HTTP/0.9 on the API": (b"GET /v1\r\n\r\n", 400, "badRequest"),
}


@pytest.mark.parametrize("name", CASES)
def test_refused_before_the_application_in_the_paths_shape(site: Site, name: str) -> None:
    request, status, extern_id = CASES[name]
    status_line, headers, body = raw_answer(site, request)
    assert status_line.split()[1] == str(status)
    assert headers["Connection"].lower() == "close"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert int(headers["Content-Length"]) == len(body)
    trace_id = headers["X-Kontur-Trace-Id"]
    assert len(trace_id) == 32
    error = json.loads(body)
    if extern_id is None:
        assert headers["Content-Type"] == "application/json; charset=UTF-8"
        assert error["error"] == "invalid_request"
        assert_sentence(error["error_description"])
    else:
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert error["id"] == f"urn:error:externapi:{extern_id}"
        assert error["status-code"] == status
        assert error["trace-id"] == trace_id
        assert_sentence(error["message"])
    assert site.requests == []  # none of them reached the application


def test_a_head_request_refused_early_gets_no_body(site: Site) -> None:
    status_line, headers, body = raw_answer(site, b"HEAD /v1 HTTP/1.1\r\n" + MANY_HEADERS + b"\r\n")
    assert status_line.split()[1] == "431"
    assert int(headers["Content-Length"]) > 0  # the length the body would have had
    assert body == b""


def test_the_version_refused_is_named(site: Site) -> None:
    _, _, body = raw_answer(site, b"GET /v1 HTTP/3.7\r\nHost: 127.0.0.1\r\n\r\n")
    assert "HTTP/3.7" in json.loads(body)["message"]
