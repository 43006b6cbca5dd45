"""Request headers read without ever raising on bytes a client controls, and the headers
every answer carries."""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import Authorization
from werkzeug.wrappers import Request

#: Headers sent with every answer: no MIME sniffing, no framing of the stub's pages.
SECURITY_HEADERS: Mapping[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
#: Headers sent with every HTML page on top of :data:`SECURITY_HEADERS`. "same-origin", not
#: "no-referrer": under "no-referrer" a browser sends ``Origin: null`` with the page's own
#: form posts (Fetch, "append a request Origin header"), which the forms' Origin check
#: refuses; other origins still get no ``Referer``, so no code leaves in one.
PAGE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "same-origin",
}


class MalformedAuthorization(ValueError):
    """The ``Authorization`` header is there but cannot be parsed (bad base64, non-ASCII)."""


def authorization(request: Request) -> Authorization | None:
    """The parsed ``Authorization`` header; None when absent.

    werkzeug raises ``ValueError`` on some bytes (non-ASCII base64 in Basic); that becomes
    :class:`MalformedAuthorization`, which callers answer as the client's error.
    """
    if "Authorization" not in request.headers:
        return None
    try:
        parsed = request.authorization
    except ValueError as error:
        raise MalformedAuthorization(str(error)) from None
    if parsed is None:
        raise MalformedAuthorization("the Authorization header cannot be parsed")
    return parsed
