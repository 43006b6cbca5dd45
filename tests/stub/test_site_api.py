"""The stub's Python API: discovery, seeded determinism, reset, recorded requests, env()."""

import email.utils
import re
import time

import requests
from stub_helpers import api_get, call_token, client_credentials, get_token

from extern_stub import Site, StubServer


def test_discovery_names_the_stubs_own_endpoints(site: Site) -> None:
    answer = requests.get(f"{site.base_url}/.well-known/openid-configuration", timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert body["issuer"] == site.base_url
    assert body["token_endpoint"] == f"{site.base_url}/connect/token"
    assert body["authorization_endpoint"] == f"{site.base_url}/connect/authorize"
    assert body["device_authorization_endpoint"] == f"{site.base_url}/connect/deviceauthorization"
    assert "extern.api" in body["scopes_supported"]
    assert "client_credentials" in body["grant_types_supported"]
    keys = requests.get(body["jwks_uri"], timeout=5)
    assert keys.status_code == 200
    (key,) = keys.json()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert "d" not in key  # the public half only
    assert body["userinfo_endpoint"] == f"{site.base_url}/connect/userinfo"


def test_sites_differ(stub: StubServer) -> None:
    test, production = stub.sites["test"], stub.sites["production"]
    assert test.base_url != production.base_url
    assert not test.base_url.endswith("/")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", test.base_url)
    assert test.client_id != production.client_id
    assert test.api_key != production.api_key
    assert test.user_login != production.user_login


def test_env(site: Site) -> None:
    assert site.env() == {
        "KONTUR_SITE": "test",
        "KONTUR_CLIENT_ID": site.client_id,
        "KONTUR_API_KEY": site.api_key,
        "KONTUR_IDENTITY_URL": site.base_url,
        "KONTUR_API_URL": site.base_url,
    }


def test_demo_client_allows_the_scopes_examples_use(site: Site, production: Site) -> None:
    for each in (site, production):
        client = each.registry.clients[each.client_id]
        assert {"extern.api", "openid", "profile"} <= client.scopes
        assert "http://127.0.0.1:8400/callback" in client.redirect_uris
        assert len(client.grant_types) == 5


def sequence(site: Site) -> list[str]:
    """A fixed series of requests; what in the answers could differ between runs."""
    answers = [call_token(site, client_credentials(site)) for _ in range(2)]
    token = answers[0].json()["access_token"]
    answers.append(api_get(site, "/v1", token))
    answers.append(api_get(site, "/v1", "nope"))
    form = {"client_id": site.client_id, "client_secret": site.api_key, "scope": "extern.api"}
    answers.append(
        requests.post(f"{site.base_url}/connect/deviceauthorization", data=form, timeout=5)
    )
    return [
        f"{a.status_code} {a.headers['X-Kontur-Trace-Id']} {a.headers['Date']} {a.text}"
        for a in answers
    ]


def test_seeded_answers_repeat_after_reset(stub: StubServer, site: Site) -> None:
    first = sequence(site)
    stub.reset()
    assert sequence(site) == first
    # And they are not all the same value.
    assert len({line.split()[1] for line in first}) == len(first)


def test_seeded_date_is_frozen(site: Site) -> None:
    answer = call_token(site, client_credentials(site))
    assert answer.headers["Date"] == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert answer.headers["Server"] == "extern-stub"
    site.clock.advance(90)  # a frozen date still moves with the test clock
    later = call_token(site, client_credentials(site))
    assert later.headers["Date"] == "Wed, 01 Jan 2025 00:01:30 GMT"


def test_two_servers_with_the_same_seed_agree() -> None:
    with StubServer(seed=7) as one, StubServer(seed=7) as two:
        assert get_token(one.sites["test"]) == get_token(two.sites["test"])
    with StubServer(seed=8) as three, StubServer(seed=9) as four:
        assert get_token(three.sites["test"]) != get_token(four.sites["test"])


def test_without_a_seed_tokens_are_random_and_the_date_is_real() -> None:
    with StubServer() as one, StubServer() as two:
        assert get_token(one.sites["test"]) != get_token(two.sites["test"])
        answer = call_token(one.sites["test"], client_credentials(one.sites["test"]))
        date = email.utils.parsedate_to_datetime(answer.headers["Date"])
        assert abs(date.timestamp() - time.time()) < 60


def test_recorded_requests_keep_query_headers_and_form(site: Site) -> None:
    api_get(site, "/v1?skip=1&take=2", "tok", headers={"X-Custom": "yes"})
    (seen,) = site.requests
    assert seen.method == "GET"
    assert seen.path == "/v1"
    assert seen.query["skip"] == "1"
    assert seen.query["take"] == "2"
    assert seen.headers["Authorization"] == "Bearer tok"
    assert seen.headers["X-Custom"] == "yes"
    assert seen.basic_auth is None
    assert len(seen.form) == 0
    assert seen.status == 401


def test_requests_are_recorded_per_site(site: Site, production: Site) -> None:
    get_token(production)
    assert site.requests == []
    assert len(production.requests) == 1


def test_reset_clears_recorded_requests_and_knobs(stub: StubServer, site: Site) -> None:
    get_token(site)
    site.auto_approve_devices = True
    site.api_delay = 1.0
    site.clock.advance(100)
    stub.reset()
    assert site.requests == []
    assert site.auto_approve_devices is False
    assert site.api_delay == 0
    assert site.clock.http_date() == "Wed, 01 Jan 2025 00:00:00 GMT"


def test_every_answer_carries_a_trace_id(site: Site) -> None:
    urls = ["/", "/v1", "/connect/token", "/device", "/openapi.json", "/.well-known/x"]
    for url in urls:
        answer = requests.get(f"{site.base_url}{url}", timeout=5)
        assert re.fullmatch("[0-9a-f]{32}", answer.headers["X-Kontur-Trace-Id"]), url
