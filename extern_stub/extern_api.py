"""The Extern API: the accounts list and one account, kebab-case JSON, its error shape."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from extern_stub import openapi as openapi_spec
from extern_stub.errors import ExternError, json_response
from extern_stub.headers import MalformedAuthorization
from extern_stub.headers import authorization as read_authorization
from extern_stub.sites import DEFAULT_TAKE, EXTERN_SCOPE, MAX_SKIP, MAX_TAKE, AccessToken, Site

_DIGITS = re.compile(r"[0-9]{1,10}")


def authenticate(site: Site, request: Request) -> AccessToken:
    """The access token of ``Authorization: Bearer``; 401 when missing, unknown or expired."""
    challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    try:
        authorization = read_authorization(request)
    except MalformedAuthorization:
        authorization = None
    if authorization is None or authorization.type != "bearer" or not authorization.token:
        raise ExternError(
            401,
            "unauthorized",
            "An Authorization: Bearer <access_token> header is required.",
            {"WWW-Authenticate": "Bearer"},
        )
    info = site.access_token(authorization.token)
    if info is None:
        raise ExternError(
            401,
            "unauthorized",
            f"The access token is unknown or expired, or was issued by another environment "
            f"(this is the {site.name} environment). Get a new token.",
            challenge,
        )
    if EXTERN_SCOPE not in info.scopes:
        raise ExternError(
            403,
            "forbidden",
            f"The access token was not issued for the scope {EXTERN_SCOPE}.",
            {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{EXTERN_SCOPE}"'},
        )
    return info


def query_int(args: MultiDict[str, str], name: str, default: int, maximum: int) -> int:
    """The integer query parameter ``name``, from 0 to ``maximum``; 400 otherwise."""
    values = args.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise ExternError(400, "invalidParameter", f"The query parameter {name} is repeated.")
    value = values[0]
    if not _DIGITS.fullmatch(value) or int(value) > maximum:
        raise ExternError(
            400,
            "invalidParameter",
            f"{name} must be a whole number from 0 to {maximum}, not {value!r}.",
        )
    return int(value)


def visible_accounts(site: Site, token: AccessToken) -> list[str]:
    """The ids of the accounts the holder of ``token`` may see."""
    if token.subject is None:
        owner_accounts = site.registry.clients[token.client_id].accounts
    else:
        owner_accounts = site.registry.users[token.subject].accounts
    return [account_id for account_id in owner_accounts if account_id in site.registry.accounts]


def account_body(site: Site, account: Mapping[str, str | None]) -> dict[str, Any]:
    """One account as the Extern API shows it, with its ``links``."""
    return {
        **account,
        "links": [{"rel": "self", "href": f"{site.base_url}/v1/{account['id']}"}],
    }


def accounts(site: Site, request: Request, trace_id: str) -> Response:
    """``GET /v1?skip=&take=``: the accounts of the user or application, paginated."""
    token = authenticate(site, request)
    with site.in_flight(token.client_id) as allowed:
        throttle(site, allowed)
        skip = query_int(request.args, "skip", 0, MAX_SKIP)
        take = query_int(request.args, "take", DEFAULT_TAKE, MAX_TAKE)
        ids = visible_accounts(site, token)
        page = [account_body(site, site.registry.accounts[i]) for i in ids[skip : skip + take]]
        body = {"skip": skip, "take": take, "total-count": len(ids), "accounts": page}
        return json_response(body)


def account(site: Site, request: Request, trace_id: str, account_id: str) -> Response:
    """``GET /v1/{accountId}``: one account."""
    token = authenticate(site, request)
    with site.in_flight(token.client_id) as allowed:
        throttle(site, allowed)
        if account_id.lower() not in visible_accounts(site, token):
            raise ExternError(404, "accountNotFound", f"There is no account {account_id}.")
        return json_response(account_body(site, site.registry.accounts[account_id.lower()]))


def throttle(site: Site, allowed: bool) -> None:
    """429 beyond the requests a client may have in flight; else the configured delay."""
    if not allowed:
        raise ExternError(
            429,
            "tooManyRequests",
            f"More than {site.max_in_flight} requests of this client at once.",
            {"Retry-After": "1"},
        )
    if site.api_delay:
        time.sleep(site.api_delay)


def openapi(site: Site, request: Request, trace_id: str) -> Response:
    """``GET /openapi.json``: the OpenAPI 3.1 description of this site."""
    return json_response(openapi_spec.build(site.base_url))
