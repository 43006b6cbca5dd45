"""Cross-origin requests from the documentation's pages, which run the JavaScript examples
in the reader's browser: CORS for an allow-list of origins, and nothing for any other.

Only the JSON endpoints the examples call (:data:`CORS_PATHS`) answer other origins; the
sign-in pages never do, and their forms keep their own Origin and anti-forgery checks.
An allowed origin gets ``Access-Control-Allow-Origin`` naming it (never ``*``, never an
echo of whatever was sent); a request that carries any other origin is refused with 403
before it reaches the endpoint, so a foreign page can neither read an answer nor spend a
device code. Requests without ``Origin`` (curl, the examples outside a browser) are not
cross-origin and go on as before.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterable
from importlib import resources

from werkzeug.wrappers import Request, Response

#: The local preview of the documentation: ``make live`` and ``python3 -m http.server``
#: serve on port 8000.
PREVIEW_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000")
#: Written into the sandbox package by the documentation's build (docs/_ext/downloads.py):
#: the published site's origin.
DOCS_ORIGIN_FILE = "docs-origin.txt"
#: The endpoints the examples call from a page.
CORS_PATHS = frozenset(
    {
        "/connect/token",
        "/connect/deviceauthorization",
        "/.well-known/openid-configuration",
        "/v1",
    }
)
ALLOW_METHODS = "GET, POST"
#: What the examples send beyond a simple request: the bearer token, the form's type.
ALLOW_HEADERS = "Authorization, Content-Type"
#: What the examples read from an answer besides its body.
EXPOSE_HEADERS = "X-Kontur-Trace-Id, Retry-After"
#: Seconds a browser may reuse a preflight's answer.
MAX_AGE = "600"


class OriginError(ValueError):
    """A text that is not an origin (scheme://host[:port], http or https)."""


def origin(text: str) -> str:
    """``text`` as an origin the way browsers send it: ``http://host:port``, lower case,
    without a default port or a trailing slash; :class:`OriginError` when it is none."""
    parts = urllib.parse.urlsplit(text.strip())
    try:
        port = parts.port
    except ValueError:
        raise OriginError(f"{text!r} has a malformed port") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise OriginError(f"{text!r} is not an origin: it must be http:// or https://, then a host")
    if parts.username is not None or parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise OriginError(f"{text!r} is not an origin: give only scheme://host[:port]")
    host = parts.hostname.lower()
    if not host.isascii():  # browsers send a domain name in its ASCII (punycode) form
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise OriginError(f"{text!r} has a host that is not a domain name") from None
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in {None, default} else "")


def docs_origin() -> str | None:
    """The origin of the published documentation: ``DOCS_BASE_URL``'s when it is set, else
    the one the documentation's build wrote into this package (:data:`DOCS_ORIGIN_FILE`)."""
    base = os.environ.get("DOCS_BASE_URL", "")
    if not base:
        packaged = resources.files("extern_stub").joinpath(DOCS_ORIGIN_FILE)
        base = packaged.read_text(encoding="utf-8").strip() if packaged.is_file() else ""
    try:
        return origin(urllib.parse.urljoin(base, "/")) if base else None
    except OriginError:
        return None


def default_origins() -> tuple[str, ...]:
    """The local preview's origins, and the published documentation's when known."""
    published = docs_origin()
    return PREVIEW_ORIGINS + ((published,) if published else ())


class Cors:
    """Which origins may call the sandbox from a page, and the headers that say so."""

    def __init__(self, origins: Iterable[str]) -> None:
        self.origins = frozenset(origin(text) for text in origins)

    def foreign_origin(self, request: Request) -> str | None:
        """The ``Origin`` of a cross-origin request that is not allowed here, or None."""
        sent = request.headers.get("Origin")
        if sent is None or request.path not in CORS_PATHS:
            return None
        if sent in self.origins or sent == request.host_url.rstrip("/"):
            return None
        return sent

    @staticmethod
    def is_preflight(request: Request) -> bool:
        return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers

    def preflight(self, request: Request) -> Response:
        """The answer to an allowed origin's preflight: what it may send, for how long."""
        response = Response(status=204)
        response.headers.update(
            {
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Allow-Headers": ALLOW_HEADERS,
                "Access-Control-Max-Age": MAX_AGE,
            }
        )
        # Chromium's Private Network Access preflight, from a public page to a loopback
        # address; current Chromium asks the reader instead (Local Network Access).
        if request.headers.get("Access-Control-Request-Private-Network", "").lower() == "true":
            response.headers["Access-Control-Allow-Private-Network"] = "true"
        return response

    def allow(self, request: Request, response: Response) -> None:
        """Let an allowed origin's page read ``response``."""
        if request.path not in CORS_PATHS:
            return
        response.vary.add("Origin")  # a cache must not give one origin's answer to another
        sent = request.headers.get("Origin")
        if sent is None or sent not in self.origins:
            return
        response.headers["Access-Control-Allow-Origin"] = sent
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS


def refusal_message(sent: str) -> str:
    """Why a page of ``sent`` gets nothing, and how a reader allows it."""
    shown = sent[:100]
    return (
        f"The sandbox does not answer pages of {shown}: start it with --allow-origin {shown} "
        "to run the examples from there."
    )
