"""No input makes the stub answer 5xx, and a bug in it still answers in its own error shape.

The raw-socket property test sends what no HTTP library would: any header names and bytes,
any methods, paths and bodies, on both sites.
"""

import base64
import json
import socket
import urllib.parse

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stub_helpers import TIMEOUT, extern_error, oauth_error

from extern_stub import Site, StubServer
from extern_stub import app as stub_app


def raw_exchange(site: Site, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes and half-close; the status, headers and body of the answer."""
    parts = urllib.parse.urlsplit(site.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as connection:
        try:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server answered and closed before reading everything: read its answer
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    assert status_line.startswith("HTTP/1."), answer[:200]
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize("path", ["/openapi.json", "/connect/token", "/v1", "/device"])
def test_non_ascii_basic_authorization_is_no_500(site: Site, path: str) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic ".encode()
    status, headers, body = raw_exchange(site, request + b"\xff\xfe\r\n\r\n")
    assert status < 500, body
    assert len(headers["X-Kontur-Trace-Id"]) == 32


def test_non_ascii_basic_authorization_at_the_token_endpoint_is_invalid_client(site: Site) -> None:
    request = (
        b"POST /connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic \xff\xfe\r\n"
    )
    request += b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n"
    status, _, body = raw_exchange(site, request)
    assert (status, json.loads(body)["error"]) == (400, "invalid_client")


def many_parts(count: int) -> dict[str, tuple[None, str]]:
    return {f"f{i}": (None, "1") for i in range(count)}


@pytest.mark.parametrize("path", ["/connect/token", "/device", "/connect/authorize"])
def test_multipart_with_201_parts_is_a_4xx_in_the_oauth_shape(site: Site, path: str) -> None:
    answer = requests.post(f"{site.base_url}{path}", files=many_parts(201), timeout=TIMEOUT)
    assert oauth_error(answer) in {"invalid_request", "invalid_client"}
    assert site.requests[-1].form == {}


def test_multipart_with_201_parts_on_the_api_is_405(site: Site) -> None:
    answer = requests.post(f"{site.base_url}/v1", files=many_parts(201), timeout=TIMEOUT)
    assert extern_error(answer, 405) == "methodNotAllowed"


def test_any_exception_in_a_request_answers_500_in_the_oauth_shape(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setitem(stub_app.HANDLERS, "jwks", broken)
    answer = requests.get(f"{site.base_url}/.well-known/openid-configuration/jwks", timeout=5)
    assert oauth_error(answer, 500) == "server_error"


def test_an_exception_while_recording_answers_500_in_the_extern_shape(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(stub_app.SiteApp, "record", broken)
    answer = requests.get(f"{site.base_url}/v1", timeout=5)
    assert extern_error(answer, 500) == "internalError"


# -- any bytes at all -----------------------------------------------------------------------

TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
header_names = st.one_of(
    st.sampled_from(
        ["Authorization", "Content-Type", "Content-Length", "Transfer-Encoding", "Origin"]
    ),
    st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=20),
)
# Any bytes but the line breaks that end a header line.
header_values = st.one_of(
    st.binary(max_size=40).map(lambda value: value.replace(b"\r", b"").replace(b"\n", b"")),
    st.sampled_from(
        [b"Basic \xff\xfe", b"Bearer ", b"multipart/form-data; boundary=x", b"-1", b"chunked"]
    ),
    st.builds(
        lambda scheme, raw: scheme + base64.b64encode(raw),
        st.sampled_from([b"Basic ", b"Bearer "]),
        st.binary(max_size=30),
    ),
)
methods = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]),
    st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=10),
)
raw_paths = st.one_of(
    st.sampled_from(
        [
            "/v1",
            "/v1/x",
            "/connect/token",
            "/connect/deviceauthorization",
            "/connect/authorize",
            "/device",
            "/.well-known/openid-configuration",
            "/openapi.json",
        ]
    ).map(str.encode),
    st.binary(max_size=30).map(
        lambda raw: b"/" + bytes(b for b in raw if b not in b" \r\n\t\x0b\x0c")
    ),
)


def multipart(count: int) -> tuple[bytes, bytes]:
    """A multipart body of ``count`` parts and its Content-Type."""
    parts = b"".join(
        b'--x\r\nContent-Disposition: form-data; name="f%d"\r\n\r\n1\r\n' % i for i in range(count)
    )
    return parts + b"--x--\r\n", b"multipart/form-data; boundary=x"


@st.composite
def raw_requests(draw: st.DrawFn) -> bytes:
    method = draw(methods).encode()
    path = draw(raw_paths)
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=6))
    authorization = draw(st.one_of(st.none(), header_values))
    if authorization is not None:
        headers.append(("Authorization", authorization))
    if draw(st.booleans()):
        body = draw(st.binary(max_size=300))
    else:
        body, content_type = multipart(draw(st.integers(0, 250)))
        headers.append(("Content-Type", content_type))
    lines = [method + b" " + path + b" HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [name.encode() + b": " + value for name, value in headers]
    if not any(name.lower() in {"content-length", "transfer-encoding"} for name, _ in headers):
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@pytest.fixture(scope="module")
def both_sites(stub_server: StubServer) -> list[Site]:
    return list(stub_server.sites.values())


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=raw_requests(), which=st.integers(0, 1))
def test_any_raw_request_on_either_site_is_never_a_5xx(
    both_sites: list[Site], request: bytes, which: int
) -> None:
    status, headers, _ = raw_exchange(both_sites[which], request)
    assert status < 500, request
    assert len(headers["X-Kontur-Trace-Id"]) == 32
