"""Both sites, each on its own threaded werkzeug server."""

from __future__ import annotations

import contextlib
import http
import io
import ipaddress
import re
import threading
import time
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.exceptions import BadRequest
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from extern_stub.app import SiteApp
from extern_stub.cors import default_origins
from extern_stub.headers import SECURITY_HEADERS
from extern_stub.sites import RECORD_SIZE, SITE_NAMES, Site, load_registries

#: Seconds a stop waits for the requests in flight to finish.
STOP_GRACE = 10.0


class StubRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler with a stable ``Server`` header, a seeded ``Date``, optional logs."""

    #: Seconds a client may stay silent before its connection is dropped: nothing hangs.
    timeout = 10

    def _app(self) -> SiteApp:
        app = self.server.app  # type: ignore[attr-defined]
        assert isinstance(app, SiteApp)
        return app

    def version_string(self) -> str:
        return "extern-stub"

    def date_time_string(self, timestamp: float | None = None) -> str:
        if timestamp is None:  # the Date header: the site's clock, frozen when seeded
            return self._app().site.clock.http_date()
        return super().date_time_string(timestamp)

    def parse_request(self) -> bool:
        """http.server's parsing, made as strict as RFC 9112 asks of a server: a request
        that could be read two ways, or is meant for another host, is refused (400, 421)."""
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        problem = request_line_problem(line)
        if problem is not None:
            # Refused before the header section is read: an HTTP/0.9 request has none.
            self.command, self.request_version, self.requestline = None, "HTTP/0.9", line
            self.send_error(400, problem)
            return False
        recorder = LineRecorder(self.rfile)
        self.rfile = recorder  # type: ignore[assignment]
        try:
            parsed = super().parse_request()
        finally:
            self.rfile = recorder.stream
        if not parsed:
            return False
        refusal = header_section_problem(recorder.lines) or self.message_problem()
        if refusal is not None:
            self.send_error(*refusal)
            return False
        if self.headers.get("Expect", "").strip().lower() == "100-continue":
            if self.request_version != "HTTP/1.0":
                self.send_response_only(100)
                self.end_headers()
            del self.headers["Expect"]  # answered: werkzeug would send another
        return True

    def handle_expect_100(self) -> bool:
        """Sent by :meth:`parse_request` once the request is known to be acceptable."""
        return True

    def message_problem(self) -> tuple[int, str] | None:
        """Why the parsed header section cannot be answered (status and sentence), or None."""
        lengths = self.headers.get_all("Content-Length") or []
        if any(not value.strip().isdigit() or not value.strip().isascii() for value in lengths):
            return 400, "Content-Length must be a number of bytes, digits only."
        if len({value.strip() for value in lengths}) > 1:
            return 400, "Content-Length is given twice, with different values."
        codings = self.headers.get_all("Transfer-Encoding")
        if codings is not None:
            if lengths:
                return 400, "Content-Length and Transfer-Encoding together."
            if self.request_version == "HTTP/1.0":
                return 400, "Transfer-Encoding is not HTTP/1.0: send Content-Length."
            names = [name.strip().lower() for value in codings for name in value.split(",")]
            if [name for name in names if name] != ["chunked"]:
                return 400, "Transfer-Encoding must be chunked, alone: no other coding is read."
        return self.host_problem()

    def host_problem(self) -> tuple[int, str] | None:
        """Why the request's host (its Host, or the authority of an absolute target) is
        refused: missing, repeated or malformed (400), or not served here (421)."""
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1:
            return 400, "Host is given more than once."
        target = urllib.parse.urlsplit(self.path)
        if target.scheme and target.netloc:
            host = target.netloc  # an absolute target's authority overrides Host (RFC 9112 3.2.2)
        elif hosts:
            host = hosts[0].strip()
        elif self.request_version == "HTTP/1.0":
            return None
        else:
            return 400, "Host is missing: HTTP/1.1 requires it."
        match = HOST.fullmatch(host)
        if match is None or int(match["port"] or 0) > 65535:
            return 400, "Host must be a host name or address, then maybe :port."
        name = match["name"].lower().removeprefix("[").removesuffix("]")
        if not serves(name, self.server.allowed_hosts):  # type: ignore[attr-defined]
            return 421, (
                f"This sandbox answers to 127.0.0.1, localhost and [::1] only, not to "
                f"{match['name']}: start it with --allow-host {match['name']} to use that name."
            )
        return None

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        if "Transfer-Encoding" in self.headers:  # chunked alone: message_problem saw to it
            environ["wsgi.input"] = ChunkedBody(self.rfile)
            environ["wsgi.input_terminated"] = True
        return environ

    def run_wsgi(self) -> None:
        """Answer one request, counted as in flight so that a stop lets it finish."""
        server = self.server
        with server.in_flight_changed:  # type: ignore[attr-defined]
            server.in_flight += 1  # type: ignore[attr-defined]
        try:
            super().run_wsgi()
        finally:
            with server.in_flight_changed:  # type: ignore[attr-defined]
                server.in_flight -= 1  # type: ignore[attr-defined]
                server.in_flight_changed.notify_all()  # type: ignore[attr-defined]

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors http.server finds before the application (bad request line, huge headers)
        answer in the stub's error shapes too, with a trace id, instead of an HTML page."""
        app = self._app()
        trace_id = app.site.new_trace_id()
        words = getattr(self, "raw_requestline", b"").decode("latin-1").split()
        target = getattr(self, "path", None)
        if target is None:
            # The request line was refused before parsing: take what it started with.
            target = words[1] if len(words) > 1 else ""
        if code >= 500:
            # An HTTP version http.server cannot speak (505) is still the client's doing.
            code, message = 400, f"The HTTP version {words[-1] if words else ''} is not supported."
        if self.request_version == "HTTP/0.9":
            # Whatever the request line was, the answer starts with a status line.
            self.request_version = "HTTP/1.0"
        path = urllib.parse.urlsplit(target).path
        text = as_sentence(message or explain or http.HTTPStatus(code).phrase)
        response = app.error_response(path, code, text, trace_id)
        body = response.get_data()
        self.close_connection = True
        self.send_response(code)  # the standard reason phrase; the body says what was wrong
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("X-Kontur-Trace-Id", trace_id)
        for key, value in SECURITY_HEADERS.items():
            self.send_header(key, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in {204, 304}:
            self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per request: the request line as sent, secrets redacted (werkzeug's
        would show the target decoded, where a percent-encoded line break becomes one)."""
        line = " ".join(redact(word) for word in getattr(self, "requestline", "").split(" "))
        self.log("info", '"%s" %s %s', line, code, size)

    def log(self, type: str, message: str, *args: Any) -> None:
        if not self._app().quiet:
            text = printable(message % args if args else message)
            super().log(type, "%s", f"[{self._app().site.name}] {text}")


class LineRecorder:
    """The request's input stream, keeping the lines read from it: http.server's parser
    would let bytes through that RFC 9112 refuses (a bare CR splits a header in two)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.lines: list[bytes] = []

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self.stream.readline(limit)
        self.lines.append(line)
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


#: A token (RFC 9110 section 5.6.2): a method, a header name, a transfer coding.
TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
#: HTTP-version (RFC 9112 section 2.3): one digit on each side of the dot.
HTTP_VERSION = re.compile(r"HTTP/[0-9]\.[0-9]")
#: A header field line (RFC 9112 section 5): a token, a colon at once, a value without
#: control characters other than tab (RFC 9110 section 5.5: no NUL, no bare CR).
FIELD_LINE = re.compile(rb"(?:" + TCHARS.encode() + rb"):[^\x00-\x08\x0a-\x1f\x7f]*")
#: Host (RFC 9110 section 7.2, RFC 3986 section 3.2.2): a registered name or IPv4 address,
#: or an IPv6 address in brackets, then maybe a port.
HOST = re.compile(
    r"(?P<name>[A-Za-z0-9._~!$&'()*+,;=%-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{0,5}))?"
)
#: A chunk's size line (RFC 9112 section 7.1): hex digits, then extensions, each
#: ;name or ;name=value (a token or a quoted string), with optional white space around.
CHUNK_LINE = re.compile(
    rb"(?P<size>[0-9A-Fa-f]{1,16})"
    rb"(?:[ \t]*;[ \t]*"
    + TCHARS.encode()
    + rb"(?:[ \t]*=[ \t]*(?:"
    + TCHARS.encode()
    + rb'|"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\x00-\x08\x0a-\x1f\x7f])*"))?)*'
)
#: The longest chunk size line and trailer field line read, and the most trailer fields.
MAX_CHUNK_LINE = 4096
MAX_TRAILER_LINE = 8192
MAX_TRAILERS = 100


def request_line_problem(line: str) -> str | None:
    """Why a request line is refused before its header section is read, or None."""
    words = line.split()
    if len(words) == 2:
        # "GET /path" is HTTP/0.9: no header section follows, and its answer would have
        # no status line. Refused now, rather than waiting for headers that never come.
        return "The request line must be: METHOD TARGET HTTP/1.1."
    if len(words) != 3:
        return None  # http.server answers it
    method, _, version = words
    if not re.fullmatch(TCHARS, method) or method != method.upper():
        return f"The method {method[:20]} is unknown: methods are upper case (GET, POST)."
    if not HTTP_VERSION.fullmatch(version):
        return f"The HTTP version {version[:20]} is not supported."
    return None


def header_section_problem(lines: list[bytes]) -> tuple[int, str] | None:
    """Why the raw header lines of a request are refused (status, sentence), or None."""
    for raw in lines:
        if raw in {b"\r\n", b"\n"}:  # the blank line that ends the section
            return None
        if not raw:
            return 400, "The request ended inside its header section."
        if not FIELD_LINE.fullmatch(raw.removesuffix(b"\n").removesuffix(b"\r")):
            return 400, (
                "A header line is malformed: it must be Name: value, with no space in or "
                "after the name, no line folding, and no control character (NUL, CR) in the value."
            )
    return None  # http.server stopped reading earlier, and answered


def serves(name: str, allowed: frozenset[str]) -> bool:
    """Whether the sandbox answers to the host ``name`` (lower case, no brackets): loopback
    names and addresses, and the names it was told to answer to."""
    if name == "localhost" or name in allowed:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class ChunkedBody(io.RawIOBase):
    """A chunked request body (RFC 9112 section 7.1), read strictly: werkzeug's reader takes
    sizes such as 0x2d or +2d (Python's int) and refuses extensions and trailers. Extensions
    and trailer fields are read and dropped; anything malformed is a 400."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._left = 0  # bytes of the current chunk still to read
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        read = 0
        while not self._done and read < len(buffer):
            if self._left == 0:
                self._left = self._chunk_size()
                if self._left == 0:
                    self._skip_trailers()
                    self._done = True
                    break
            count = min(len(buffer) - read, self._left)
            data = self._stream.read(count)
            if len(data) < count:
                raise BadRequest("The body ended inside a chunk.")
            buffer[read : read + count] = data
            read += count
            self._left -= count
            if self._left == 0 and self._stream.readline(3) not in {b"\r\n", b"\n"}:
                raise BadRequest("A chunk is longer than its size says.")
        return read

    def _line(self, limit: int) -> bytes:
        line: bytes = self._stream.readline(limit + 1)
        if not line.endswith(b"\n") or len(line) > limit:
            raise BadRequest("The chunked body ended early, or has a line too long.")
        return line.removesuffix(b"\n").removesuffix(b"\r")

    def _chunk_size(self) -> int:
        match = CHUNK_LINE.fullmatch(self._line(MAX_CHUNK_LINE))
        if match is None:
            raise BadRequest("A chunk size must be hex digits, then maybe ;extensions.")
        return int(match["size"], 16)

    def _skip_trailers(self) -> None:
        for _ in range(MAX_TRAILERS + 1):
            line = self._line(MAX_TRAILER_LINE)
            if not line:
                return
            if not FIELD_LINE.fullmatch(line):
                raise BadRequest("A trailer field is malformed: it must be Name: value.")
        raise BadRequest(f"More than {MAX_TRAILERS} trailer fields.")


#: A query parameter whose value is a secret: its name mentions one (client_secret,
#: access_token, refresh_token, code, code_verifier, device_code, user_code, password, api key).
SECRET_NAME = re.compile(
    r"secret|token|password|passwd|key|code|verifier|assertion|authorization", re.IGNORECASE
)


def as_sentence(text: str) -> str:
    """http.server's short messages ("Too many headers") as the sentences of the stub's own."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else f"{text}."


def redact(target: str) -> str:
    """``target`` (a request target as sent) with the whole value of every query parameter
    whose name, decoded, names a secret replaced: the path and other parameters stay."""
    path, mark, query = target.partition("?")
    parameters = []
    for parameter in query.split("&") if mark else ():
        name, equals, _ = parameter.partition("=")
        secret = equals and SECRET_NAME.search(urllib.parse.unquote_plus(name))
        parameters.append(f"{name}=[redacted]" if secret else parameter)
    return path + mark + "&".join(parameters)


def printable(text: str) -> str:
    """``text`` with every character that is not printable (line and paragraph separators,
    direction overrides, C0 and C1 controls, ...) and the backslash written as escapes, so
    that a log line cannot be split, hidden or turned around by what a client sent."""
    return "".join(ch if ch.isprintable() and ch != "\\" else ascii(ch)[1:-1] for ch in text)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the stub reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


#: Why a seeded stub must not listen beyond this machine.
SEED_ON_NETWORK = (
    "--seed makes every token, code and trace id predictable to anyone who knows the seed: "
    "use it only with a loopback --host such as 127.0.0.1"
)


#: Addresses that bind every interface: no name of their own.
WILDCARDS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - naming them, not binding


def url_host(host: str) -> str:
    """``host`` as it goes in a URL a client on this machine can use."""
    if host in {"0.0.0.0", ""}:  # noqa: S104 - translating, not binding
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class PortUnavailableError(OSError):
    """A site's port cannot be bound: another program holds it, or it is not allowed."""

    def __init__(self, site: str, host: str, port: int, reason: str) -> None:
        super().__init__(f"cannot bind {host}:{port} for the {site} environment: {reason}")
        self.site, self.host, self.port, self.reason = site, host, port, reason


class StubServer:
    """The test and production sites of the stub, each on its own port.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. ``sites`` maps
    ``"test"`` and ``"production"`` to their :class:`~extern_stub.sites.Site`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        test_port: int = 0,
        production_port: int = 0,
        seed: int | None = None,
        device_interval: int = 3,
        token_lifetime: int = 86400,
        registry_path: Path | None = None,
        quiet: bool = True,
        record_size: int = RECORD_SIZE,
        api_latency: float = 0.0,
        allowed_hosts: Iterable[str] = (),
        allowed_origins: Iterable[str] = (),
    ) -> None:
        if seed is not None and not is_loopback(host):
            raise ValueError(SEED_ON_NETWORK)
        registries = load_registries(registry_path)
        self.host = host
        self.quiet = quiet
        #: Host names the sandbox answers to besides the loopback ones: the address it binds
        #: (unless a wildcard) and the names it was given; any other gets 421.
        self.allowed_hosts = frozenset(
            name.lower().removeprefix("[").removesuffix("]")
            for name in (*allowed_hosts, *(() if host in WILDCARDS else (host,)))
        )
        #: Pages that may call the sandbox from other origins (the documentation's live
        #: examples): the local preview's, the published site's, and those given.
        self.allowed_origins = (*default_origins(), *allowed_origins)
        self.seed = seed
        self.sites: dict[str, Site] = {
            name: Site(
                name,
                registries[name],
                seed=seed,
                device_interval=device_interval,
                token_lifetime=token_lifetime,
                record_size=record_size,
                api_latency=api_latency,
            )
            for name in SITE_NAMES
        }
        self._ports = {"test": test_port, "production": production_port}
        self._servers: list[BaseWSGIServer] = []
        self._threads: list[threading.Thread] = []

    def __repr__(self) -> str:
        urls = ", ".join(f"{name}={site.base_url}" for name, site in self.sites.items())
        return f"<StubServer {urls}>"

    def start(self) -> StubServer:
        """Bind both sites and serve them from background threads."""
        if self._servers:
            raise RuntimeError("the stub is already running")
        try:
            for name, site in self.sites.items():
                # werkzeug prints why a bind failed and exits: keep its words, raise instead.
                werkzeug_says = io.StringIO()
                try:
                    with contextlib.redirect_stderr(werkzeug_says):
                        server = make_server(
                            self.host,
                            self._ports[name],
                            SiteApp(site, quiet=self.quiet, origins=self.allowed_origins),
                            threaded=True,
                            request_handler=StubRequestHandler,
                        )
                except SystemExit:
                    reason = (werkzeug_says.getvalue().splitlines() or ["cannot bind"])[0]
                    raise PortUnavailableError(name, self.host, self._ports[name], reason) from None
                server.allowed_hosts = self.allowed_hosts  # type: ignore[attr-defined]
                server.in_flight = 0  # type: ignore[attr-defined]
                server.in_flight_changed = threading.Condition()  # type: ignore[attr-defined]
                self._servers.append(server)
                site.base_url = f"http://{url_host(self.host)}:{server.port}"
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.1},
                    name=f"extern-stub-{name}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop taking requests, let those in flight finish (``grace`` seconds at most),
        and release the ports."""
        for server in self._servers:
            server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        deadline = time.monotonic() + grace
        for server in self._servers:
            with server.in_flight_changed:  # type: ignore[attr-defined]
                while server.in_flight:  # type: ignore[attr-defined]
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    server.in_flight_changed.wait(left)  # type: ignore[attr-defined]
        for server in self._servers:
            server.server_close()
        self._servers.clear()
        self._threads.clear()

    def reset(self) -> None:
        """Clear every site's state and restart the seeded sequences."""
        for site in self.sites.values():
            site.reset()

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
