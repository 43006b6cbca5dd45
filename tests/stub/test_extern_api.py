"""The Extern API: accounts, the error shape, tokens of other sites, in-flight limit."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from stub_helpers import (
    api_get,
    client_credentials,
    extern_error,
    get_token,
    limit_reached,
    password_form,
)

from extern_stub import Site, StubServer

#: A KPP as the official SDK's Kpp.cs reads it: positions 5 and 6 may be Latin capitals.
KPP = r"(\d{4})((\d|[A-Z]){2})(\d{3})"


def test_accounts_list_has_the_kebab_case_shape(site: Site, access_token: str) -> None:
    answer = api_get(site, "/v1?skip=0&take=10", access_token)
    assert answer.status_code == 200
    assert re.fullmatch("[0-9a-f]{32}", answer.headers["X-Kontur-Trace-Id"])
    body = answer.json()
    assert set(body) == {"skip", "take", "total-count", "accounts"}
    assert (body["skip"], body["take"], body["total-count"]) == (0, 10, 3)
    first = body["accounts"][0]
    assert set(first) == {"id", "inn", "kpp", "organization-name", "links"}
    assert re.fullmatch("[0-9]{10}", first["inn"])
    assert re.fullmatch(KPP, first["kpp"])
    assert first["links"] == [{"rel": "self", "href": f"{site.base_url}/v1/{first['id']}"}]


def test_a_kpp_may_hold_latin_capitals(stub: StubServer) -> None:
    """The test environment lists an organisation whose KPP has letters, as real ones may."""
    site = stub.sites["test"]
    accounts = api_get(site, "/v1", get_token(site)["access_token"]).json()["accounts"]
    kpps = [account["kpp"] for account in accounts if account["kpp"] is not None]
    assert all(re.fullmatch(KPP, kpp) for kpp in kpps), kpps
    assert any(re.fullmatch(r"\d{4}[A-Z]{2}\d{3}", kpp) for kpp in kpps), kpps


def test_accounts_are_paginated(site: Site, access_token: str) -> None:
    everything = api_get(site, "/v1?skip=0&take=3", access_token).json()["accounts"]
    page = api_get(site, "/v1?skip=1&take=1", access_token).json()
    assert page["total-count"] == 3
    assert page["accounts"] == everything[1:2]
    past_the_end = api_get(site, "/v1?skip=5&take=2", access_token).json()
    assert past_the_end["accounts"] == []
    defaults = api_get(site, "/v1", access_token).json()
    assert (defaults["skip"], defaults["take"]) == (0, 100)


def test_one_account_follows_its_link(site: Site, access_token: str) -> None:
    listed = api_get(site, "/v1?take=1", access_token).json()["accounts"][0]
    href = listed["links"][0]["href"]
    answer = requests.get(href, headers={"Authorization": f"Bearer {access_token}"}, timeout=5)
    assert answer.status_code == 200
    assert answer.json() == listed


def test_a_user_sees_the_user_accounts(site: Site) -> None:
    token = get_token(site, password_form(site))["access_token"]
    assert api_get(site, "/v1", token).json()["total-count"] == 3


@pytest.mark.parametrize("name", ["test", "production"])
def test_the_demo_user_has_an_individual_entrepreneur(stub: StubServer, name: str) -> None:
    """An individual entrepreneur's account: a 12-digit INN and no KPP (kpp is null)."""
    site = stub.sites[name]
    token = get_token(site, password_form(site))["access_token"]
    accounts = api_get(site, "/v1", token).json()["accounts"]
    entrepreneurs = [account for account in accounts if account["kpp"] is None]
    assert entrepreneurs, accounts
    assert all(re.fullmatch("[0-9]{12}", account["inn"]) for account in entrepreneurs)
    organisations = [account for account in accounts if account["kpp"] is not None]
    assert all(re.fullmatch("[0-9]{10}", account["inn"]) for account in organisations)


def test_unknown_account_is_404(site: Site, access_token: str) -> None:
    answer = api_get(site, "/v1/00000000-0000-0000-0000-000000000000", access_token)
    assert extern_error(answer, 404) == "accountNotFound"


def test_another_clients_account_is_404(site: Site, production: Site, access_token: str) -> None:
    other = next(iter(production.registry.accounts))
    assert extern_error(api_get(site, f"/v1/{other}", access_token), 404) == "accountNotFound"


@pytest.mark.parametrize(
    "query", ["skip=-1", "take=-5", "skip=abc", "take=1001", "take=1.5", "skip=0&skip=1", "take="]
)
def test_bad_skip_or_take_is_400(site: Site, access_token: str, query: str) -> None:
    answer = api_get(site, f"/v1?{query}", access_token)
    assert extern_error(answer, 400) == "invalidParameter"


def test_missing_token_is_401(site: Site) -> None:
    answer = api_get(site, "/v1", None)
    assert extern_error(answer, 401) == "unauthorized"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer ", "Basic dXNlcjpwYXNz", "Bearer" + " x" * 3, "token"])
def test_malformed_authorization_is_401(site: Site, header: str) -> None:
    answer = api_get(site, "/v1", None, headers={"Authorization": header})
    assert extern_error(answer, 401) == "unauthorized"


def test_unknown_token_is_401(site: Site) -> None:
    assert extern_error(api_get(site, "/v1", "0" * 64), 401) == "unauthorized"


def test_the_api_key_itself_is_not_a_token(site: Site) -> None:
    assert extern_error(api_get(site, "/v1", site.api_key), 401) == "unauthorized"


def test_token_of_the_other_site_is_401(site: Site, production: Site) -> None:
    production_token = get_token(production)["access_token"]
    assert extern_error(api_get(site, "/v1", production_token), 401) == "unauthorized"
    assert api_get(production, "/v1", production_token).status_code == 200


def test_expired_token_is_401(site: Site, access_token: str) -> None:
    assert api_get(site, "/v1", access_token).status_code == 200
    site.clock.advance(86400)
    assert extern_error(api_get(site, "/v1", access_token), 401) == "unauthorized"


def test_token_without_extern_scope_is_403(site: Site) -> None:
    url = (
        f"{site.base_url}/connect/authorize?response_type=code&client_id={site.client_id}"
        "&redirect_uri=http://127.0.0.1:8400/callback&scope=openid&state=s"
    )
    code = requests.utils.urlparse(site.authorize(url)).query.split("code=")[1].split("&")[0]
    token = get_token(
        site,
        {
            "grant_type": "authorization_code",
            "client_id": site.client_id,
            "client_secret": site.api_key,
            "code": code,
            "redirect_uri": "http://127.0.0.1:8400/callback",
        },
    )["access_token"]
    answer = api_get(site, "/v1", token)
    assert extern_error(answer, 403) == "forbidden"
    # RFC 6750 3.1: the challenge names the error and the scope needed.
    assert answer.headers["WWW-Authenticate"] == (
        'Bearer error="insufficient_scope", scope="extern.api"'
    )


def test_reset_forgets_tokens(stub, site: Site, access_token: str) -> None:
    stub.reset()
    assert extern_error(api_get(site, "/v1", access_token), 401) == "unauthorized"


def test_more_than_20_requests_in_flight_get_429(site: Site, access_token: str) -> None:
    with limit_reached(site, access_token) as held:
        refused = [api_get(site, "/v1", access_token) for _ in range(5)]
    assert [answer.result().status_code for answer in held] == [200] * 20
    assert [answer.status_code for answer in refused] == [429] * 5
    assert extern_error(refused[0], 429) == "tooManyRequests"
    assert refused[0].headers["Retry-After"] == "1"
    # Once they are done, the client may call again.
    site.api_delay = 0
    assert api_get(site, "/v1", access_token).status_code == 200


def test_the_limit_is_per_client(site: Site, access_token: str) -> None:
    service = site.registry.clients["stub-service-only-test"]
    other_token = get_token(
        site,
        client_credentials(site, client_id=service.client_id, client_secret=service.api_key),
    )["access_token"]
    site.api_delay = 0.5
    tokens = [access_token] * 20 + [other_token]
    with ThreadPoolExecutor(max_workers=21) as pool:
        answers = list(pool.map(lambda token: api_get(site, "/v1", token), tokens))
    assert [answer.status_code for answer in answers] == [200] * 21


@pytest.mark.parametrize("path", ["/", "/v2", "/v1/a/b", "/%ff", "/v1/%ff%fe"])
def test_unknown_paths_are_404_in_the_extern_shape(
    site: Site, access_token: str, path: str
) -> None:
    answer = api_get(site, path, access_token)
    assert extern_error(answer, 404) in {"notFound", "accountNotFound"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_in_the_extern_shape(site: Site, method: str) -> None:
    answer = requests.request(method, f"{site.base_url}/v1", timeout=5)
    assert extern_error(answer, 405) == "methodNotAllowed"
    assert "GET" in answer.headers["Allow"]


def test_big_body_outside_identity_is_413_in_the_extern_shape(site: Site) -> None:
    answer = requests.post(f"{site.base_url}/v1", data=b"x" * (65 * 1024), timeout=5)
    assert extern_error(answer, 413) == "requestTooLarge"


def test_head_is_answered_without_a_body(site: Site, access_token: str) -> None:
    answer = requests.head(
        f"{site.base_url}/v1", headers={"Authorization": f"Bearer {access_token}"}, timeout=5
    )
    assert answer.status_code == 200
    assert answer.content == b""
    assert "X-Kontur-Trace-Id" in answer.headers


@pytest.mark.parametrize(
    ("header", "challenge"),
    [
        # No credentials: the challenge names no error (RFC 6750 section 3.1).
        (None, "Bearer"),
        ("Basic dXNlcjpwYXNz", "Bearer"),
        ("Bearer ", "Bearer"),
        # A token the sandbox does not know, or no longer: invalid_token.
        (f"Bearer {'0' * 64}", 'Bearer error="invalid_token"'),
    ],
)
def test_each_401_challenges_as_rfc_6750_says(
    site: Site, header: str | None, challenge: str
) -> None:
    headers = {"Authorization": header} if header else {}
    answer = api_get(site, "/v1", None, headers=headers)
    assert extern_error(answer, 401) == "unauthorized"
    assert answer.headers["WWW-Authenticate"] == challenge
