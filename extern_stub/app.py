"""The WSGI application of one site: routing, request recording, error shapes, trace ids."""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers, MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from extern_stub import extern_api, identity
from extern_stub.cors import CORS_PATHS, Cors, default_origins, refusal_message
from extern_stub.errors import ExternError, OAuthError, extern_response, oauth_response
from extern_stub.headers import SECURITY_HEADERS, MalformedAuthorization, authorization
from extern_stub.sites import (
    RECORD_BODY_LIMIT,
    RECORD_FIELDS,
    RECORD_NAME_LIMIT,
    RECORD_TEXT_LIMIT,
    RecordedRequest,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from extern_stub.sites import Site

logger = logging.getLogger("extern_stub")

#: The largest request body either server accepts: 64 KiB.
MAX_BODY = 64 * 1024
#: Paths that belong to the identity provider, which answers errors in the OAuth shape.
IDENTITY_PREFIXES = ("/connect", "/.well-known", "/device")

Handler = Callable[..., Response]


class StubRequest(Request):
    """A request with the stub's limits: werkzeug answers 413 beyond them."""

    # One byte more than allowed, so that a longer chunked body (which werkzeug cuts at the
    # limit without a word) can be told from one of exactly MAX_BODY bytes.
    max_content_length = MAX_BODY + 1
    max_form_memory_size = MAX_BODY
    max_form_parts = 200


URL_MAP = Map(
    [
        Rule("/connect/token", methods=["POST"], endpoint="token"),
        Rule("/connect/deviceauthorization", methods=["POST"], endpoint="device_authorization"),
        Rule("/connect/authorize", methods=["GET", "POST"], endpoint="authorize"),
        Rule("/connect/userinfo", methods=["GET", "POST"], endpoint="userinfo"),
        Rule("/device", methods=["GET", "POST"], endpoint="device"),
        Rule("/.well-known/openid-configuration", methods=["GET"], endpoint="discovery"),
        Rule("/.well-known/openid-configuration/jwks", methods=["GET"], endpoint="jwks"),
        Rule("/v1", methods=["GET"], endpoint="accounts"),
        Rule("/v1/<account_id>", methods=["GET"], endpoint="account"),
        Rule("/openapi.json", methods=["GET"], endpoint="openapi"),
    ],
    strict_slashes=False,
    merge_slashes=False,
)

HANDLERS: dict[str, Handler] = {
    "token": identity.token,
    "device_authorization": identity.device_authorization,
    "authorize": identity.authorize,
    "userinfo": identity.userinfo,
    "device": identity.device_page,
    "discovery": identity.discovery,
    "jwks": identity.jwks,
    "accounts": extern_api.accounts,
    "account": extern_api.account,
    "openapi": extern_api.openapi,
}


def clipped(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The first :data:`RECORD_FIELDS` of ``pairs``, names and values cut to what a record
    keeps: whatever a client sends, a record stays small."""
    return [
        (name[:RECORD_NAME_LIMIT], value[:RECORD_TEXT_LIMIT])
        for name, value in itertools.islice(pairs, RECORD_FIELDS)
    ]


def is_identity_path(path: str) -> bool:
    """Whether ``path`` belongs to the identity provider (OAuth error shape)."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in IDENTITY_PREFIXES)


class SiteApp:
    """The WSGI application serving one :class:`~extern_stub.sites.Site`."""

    def __init__(
        self, site: Site, quiet: bool = True, origins: Iterable[str] | None = None
    ) -> None:
        self.site = site
        self.quiet = quiet
        #: The pages that may call the sandbox from another origin (the live examples').
        self.cors = Cors(default_origins() if origins is None else origins)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        trace_id = self.site.new_trace_id()
        request = StubRequest(environ)
        try:
            response = self.handle(request, trace_id)
        except Exception:
            # A bug in the stub, never the client's fault; still answer in the right shape.
            logger.exception("unexpected error on %s %s", request.method, request.path)
            response = self.error_response(
                request.path,
                500,
                "The sandbox failed on this request; its log has the details.",
                trace_id,
            )
        response.headers["X-Kontur-Trace-Id"] = trace_id
        self.cors.allow(request, response)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response(environ, start_response)

    def handle(self, request: StubRequest, trace_id: str) -> Response:
        """Read the body, record the request, answer it."""
        body_error: HTTPException | None = None
        try:
            body: bytes | None = request.get_data(cache=True)
            if len(body or b"") > MAX_BODY:
                raise RequestEntityTooLarge()
        except HTTPException as error:
            # Too large, or the client went away before sending what it announced.
            body, body_error = None, error
        record = self.record(request, body, trace_id)
        response = self.dispatch(request, body_error, trace_id)
        record.status = response.status_code
        return response

    def record(self, request: StubRequest, body: bytes | None, trace_id: str) -> RecordedRequest:
        """Keep what ``request`` carried, for tests to inspect (the form only when it parses)."""
        basic_auth = None
        try:
            parsed = authorization(request)
        except MalformedAuthorization:
            parsed = None
        if parsed is not None and parsed.type == "basic":
            basic_auth = (
                (parsed.username or "")[:RECORD_TEXT_LIMIT],
                (parsed.password or "")[:RECORD_TEXT_LIMIT],
            )
        body = body or b""
        form: MultiDict[str, str] = MultiDict()
        if 0 < len(body) <= RECORD_BODY_LIMIT:
            # e.g. too many multipart parts: dispatch answers it
            with contextlib.suppress(HTTPException):
                form = MultiDict(clipped(request.form.items(multi=True)))
        record = RecordedRequest(
            method=request.method[:RECORD_TEXT_LIMIT],
            path=request.path[:RECORD_TEXT_LIMIT],
            query=MultiDict(clipped(request.args.items(multi=True))),
            headers=Headers(clipped(request.headers.items())),
            content_type=(request.content_type or "")[:RECORD_TEXT_LIMIT],
            form=form,
            basic_auth=basic_auth,
            body=body[:RECORD_BODY_LIMIT],
            trace_id=trace_id,
            body_size=len(body),
        )
        self.site.record(record)
        return record

    def dispatch(
        self, request: StubRequest, body_error: HTTPException | None, trace_id: str
    ) -> Response:
        """Route ``request`` and turn every expected failure into the right error shape."""
        adapter = URL_MAP.bind_to_environ(request.environ)
        if (foreign := self.cors.foreign_origin(request)) is not None:
            return self.error_response(request.path, 403, refusal_message(foreign), trace_id)
        if self.cors.is_preflight(request) and request.path in CORS_PATHS:
            return self.cors.preflight(request)
        try:
            if body_error is not None:
                raise body_error
            endpoint, values = adapter.match()
            handler = HANDLERS[str(endpoint)]
            return handler(self.site, request, trace_id, **values)
        except OAuthError as error:
            return oauth_response(error)
        except ExternError as error:
            return extern_response(error, trace_id)
        except RequestEntityTooLarge:
            message = f"The request body is larger than {MAX_BODY // 1024} KiB."
            return self.error_response(request.path, 413, message, trace_id)
        except MethodNotAllowed as error:
            message = f"{request.method} is not allowed on {request.path}."
            response = self.error_response(request.path, 405, message, trace_id)
            response.headers["Allow"] = ", ".join(error.valid_methods or ())
            return response
        except NotFound:
            message = f"There is no {request.path} here."
            return self.error_response(request.path, 404, message, trace_id)
        except HTTPException as error:
            status = error.code or 400
            message = error.description or "The request is malformed."
            return self.error_response(request.path, status, message, trace_id)

    @staticmethod
    def error_response(path: str, status: int, message: str, trace_id: str) -> Response:
        """An error in the OAuth shape for identity paths, in the Extern shape elsewhere."""
        if is_identity_path(path):
            error = "server_error" if status >= 500 else "invalid_request"
            return oauth_response(OAuthError(error, message, status))
        names = {
            403: "forbidden",
            404: "notFound",
            405: "methodNotAllowed",
            413: "requestTooLarge",
            421: "misdirectedRequest",
            414: "uriTooLong",
            431: "headersTooLarge",
        }
        # Any other 4xx is the client's bad request, any 5xx the sandbox's own failure.
        name = names.get(status, "badRequest" if status < 500 else "internalError")
        return extern_response(ExternError(status, name, message), trace_id)
