"""The identity provider: token, device authorization, authorize, discovery endpoints.

Behaviour follows ``FACTS.md``: the token endpoint takes a form body, the client's
credentials in the body, in HTTP Basic, or in both when they agree, and answers errors with
HTTP 400 and ``{"error", "error_description"}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import string
import urllib.parse
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from extern_stub import oidc
from extern_stub.errors import NO_STORE_HEADERS, OAUTH_JSON, OAuthError, json_response
from extern_stub.headers import PAGE_HEADERS, MalformedAuthorization
from extern_stub.headers import authorization as read_authorization
from extern_stub.sites import (
    DEVICE_CODE_GRANT,
    USER_SCOPES,
    AuthorizationCode,
    Client,
    Site,
    User,
)

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict

#: The grants the token endpoint knows.
GRANT_TYPES = (
    "client_credentials",
    "password",
    DEVICE_CODE_GRANT,
    "authorization_code",
    "refresh_token",
)
#: The longest ``client_id`` and ``client_secret`` accepted [docs client_credentials_flow.rst].
MAX_CREDENTIAL_LENGTH = 300
FORM_TYPE = "application/x-www-form-urlencoded"
#: A PKCE code_verifier or code_challenge: 43 to 128 unreserved characters (RFC 7636 4.1, 4.2).
PKCE_VALUE = re.compile(r"[A-Za-z0-9._~-]{43,128}")
#: Seconds added to a device's polling interval by each slow_down (RFC 8628 section 3.5).
SLOW_DOWN_STEP = 5
#: The most parameters one form may carry; a form is small.
MAX_FIELDS = 100


# -- request parsing -----------------------------------------------------------------------


def single_values(params: MultiDict[str, str], where: str) -> dict[str, str]:
    """``params`` as a plain dict; a repeated parameter is ``invalid_request`` (RFC 6749 3.1)."""
    values: dict[str, str] = {}
    for key, items in params.lists():
        if len(items) > 1:
            raise OAuthError("invalid_request", f"The {where} parameter {key!r} is repeated.")
        if items[0] != "":
            # "Parameters sent without a value MUST be treated as if they were omitted."
            values[key] = items[0]
    return values


def read_form(request: Request) -> dict[str, str]:
    """The form body of ``request``, checked: its type, its encoding, no repeated parameter."""
    if request.mimetype != FORM_TYPE:
        shown = request.content_type or "none"
        raise OAuthError("invalid_request", f"The body must be {FORM_TYPE}, not {shown}.")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in {"utf-8", "utf8", "us-ascii", "ascii"}:
        raise OAuthError("invalid_request", f"The body must be UTF-8, not {charset}.")
    body = request.get_data(cache=True)
    try:
        text = body.decode("utf-8")
        # werkzeug parses the form; this only refuses what it would silently repair.
        urllib.parse.parse_qsl(
            text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise OAuthError("invalid_request", "The body is not valid UTF-8.") from None
    except ValueError:
        raise OAuthError("invalid_request", "The body has too many parameters.") from None
    return single_values(request.form, "form")


def read_query(request: Request) -> dict[str, str]:
    """The query string of ``request``, checked like a form."""
    try:
        urllib.parse.parse_qsl(
            request.query_string.decode("latin-1"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError:
        raise OAuthError("invalid_request", "The query string is not valid UTF-8.") from None
    except ValueError:
        raise OAuthError("invalid_request", "The query has too many parameters.") from None
    return single_values(request.args, "query")


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """The client credentials of an ``Authorization: Basic`` header, if there is one."""
    try:
        authorization = read_authorization(request)
    except MalformedAuthorization:
        authorization = None
    else:
        if authorization is None:
            return None
    if authorization is None or authorization.type != "basic":
        raise OAuthError(
            "invalid_client",
            "The Authorization header must be HTTP Basic: base64(client_id:client_secret).",
        )
    # RFC 6749 2.3.1: both parts are form-urlencoded before base64.
    username = urllib.parse.unquote_plus(authorization.username or "")
    password = urllib.parse.unquote_plus(authorization.password or "")
    return username, password


#: The challenge of a 401 for wrong client credentials sent in HTTP Basic only.
BASIC_CHALLENGE = 'Basic realm="Kontur sandbox"'


def authenticate_client(site: Site, request: Request, form: Mapping[str, str]) -> Client:
    """The client whose ``client_id`` and ``client_secret`` (API key) came with ``request``.

    Wrong credentials are ``invalid_client``: HTTP 400 as Kontur documents it, for credentials
    in the body (with or without Basic, as the official SDK sends them); HTTP 401 with a Basic
    challenge, as RFC 6749 section 5.2 asks, for credentials in HTTP Basic only (inferred:
    Kontur's documentation shows no such request).
    """
    basic = basic_credentials(request)
    try:
        return check_client(site, form, basic)
    except OAuthError as error:
        basic_only = basic is not None and "client_id" not in form and "client_secret" not in form
        if basic_only and error.error == "invalid_client":
            error.status, error.headers = 401, {"WWW-Authenticate": BASIC_CHALLENGE}
        raise


def check_client(site: Site, form: Mapping[str, str], basic: tuple[str, str] | None) -> Client:
    """The client of the credentials in ``form`` and ``basic``; OAuthError when wrong."""
    client_id = form.get("client_id")
    secret = form.get("client_secret")
    if basic is not None:
        if (client_id is not None and client_id != basic[0]) or (
            secret is not None and secret != basic[1]
        ):
            raise OAuthError(
                "invalid_client",
                "The client credentials in the body and in the Authorization header differ.",
            )
        client_id, secret = basic
    if not client_id:
        raise OAuthError("invalid_client", "client_id is missing.")
    if not secret:
        raise OAuthError("invalid_client", "client_secret (the API key) is missing.")
    for name, value in (("client_id", client_id), ("client_secret", secret)):
        if len(value) > MAX_CREDENTIAL_LENGTH:
            raise OAuthError(
                "invalid_request", f"{name} is longer than {MAX_CREDENTIAL_LENGTH} characters."
            )
    client = site.registry.clients.get(client_id)
    if client is None or not hmac.compare_digest(
        secret.encode("utf-8"), client.api_key.encode("utf-8")
    ):
        raise OAuthError(
            "invalid_client",
            f"Unknown client_id or wrong client_secret for the {site.name} environment.",
        )
    return client


def requested_scopes(
    client: Client, scope: str | None, *, required: bool, allow_user_scopes: bool
) -> tuple[str, ...]:
    """The scopes of a ``scope`` parameter, checked against what ``client`` may ask for."""
    if scope is None:
        if required:
            raise OAuthError("invalid_request", "scope is missing; use scope=extern.api.")
        return ()
    scopes = tuple(dict.fromkeys(scope.split()))
    if not scopes:
        raise OAuthError("invalid_scope", "scope is empty; use scope=extern.api.")
    for name in scopes:
        if name in USER_SCOPES and not allow_user_scopes:
            raise OAuthError(
                "invalid_scope",
                f"The scope {name!r} is about a user; this grant has no user.",
            )
        if name not in client.scopes:
            raise OAuthError("invalid_scope", f"The client may not ask for the scope {name!r}.")
    return scopes


def require(form: Mapping[str, str], *names: str) -> list[str]:
    """The values of the required parameters ``names``."""
    for name in names:
        if name not in form:
            raise OAuthError("invalid_request", f"{name} is missing.")
    return [form[name] for name in names]


# -- token endpoint ------------------------------------------------------------------------


def token_response(body: Mapping[str, Any]) -> Response:
    """A successful token endpoint answer with the real servers' headers."""
    return json_response(body, 200, OAUTH_JSON, NO_STORE_HEADERS)


def token(site: Site, request: Request, trace_id: str) -> Response:
    """``POST /connect/token``."""
    form = read_form(request)
    client = authenticate_client(site, request, form)
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise OAuthError("invalid_request", "grant_type is missing.")
    if grant_type not in GRANT_TYPES:
        raise OAuthError("unsupported_grant_type", f"Unknown grant_type {grant_type!r}.")
    if grant_type not in client.grant_types:
        raise OAuthError("unauthorized_client", f"The client may not use the grant {grant_type!r}.")
    grants = {
        "client_credentials": client_credentials_grant,
        "password": password_grant,
        DEVICE_CODE_GRANT: device_code_grant,
        "authorization_code": authorization_code_grant,
        "refresh_token": refresh_token_grant,
    }
    return token_response(grants[grant_type](site, client, form))


def client_credentials_grant(site: Site, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
    """Service to service: the application itself, no user."""
    scopes = requested_scopes(client, form.get("scope"), required=True, allow_user_scopes=False)
    return site.issue_tokens(client, None, scopes)


def password_grant(site: Site, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
    """A user's login and password (removed from the docs, still in the official SDK)."""
    username, password = require(form, "username", "password")
    scopes = requested_scopes(client, form.get("scope"), required=True, allow_user_scopes=True)
    with site.lock:  # checked and counted at once: concurrent guesses are counted exactly
        wait = site.password_locked_for(client.client_id, username)
        if wait:
            # Even the right password is not checked now: nothing tells a guess from it.
            raise OAuthError(
                "invalid_grant",
                f"Too many wrong passwords for this login: try again in {wait} seconds.",
                headers={"Retry-After": str(wait)},
            )
        user = site.registry.users.get(username)
        if user is None or not hmac.compare_digest(
            password.encode("utf-8"), user.password.encode("utf-8")
        ):
            site.note_password_failure(client.client_id, username)
            raise OAuthError("invalid_grant", "Wrong login or password.")
        site.forget_password_failures(client.client_id, username)
    return site.issue_tokens(client, user.login, scopes)


def device_code_grant(site: Site, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
    """Polling for a device authorization (RFC 8628 section 3.4)."""
    (device_code,) = require(form, "device_code")
    requested_scopes(client, form.get("scope"), required=False, allow_user_scopes=True)
    with site.lock:
        device = site.state.devices.get(device_code)
        if device is None or device.client_id != client.client_id or device.status == "used":
            raise OAuthError("invalid_grant", "Unknown or already used device_code.")
        now = site.clock.now()
        if device.expires_at <= now:
            raise OAuthError("expired_token", "The device_code has expired; start again.")
        last_poll, device.last_poll = device.last_poll, now
        if last_poll is not None and now - last_poll < device.interval:
            # "the interval MUST be increased by 5 seconds for this and all subsequent requests"
            device.interval += SLOW_DOWN_STEP
            raise OAuthError(
                "slow_down", f"Polled too often; poll every {device.interval} seconds from now on."
            )
        if device.status == "denied":
            raise OAuthError("access_denied", "The user refused the request.")
        if device.status == "pending":
            raise OAuthError("authorization_pending", "The user has not answered yet.")
        device.status = "used"
        subject = device.subject
    return site.issue_tokens(client, subject, device.scopes, auth_time=device.auth_time)


def authorization_code_grant(site: Site, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
    """Exchanging an authorization code: single use, short-lived, same redirect_uri."""
    code_value, redirect_uri = require(form, "code", "redirect_uri")
    with site.lock:
        # A code is spent by any attempt to use it, right or wrong; a second use revokes
        # what the first one got (RFC 6749 section 4.1.2).
        code = site.state.codes.get(code_value)
        if code is not None and code.used:
            site.revoke_grant(code_value)
            raise OAuthError(
                "invalid_grant", "The code was already used; the tokens issued for it are revoked."
            )
        if code is not None:
            code.used = True
    if code is None or code.client_id != client.client_id:
        raise OAuthError("invalid_grant", "Unknown or already used code.")
    if code.expires_at <= site.clock.now():
        raise OAuthError("invalid_grant", "The code has expired.")
    if code.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri differs from the one of the request.")
    verifier = form.get("code_verifier")
    if code.code_challenge is None:
        if verifier is not None:
            # RFC 9700 2.1.1: a verifier for a code without a challenge is refused.
            raise OAuthError(
                "invalid_grant", "code_verifier sent, but the request had no code_challenge."
            )
    else:
        if verifier is None:
            raise OAuthError("invalid_grant", "code_verifier is missing.")
        if not PKCE_VALUE.fullmatch(verifier):
            raise OAuthError(
                "invalid_grant", "code_verifier must be 43 to 128 characters (RFC 7636)."
            )
        if code.code_challenge_method == "S256":
            digest = hashlib.sha256(verifier.encode("utf-8")).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        else:
            expected = verifier
        if not hmac.compare_digest(expected.encode("utf-8"), code.code_challenge.encode("utf-8")):
            raise OAuthError("invalid_grant", "code_verifier does not match code_challenge.")
    return site.issue_tokens(
        client,
        code.subject,
        code.scopes,
        grant=code_value,
        nonce=code.nonce,
        auth_time=code.auth_time,
    )


def refresh_token_grant(site: Site, client: Client, form: Mapping[str, str]) -> dict[str, Any]:
    """A new access token for a refresh token; the refresh token is replaced."""
    (value,) = require(form, "refresh_token")
    with site.lock:
        refresh = site.state.refresh_tokens.get(value)
        if refresh is None or refresh.client_id != client.client_id:
            raise OAuthError("invalid_grant", "Unknown or already used refresh_token.")
        if refresh.used:
            # A rotated refresh token came back: stolen or replayed (RFC 9700 section 4.14.2).
            site.revoke_grant(refresh.grant)
            raise OAuthError(
                "invalid_grant",
                "The refresh_token was already used; every token of this sign-in is revoked.",
            )
        scopes = refresh.scopes
        if "scope" in form:
            asked = requested_scopes(client, form["scope"], required=False, allow_user_scopes=True)
            if not set(asked) <= set(refresh.scopes):
                raise OAuthError("invalid_scope", "scope is wider than the original grant.")
            scopes = asked
        refresh.used = True
    return site.issue_tokens(
        client, refresh.subject, scopes, grant=refresh.grant, auth_time=refresh.auth_time
    )


# -- device flow ---------------------------------------------------------------------------


def device_authorization(site: Site, request: Request, trace_id: str) -> Response:
    """``POST /connect/deviceauthorization`` (RFC 8628 section 3.1)."""
    form = read_form(request)
    client = authenticate_client(site, request, form)
    if DEVICE_CODE_GRANT not in client.grant_types:
        raise OAuthError("unauthorized_client", "The client may not use the device flow.")
    scopes = requested_scopes(client, form.get("scope"), required=True, allow_user_scopes=True)
    device = site.create_device(client, scopes)
    verification_uri = f"{site.base_url}/device"
    query = urllib.parse.urlencode({"user_code": device.user_code})
    body = {
        "device_code": device.device_code,
        "user_code": device.user_code,
        "verification_uri": verification_uri,
        "verification_uri_complete": f"{verification_uri}?{query}",
        "expires_in": site.device_lifetime,
        "interval": site.device_interval,
    }
    return token_response(body)


def device_page(site: Site, request: Request, trace_id: str) -> Response:
    """``/device``: the page where a person signs in, then approves or denies a device."""
    if request.method == "GET":
        params = request.args
        user_code = params.get("user_code", "") if len(params.getlist("user_code")) < 2 else ""
        return form_page(site, request, "device.html", user_code=user_code, message="")
    form = read_form(request)
    user_code = form.get("user_code", "")

    def again(message: str, status: int) -> Response:
        return form_page(site, request, "device.html", status, user_code=user_code, message=message)

    refusal = refuse_form_post(site, request, form)
    if refusal is not None:
        return with_headers(again(*refusal[:2]), refusal[2])
    device = site.find_device(user_code)
    user = signed_in_user(site, form)
    approved = "Device approved. Return to your application."
    if (
        device is None
        and user is not None
        and form.get("action") != "deny"
        and site.approved_by(user_code, user.login)
    ):
        # A double submit or a reload of the answer: nothing new, nothing wrong.
        return render("done.html", site, message=approved)
    if device is None or user is None:
        site.note_failure()
        if device is None:
            return again("Unknown or expired code. Check the code your application shows.", 400)
        return again("Wrong login or password.", 400)
    if form.get("action") == "deny":
        site.deny_device(user_code)
        return render("done.html", site, message="Access denied. You can close this page.")
    site.approve_device(user_code, user.login)
    return render("done.html", site, message=approved)


# -- the forms' defences -------------------------------------------------------------------

#: Name of the form field that carries the anti-forgery token.
CSRF_FIELD = "csrf_token"
#: Seconds the anti-forgery cookie lives: an hour to fill in a form.
CSRF_MAX_AGE = 3600


def csrf_cookie(site: Site) -> str:
    """The anti-forgery cookie of ``site`` (cookies ignore ports: one name per site)."""
    return f"stub_csrf_{site.name}"


def csrf_token(site: Site, request: Request) -> str:
    """The anti-forgery token of this browser: its cookie's, or a new one."""
    token = request.cookies.get(csrf_cookie(site), "")
    if len(token) == 32 and all(ch in string.hexdigits for ch in token):
        return token
    return site.sequences.hex("csrf", 16)


def form_page(
    site: Site, request: Request, template: str, status: int = 200, **values: str
) -> Response:
    """A page with a form: its anti-forgery token in a hidden field and in a cookie."""
    token = csrf_token(site, request)
    response = render(template, site, status, csrf_token=token, **values)
    response.set_cookie(
        csrf_cookie(site), token, path="/", httponly=True, samesite="Strict", max_age=CSRF_MAX_AGE
    )
    return response


def refuse_form_post(
    site: Site, request: Request, form: Mapping[str, str]
) -> tuple[str, int, dict[str, str]] | None:
    """Why a form post is refused (message, status, headers), or None when it may go on.

    Refused: a post from another origin, a post without this browser's anti-forgery token,
    and any post while too many wrong codes or passwords were sent (RFC 8628 section 5.1).
    """
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        return "This form accepts posts from its own page only.", 403, {}
    cookie = request.cookies.get(csrf_cookie(site))
    sent = form.get(CSRF_FIELD)
    if not cookie or sent is None or not hmac.compare_digest(cookie.encode(), sent.encode()):
        return "The form has expired or did not come from this page: try again.", 403, {}
    wait = site.locked_out_for()
    if wait:
        message = "Too many wrong codes or passwords: wait a minute, then try again."
        return message, 429, {"Retry-After": str(wait)}
    return None


def signed_in_user(site: Site, form: Mapping[str, str]) -> User | None:
    """The user whose login and password came with ``form``; None when they are wrong."""
    user = site.registry.users.get(form.get("login"))  # type: ignore[arg-type]
    password = form.get("password")
    if user is None or password is None:
        return None
    if not hmac.compare_digest(password.encode(), user.password.encode()):
        return None
    return user


def with_headers(response: Response, headers: Mapping[str, str]) -> Response:
    """``response`` with ``headers`` added."""
    response.headers.update(headers)
    return response


# -- authorization code flow ---------------------------------------------------------------


def authorize(site: Site, request: Request, trace_id: str) -> Response:
    """``/connect/authorize``: GET shows the login-and-consent page, POST answers it."""
    try:
        params = read_query(request) if request.method == "GET" else read_form(request)
    except OAuthError as error:
        # A request that cannot be read still goes back to a registered redirect_uri.
        trusted = trusted_redirect(site, request)
        if trusted is None:
            raise
        redirect_uri, state = trusted
        return redirect_back(
            redirect_uri, error=error.error, error_description=error.description, state=state
        )
    client = site.registry.clients.get(params.get("client_id"))  # type: ignore[arg-type]
    if client is None:
        raise OAuthError("invalid_client", "Unknown client_id.")
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None or not registered_redirect(client, redirect_uri):
        raise OAuthError("invalid_request", "redirect_uri is not registered for this client.")
    # The redirect URI is trusted from here on: errors go back to the application.
    state = params.get("state")
    try:
        request_fields = check_authorize_request(client, params)
    except OAuthError as error:
        return redirect_back(
            redirect_uri, error=error.error, error_description=error.description, state=state
        )
    if request.method == "GET":
        if params.get("prompt") == "none":
            # OpenID Connect Core 3.1.2.6: no page may be shown, and nobody is signed in.
            return redirect_back(
                redirect_uri,
                error="login_required",
                error_description="Nobody is signed in: the sandbox keeps no sign-in.",
                state=state,
            )
        return render_login(site, request, request_fields, message="")
    refusal = refuse_form_post(site, request, params)
    if refusal is not None:
        message, status, headers = refusal
        page = render_login(site, request, request_fields, message=message, status=status)
        return with_headers(page, headers)
    if params.get("action") == "deny":
        return redirect_back(
            redirect_uri, error="access_denied", error_description="The user refused.", state=state
        )
    user = signed_in_user(site, params)
    if user is None:
        site.note_failure()
        message = "Wrong login or password."
        return render_login(site, request, request_fields, message=message, status=400)
    scopes = tuple(dict.fromkeys(params["scope"].split()))
    value = site.create_code(
        AuthorizationCode(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            subject=user.login,
            expires_at=site.clock.now() + site.code_lifetime,
            code_challenge=params.get("code_challenge"),
            # Without a code_challenge the method is refused, and without a method the token
            # endpoint verifies as plain (RFC 7636 4.3).
            code_challenge_method=params.get("code_challenge_method"),
            nonce=params.get("nonce"),
            auth_time=site.clock.epoch(),
        )
    )
    return redirect_back(redirect_uri, code=value, state=state)


#: Hosts of loopback redirect URIs: a native application listens there on whatever port it
#: gets, so any port is accepted (RFC 8252 section 7.3; localhost too, as it is registered).
LOOPBACK_REDIRECT_HOSTS = frozenset({"127.0.0.1", "[::1]", "localhost"})


def registered_redirect(client: Client, redirect_uri: str) -> bool:
    """Whether ``redirect_uri`` is one of ``client``'s, a loopback one with any port."""
    if redirect_uri in client.redirect_uris:
        return True
    portless = without_loopback_port(redirect_uri)
    return portless is not None and any(
        without_loopback_port(registered) == portless for registered in client.redirect_uris
    )


def without_loopback_port(uri: str) -> str | None:
    """``uri`` without its port when it is an http URI of a loopback host; else None."""
    parts = urllib.parse.urlsplit(uri)
    host, port = parts.netloc, ""
    if not host.endswith("]") and ":" in host:
        host, _, port = host.rpartition(":")
    if parts.scheme != "http" or host not in LOOPBACK_REDIRECT_HOSTS:
        return None
    if port and (not port.isdigit() or not port.isascii() or int(port) > 65535):
        return None
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


def trusted_redirect(site: Site, request: Request) -> tuple[str, str | None] | None:
    """The redirect_uri and state of an unreadable authorization request, when its client and
    redirect_uri are unambiguous and registered; else None (the error is answered here)."""
    if request.method == "GET":
        raw = request.args
    elif request.mimetype == FORM_TYPE:
        raw = request.form
    else:
        return None
    client_ids, redirect_uris = raw.getlist("client_id"), raw.getlist("redirect_uri")
    if len(client_ids) != 1 or len(redirect_uris) != 1:
        return None
    client = site.registry.clients.get(client_ids[0])
    if client is None or not registered_redirect(client, redirect_uris[0]):
        return None
    states = raw.getlist("state")
    return redirect_uris[0], states[0] if len(states) == 1 else None


AUTHORIZE_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


def check_authorize_request(client: Client, params: Mapping[str, str]) -> dict[str, str]:
    """The parameters of an authorization request, checked; the ones to carry to the form."""
    if "response_type" not in params:
        raise OAuthError("invalid_request", "response_type is missing; use response_type=code.")
    if params["response_type"] != "code":
        raise OAuthError("unsupported_response_type", "response_type must be code.")
    if "authorization_code" not in client.grant_types:
        raise OAuthError("unauthorized_client", "The client may not use this flow.")
    requested_scopes(client, params.get("scope"), required=True, allow_user_scopes=True)
    if "state" not in params:
        raise OAuthError("invalid_request", "state is missing.")
    prompts = params.get("prompt", "").split()
    if "none" in prompts and len(prompts) > 1:
        raise OAuthError("invalid_request", "prompt=none cannot go with another value.")
    if params.get("code_challenge_method", "plain") not in {"plain", "S256"}:
        raise OAuthError("invalid_request", "code_challenge_method must be S256 or plain.")
    if "code_challenge_method" in params and "code_challenge" not in params:
        raise OAuthError("invalid_request", "code_challenge_method without code_challenge.")
    if "code_challenge" in params and not PKCE_VALUE.fullmatch(params["code_challenge"]):
        raise OAuthError(
            "invalid_request",
            "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636).",
        )
    return {name: params[name] for name in AUTHORIZE_FIELDS if name in params}


def redirect_back(redirect_uri: str, **params: str | None) -> Response:
    """A redirect to the application with ``params`` added to its query."""
    parts = urllib.parse.urlsplit(redirect_uri)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query += [(key, value) for key, value in params.items() if value is not None]
    location = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    response = redirect(location, code=302)
    response.headers.update(NO_STORE_HEADERS)
    return response


def render_login(
    site: Site, request: Request, fields: Mapping[str, str], message: str, status: int = 200
) -> Response:
    """The login-and-consent page, carrying the authorization request in hidden fields."""
    client = site.registry.clients[fields["client_id"]]
    hidden = "\n".join(
        f'    <input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in fields.items()
    )
    page = form_page(
        site,
        request,
        "login.html",
        status,
        client_name=client.name,
        scope=fields["scope"],
        hidden_fields_html=hidden,
        message=message,
    )
    # The form's answer redirects to the application: browsers hold form-action to the
    # redirect too, so the (registered) redirect URI's origin is allowed beside 'self'.
    target = urllib.parse.urlsplit(fields["redirect_uri"])
    if target.scheme in {"http", "https"} and re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", target.netloc):
        policy = page.headers["Content-Security-Policy"]
        page.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", f"form-action 'self' {target.scheme}://{target.netloc}"
        )
    return page


# -- discovery -----------------------------------------------------------------------------


def discovery(site: Site, request: Request, trace_id: str) -> Response:
    """``GET /.well-known/openid-configuration`` with this stub's own URLs."""
    base = site.base_url
    scopes = sorted({scope for client in site.registry.clients.values() for scope in client.scopes})
    body = {
        "issuer": base,
        "jwks_uri": f"{base}/.well-known/openid-configuration/jwks",
        "authorization_endpoint": f"{base}/connect/authorize",
        "token_endpoint": f"{base}/connect/token",
        "device_authorization_endpoint": f"{base}/connect/deviceauthorization",
        "userinfo_endpoint": f"{base}/connect/userinfo",
        "scopes_supported": scopes,
        "grant_types_supported": list(GRANT_TYPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [oidc.ALGORITHM],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"],
        "code_challenge_methods_supported": ["plain", "S256"],
    }
    return json_response(body, 200, OAUTH_JSON)


def jwks(site: Site, request: Request, trace_id: str) -> Response:
    """``GET /.well-known/openid-configuration/jwks``: the key that signs the id_tokens."""
    return json_response(site.signer.jwks(), 200, OAUTH_JSON)


def userinfo(site: Site, request: Request, trace_id: str) -> Response:
    """``/connect/userinfo`` (OpenID Connect Core 5.3): who the access token's user is."""
    try:
        authorization = read_authorization(request)
    except MalformedAuthorization:
        authorization = None
    bearer = authorization is not None and authorization.type == "bearer"
    token = None
    if authorization is not None and bearer and authorization.token:
        token = site.access_token(authorization.token)
    if token is None or token.subject is None:
        # RFC 6750 section 3.1: without bearer credentials, a challenge without an error code.
        challenge = 'Bearer error="invalid_token"' if bearer else "Bearer"
        raise OAuthError(
            "invalid_token",
            "An Authorization: Bearer header with a user's live access token is required.",
            401,
            {"WWW-Authenticate": challenge},
        )
    if "openid" not in token.scopes:
        raise OAuthError(
            "insufficient_scope",
            "The access token was not issued for the scope openid.",
            403,
            {"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="openid"'},
        )
    body = {"sub": token.subject}
    if "profile" in token.scopes:
        body["preferred_username"] = token.subject
    return json_response(body, 200, OAUTH_JSON, NO_STORE_HEADERS)


# -- pages ---------------------------------------------------------------------------------


def render(template: str, site: Site, status: int = 200, **values: str) -> Response:
    """An HTML page from ``templates/``; values are escaped unless their name ends in _html."""
    text = resources.files("extern_stub").joinpath("templates", template).read_text("utf-8")
    escaped = {
        key: value if key.endswith("_html") else html.escape(value) for key, value in values.items()
    }
    escaped["site"] = html.escape(site.name)
    page = string.Template(text).substitute(escaped)
    response = Response(page, status=status, content_type="text/html; charset=utf-8")
    response.headers.update(NO_STORE_HEADERS)
    response.headers.update(PAGE_HEADERS)
    return response
