"""HTTP/1.1 message framing as RFC 9112 asks a server, as far as werkzeug's server allows:
requests whose length, host or header section could be read two ways are refused with 400
before the application sees them, a Host the sandbox does not serve is refused with 421, and
the valid but rare forms (chunk extensions, trailers) are read."""

import json
import socket
import urllib.parse
from collections.abc import Callable

import pytest
from stub_helpers import TIMEOUT, assert_sentence

from extern_stub import Site, StubServer
from extern_stub.server import MAX_CHUNK_LINE, MAX_TRAILERS


def send(site: Site, data: bytes, timeout: float = TIMEOUT, half_close: bool = False) -> bytes:
    """Send raw bytes (then say that nothing more comes, when ``half_close``); everything
    the sandbox answers until it closes the connection."""
    parts = urllib.parse.urlsplit(site.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as connection:
        connection.sendall(data)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def status(answer: bytes) -> int:
    """The status of the final answer (after any 100 Continue)."""
    while answer.startswith(b"HTTP/1.1 100"):
        answer = answer.partition(b"\r\n\r\n")[2]
    return int(answer.split(b" ", 2)[1])


def body(answer: bytes) -> dict:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


def token_body(site: Site) -> bytes:
    return urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": site.client_id,
            "client_secret": site.api_key,
            "scope": "extern.api",
        }
    ).encode()


def token_request(site: Site, head: bytes, payload: bytes) -> bytes:
    return (
        b"POST /connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n" + head + b"\r\n" + payload
    )


# -- 100 Continue ----------------------------------------------------------------------------


def test_one_100_continue_on_http_1_1(site: Site) -> None:
    form = token_body(site)
    length = str(len(form)).encode()
    answer = send(
        site,
        token_request(site, b"Expect: 100-continue\r\nContent-Length: " + length + b"\r\n", form),
    )
    assert answer.count(b"100 Continue") == 1, answer[:300]
    assert status(answer) == 200


def test_no_100_continue_on_http_1_0(site: Site) -> None:
    form = token_body(site)
    request = token_request(
        site, b"Expect: 100-continue\r\nContent-Length: %d\r\n" % len(form), form
    )
    answer = send(site, request.replace(b"HTTP/1.1", b"HTTP/1.0", 1))
    assert b"100 Continue" not in answer
    assert status(answer) == 200


def test_no_100_continue_for_a_request_refused_before_its_body(site: Site) -> None:
    answer = send(site, b"POST /v1 HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
    assert b"100 Continue" not in answer
    assert status(answer) == 400


# -- request line ----------------------------------------------------------------------------


def test_an_http_0_9_request_is_refused_at_once(site: Site) -> None:
    """A real HTTP/0.9 request has no header section: nothing more will come."""
    answer = send(site, b"GET /v1\r\n", timeout=3)
    assert status(answer) == 400


@pytest.mark.parametrize(
    "line",
    [b"get /v1 HTTP/1.1", b"Get /v1 HTTP/1.1", b"GET /v1 HTTP/1.10", b"GET /v1 HTTP/01.1"],
)
def test_a_malformed_request_line_is_400(site: Site, line: bytes) -> None:
    answer = send(site, line + b"\r\nHost: 127.0.0.1\r\n\r\n")
    assert status(answer) == 400
    assert body(answer)["id"] == "urn:error:externapi:badRequest"


# -- Host --------------------------------------------------------------------------------------


def get_v1(site: Site, head: bytes, version: bytes = b"HTTP/1.1", target: bytes = b"/v1") -> int:
    return status(send(site, b"GET " + target + b" " + version + b"\r\n" + head + b"\r\n"))


@pytest.mark.parametrize(
    "head",
    [
        b"",  # no Host in HTTP/1.1
        b"Host: 127.0.0.1\r\nHost: 127.0.0.1\r\n",
        b"Host: 127.0.0.1:abc\r\n",
        b"Host: 127.0.0.1:99999\r\n",
        b"Host: [::1\r\n",
        b"Host: a b\r\n",
        b"Host: user@127.0.0.1\r\n",
        b"Host: \r\n",
    ],
)
def test_a_missing_repeated_or_malformed_host_is_400(site: Site, head: bytes) -> None:
    assert get_v1(site, head) == 400


@pytest.mark.parametrize(
    "host",
    [
        b"evil.example",
        b"evil.example:8401",
        b"127.0.0.1.evil.example",
        b"localhost.evil",
        b"10.0.0.1",
    ],
)
def test_a_host_the_sandbox_does_not_serve_is_421(site: Site, host: bytes) -> None:
    """A name that resolves here only by DNS rebinding must not reach the sandbox."""
    answer = send(site, b"GET /v1 HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
    assert status(answer) == 421
    assert "--allow-host" in body(answer)["message"]


@pytest.mark.parametrize(
    "host",
    [b"127.0.0.1", b"127.0.0.1:1", b"127.1.2.3:8401", b"localhost:9", b"LocalHost", b"[::1]:8401"],
)
def test_loopback_hosts_with_any_port_are_served(site: Site, host: bytes) -> None:
    assert get_v1(site, b"Host: " + host + b"\r\n") == 401  # the application's answer


def test_http_1_0_may_omit_the_host(site: Site) -> None:
    assert get_v1(site, b"", version=b"HTTP/1.0") == 401


def test_the_host_of_an_absolute_target_is_checked(site: Site) -> None:
    assert get_v1(site, b"Host: 127.0.0.1\r\n", target=b"http://evil.example/v1") == 421
    assert get_v1(site, b"Host: evil.example\r\n", target=b"http://127.0.0.1:1/v1") == 401


def test_configured_host_names_are_served() -> None:
    with StubServer(allowed_hosts=["sandbox.internal"]) as stub:
        site = stub.sites["test"]
        assert get_v1(site, b"Host: sandbox.internal:8401\r\n") == 401
        assert get_v1(site, b"Host: SANDBOX.internal\r\n") == 401
        assert get_v1(site, b"Host: other.internal\r\n") == 421


def test_a_configured_ipv6_address_is_served_with_or_without_brackets() -> None:
    with StubServer(allowed_hosts=["[FD00::1]", "fd00::2"]) as stub:
        site = stub.sites["test"]
        assert get_v1(site, b"Host: [fd00::1]:8401\r\n") == 401
        assert get_v1(site, b"Host: [FD00::2]\r\n") == 401
        assert get_v1(site, b"Host: [fd00::3]\r\n") == 421


# -- header section ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        b"X-A: a\x00b",  # NUL
        b"X-A: a\rb",  # bare CR
        b"X-A: a\x1bb",  # another control character
        b"X-A a",  # no colon
        b"X A: a",  # space in the name
        b"X-A : a",  # space before the colon
        b" folded",  # obsolete line folding
        b": a",  # no name
    ],
)
def test_a_malformed_header_line_is_400(site: Site, line: bytes) -> None:
    answer = send(site, b"GET /v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-B: b\r\n" + line + b"\r\n\r\n")
    assert status(answer) == 400
    error = body(answer)
    assert error["id"] == "urn:error:externapi:badRequest"
    assert error["message"] == (
        "A header line is malformed: it must be Name: value, with no space in or after the "
        "name, no line folding, and no control character (NUL, CR) in the value."
    )
    assert_sentence(error["message"])


def test_lines_may_end_with_a_bare_line_feed(site: Site) -> None:
    """RFC 9112 section 2.2: a recipient may take a lone LF as a line's end."""
    assert status(send(site, b"GET /v1 HTTP/1.1\nHost: 127.0.0.1\nX-A: a\n\n")) == 401


def test_a_request_that_ends_inside_its_header_section_is_400(site: Site) -> None:
    answer = send(site, b"GET /v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n", half_close=True)
    assert status(answer) == 400
    assert body(answer)["message"] == "The request ended inside its header section."


def test_tabs_and_non_ascii_in_header_values_are_fine(site: Site) -> None:
    assert get_v1(site, b"Host: 127.0.0.1\r\nX-A: a\tb \xe9\r\n") == 401


# -- message length ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        b"Transfer-Encoding: chunked, gzip\r\n",
        b"Transfer-Encoding: gzip, chunked\r\n",
        b"Transfer-Encoding: gzip\r\n",
        b"Transfer-Encoding: chunked, chunked\r\n",
        b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: identity\r\n",
        b"Content-Length: +5\r\n",
        b"Content-Length: 0x5\r\n",
    ],
)
def test_an_ambiguous_length_is_400(site: Site, head: bytes) -> None:
    answer = send(site, token_request(site, head, b"5\r\nhello\r\n0\r\n\r\n"))
    assert status(answer) == 400
    assert body(answer)["error"] == "invalid_request"


def test_transfer_encoding_in_http_1_0_is_400(site: Site) -> None:
    request = token_request(site, b"Transfer-Encoding: chunked\r\n", b"0\r\n\r\n")
    assert status(send(site, request.replace(b"HTTP/1.1", b"HTTP/1.0", 1))) == 400


def chunked(form: bytes, size_line: bytes, end: bytes = b"0\r\n\r\n") -> bytes:
    return size_line + b"\r\n" + form + b"\r\n" + end


@pytest.mark.parametrize(
    "size", ["0x{:x}", "+{:x}", "-{:x}", " {:x}", "{:x} ", "0_{:x}", "{:x}g", "{:x};", '{:x};a="b']
)
def test_an_invalid_chunk_size_is_400(site: Site, size: str) -> None:
    form = token_body(site)
    payload = chunked(form, size.format(len(form)).encode())
    answer = send(site, token_request(site, b"Transfer-Encoding: chunked\r\n", payload))
    assert status(answer) == 400, answer[:300]
    assert body(answer)["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("size", "end"),
    [
        ("{:x}", b"0\r\n\r\n"),
        ("{:X}", b"0\r\n\r\n"),
        ("{:x};name=value", b"0;last\r\n\r\n"),
        ('{:x} ; a = "quoted \\" ;" ; b', b"0\r\n\r\n"),
        ("{:x}", b"0\r\nX-Checksum: abc\r\nX-Other: d\r\n\r\n"),
    ],
)
def test_chunk_extensions_and_trailers_are_read(site: Site, size: str, end: bytes) -> None:
    form = token_body(site)
    payload = chunked(form, size.format(len(form)).encode(), end)
    answer = send(site, token_request(site, b"Transfer-Encoding: chunked\r\n", payload))
    assert status(answer) == 200, answer[:300]


@pytest.mark.parametrize("end", [b"0\r\nX-A a\r\n\r\n", b"0\r\nX-A: \x00\r\n\r\n", b"0\r\n"])
def test_a_malformed_trailer_section_is_400(site: Site, end: bytes) -> None:
    form = token_body(site)
    payload = chunked(form, b"%x" % len(form), end)
    request = token_request(site, b"Transfer-Encoding: chunked\r\n", payload)
    assert status(send(site, request, half_close=True)) == 400


def test_chunk_data_without_its_line_end_is_400(site: Site) -> None:
    form = token_body(site)
    payload = b"%x\r\n" % len(form) + form + b"XX0\r\n\r\n"
    answer = send(site, token_request(site, b"Transfer-Encoding: chunked\r\n", payload))
    assert status(answer) == 400


@pytest.mark.parametrize(
    "head",
    [b"Transfer-Encoding: CHUNKED\r\n", b"Transfer-Encoding: chunked ,\r\n"],
)
def test_chunked_in_any_case_with_empty_list_elements_is_read(site: Site, head: bytes) -> None:
    form = token_body(site)
    answer = send(site, token_request(site, head, chunked(form, b"%x" % len(form))))
    assert status(answer) == 200, answer[:300]


def test_a_content_length_of_other_digits_than_ascii_is_400(site: Site) -> None:
    assert status(send(site, token_request(site, b"Content-Length: \xb2\r\n", b"ab"))) == 400


def test_the_port_of_host_is_checked_at_its_bounds(site: Site) -> None:
    assert get_v1(site, b"Host: 127.0.0.1:65535\r\n") == 401
    assert get_v1(site, b"Host: 127.0.0.1:65536\r\n") == 400


def test_the_refusal_of_a_host_names_it_and_the_way_to_allow_it(site: Site) -> None:
    answer = send(site, b"GET /v1 HTTP/1.1\r\nHost: Evil.example:80\r\n\r\n")
    assert body(answer)["message"] == (
        "This sandbox answers to 127.0.0.1, localhost and [::1] only, not to Evil.example: "
        "start it with --allow-host Evil.example to use that name."
    )


def test_a_chunk_shorter_than_its_size_is_400(site: Site) -> None:
    request = token_request(site, b"Transfer-Encoding: chunked\r\n", b"ff\r\nshort")
    answer = send(site, request, half_close=True)
    assert status(answer) == 400
    assert body(answer)["error_description"] == "The body ended inside a chunk."


def test_a_chunk_size_line_too_long_is_400(site: Site) -> None:
    form = token_body(site)
    payload = chunked(form, b"%x;" % len(form) + b"e" * MAX_CHUNK_LINE)
    answer = send(site, token_request(site, b"Transfer-Encoding: chunked\r\n", payload))
    assert status(answer) == 400


@pytest.mark.parametrize(("count", "expected"), [(MAX_TRAILERS, 200), (MAX_TRAILERS + 1, 400)])
def test_at_most_max_trailers_trailer_fields(site: Site, count: int, expected: int) -> None:
    form = token_body(site)
    trailers = b"".join(b"X-T%d: v\r\n" % number for number in range(count))
    payload = chunked(form, b"%x" % len(form), b"0\r\n" + trailers + b"\r\n")
    answer = send(site, token_request(site, b"Transfer-Encoding: chunked\r\n", payload))
    assert status(answer) == expected, answer[:300]


def test_a_refused_method_or_version_is_named_by_its_first_20_characters(site: Site) -> None:
    method = send(site, b"g" * 30 + b" /v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert body(method)["message"] == (
        f"The method {'g' * 20} is unknown: methods are upper case (GET, POST)."
    )
    version = send(site, b"GET /v1 HTTP/1." + b"1" * 30 + b"\r\nHost: 127.0.0.1\r\n\r\n")
    assert body(version)["message"] == f"The HTTP version HTTP/1.{'1' * 13} is not supported."


# -- what each refusal says --------------------------------------------------------------------


def description(answer: bytes) -> str:
    """The sentence an error answer gives, in either error shape."""
    found = body(answer)
    return found.get("error_description") or found["message"]


def chunked_token_request(site: Site, size_line: bytes, end: bytes = b"0\r\n\r\n") -> bytes:
    form = token_body(site)
    payload = chunked(form, size_line.replace(b"SIZE", b"%x" % len(form)), end)
    return token_request(site, b"Transfer-Encoding: chunked\r\n", payload)


@pytest.mark.parametrize(
    ("make_request", "expected"),
    [
        (lambda site: b"GET /v1\r\n", "The request line must be: METHOD TARGET HTTP/1.1."),
        (
            lambda site: b"GET /v1 HTTP/1.1\r\nHost: 127.0.0.1:abc\r\n\r\n",
            "Host must be a host name or address, then maybe :port.",
        ),
        (
            lambda site: token_request(
                site, b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n"
            ),
            "Content-Length and Transfer-Encoding together.",
        ),
        (
            lambda site: chunked_token_request(site, b"0xSIZE"),
            "A chunk size must be hex digits, then maybe ;extensions.",
        ),
        (
            lambda site: chunked_token_request(site, b"SIZE;" + b"e" * MAX_CHUNK_LINE),
            "The chunked body ended early, or has a line too long.",
        ),
        (
            lambda site: chunked_token_request(
                site,
                b"SIZE",
                b"0\r\n" + b"".join(b"X-T%d: v\r\n" % n for n in range(MAX_TRAILERS + 1)) + b"\r\n",
            ),
            f"More than {MAX_TRAILERS} trailer fields.",
        ),
    ],
    ids=["http-0.9", "malformed-host", "length-and-chunked", "chunk-size", "long-line", "trailers"],
)
def test_each_refusal_says_what_was_wrong(
    site: Site, make_request: Callable[[Site], bytes], expected: str
) -> None:
    answer = send(site, make_request(site), timeout=5)
    assert status(answer) == 400
    assert description(answer) == expected


def test_a_host_the_sandbox_does_not_serve_gets_the_misdirected_request_code(site: Site) -> None:
    answer = send(site, b"GET /v1 HTTP/1.1\r\nHost: evil.example\r\n\r\n")
    assert body(answer)["id"] == "urn:error:externapi:misdirectedRequest"


@pytest.mark.parametrize(
    "refused",
    [b"get /v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"GET /v1 HTTP/1.1\r\nHost: 127.0.0.1:abc\r\n"],
    ids=["request-line", "header-section"],
)
def test_the_connection_is_closed_after_a_refused_request(site: Site, refused: bytes) -> None:
    """What follows a refused request could be read as a second request: never."""
    parts = urllib.parse.urlsplit(site.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
        connection.sendall(refused + b"\r\n")
        answer = b""
        while chunk := connection.recv(65536):  # a kept-open connection times out here
            answer += chunk
    assert status(answer) == 400
    assert b"Connection: close" in answer
