"""The two error shapes of the Kontur servers and the exceptions that carry them.

The identity provider answers OAuth 2.0 errors (RFC 6749 section 5.2): HTTP 400 with
``{"error": ..., "error_description": ...}``. The Extern API answers its own shape:
``{"id": "urn:error:externapi:...", "status-code": ..., "message": ..., "trace-id": ...}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from werkzeug.wrappers import Response

#: ``Content-Type`` of the identity provider's JSON answers, spelled as the real servers spell it.
OAUTH_JSON = "application/json; charset=UTF-8"
#: ``Content-Type`` of the Extern API's JSON answers.
EXTERN_JSON = "application/json; charset=utf-8"

#: Every ``error`` code the identity provider may answer (userinfo: RFC 6750 codes too).
OAUTH_ERROR_CODES = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "invalid_scope",
        "unauthorized_client",
        "unsupported_grant_type",
        "authorization_pending",
        "slow_down",
        "expired_token",
        "access_denied",
        "invalid_token",
        "insufficient_scope",
    }
)

#: Headers the real token endpoint sends with every answer, success or error.
NO_STORE_HEADERS: Mapping[str, str] = {
    "Cache-Control": "no-store, no-cache, max-age=0",
    "Pragma": "no-cache",
}


class OAuthError(Exception):
    """An error the identity provider answers in the OAuth shape."""

    def __init__(
        self,
        error: str,
        description: str,
        status: int = 400,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = dict(headers or {})


class ExternError(Exception):
    """An error the Extern API answers in its own shape."""

    def __init__(
        self,
        status: int,
        name: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {name}: {message}")
        self.status = status
        self.name = name
        self.message = message
        self.headers = dict(headers or {})


def json_response(
    body: object,
    status: int = 200,
    content_type: str = EXTERN_JSON,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON response; non-ASCII text is sent as UTF-8, as the real servers do."""
    text = json.dumps(body, ensure_ascii=False, indent=None, separators=(", ", ": "))
    response = Response(text.encode("utf-8"), status=status, content_type=content_type)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def oauth_response(error: OAuthError) -> Response:
    """The answer of the identity provider for ``error``."""
    body = {"error": error.error, "error_description": error.description}
    headers = {**NO_STORE_HEADERS, **error.headers}
    return json_response(body, error.status, OAUTH_JSON, headers)


def extern_response(error: ExternError, trace_id: str) -> Response:
    """The answer of the Extern API for ``error``."""
    body = {
        "id": f"urn:error:externapi:{error.name}",
        "status-code": error.status,
        "message": error.message,
        "track-id": trace_id,
        "trace-id": trace_id,
    }
    return json_response(body, error.status, EXTERN_JSON, error.headers)
