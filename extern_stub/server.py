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
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from extern_stub.app import SiteApp
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
        clock = self._app().site.clock
        if clock.frozen and timestamp is None:
            return clock.http_date()
        return super().date_time_string(timestamp)

    def parse_request(self) -> bool:
        """http.server's parsing, stricter: no HTTP/0.9 request line, no ambiguous body length."""
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":
            # "GET /path" is HTTP/0.9, whose answers have no status line: refuse it.
            self.send_error(400, "The request line must be: METHOD TARGET HTTP/1.1.")
            return False
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or ()}
        if len(lengths) > 1:
            self.send_error(400, "Content-Length is given twice, with different values.")
            return False
        if lengths and "Transfer-Encoding" in self.headers:
            self.send_error(400, "Content-Length and Transfer-Encoding together.")
            return False
        return True

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
    ) -> None:
        if seed is not None and not is_loopback(host):
            raise ValueError(SEED_ON_NETWORK)
        registries = load_registries(registry_path)
        self.host = host
        self.quiet = quiet
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
                            SiteApp(site, quiet=self.quiet),
                            threaded=True,
                            request_handler=StubRequestHandler,
                        )
                except SystemExit:
                    reason = (werkzeug_says.getvalue().splitlines() or ["cannot bind"])[0]
                    raise PortUnavailableError(name, self.host, self._ports[name], reason) from None
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
