"""The authorization code flow: the login-and-consent page, codes, redirect_uri checks."""

import base64
import dataclasses
import hashlib
import re
import urllib.parse

import pytest
import requests
from stub_helpers import api_get, assert_sentence, call_token, exchange, get_token, oauth_error
from werkzeug.test import Client

from extern_stub import AuthorizeError, Site
from extern_stub.app import SiteApp
from extern_stub.sites import AuthorizationCode, load_registries

CALLBACK = "http://127.0.0.1:8400/callback"


def authorize_url(site: Site, **overrides: str | None) -> str:
    params = {
        "response_type": "code",
        "client_id": site.client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid extern.api",
        "state": "xyz-42",
        **overrides,
    }
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    return f"{site.base_url}/connect/authorize?{query}"


def redirect_params(location: str) -> dict[str, str]:
    parts = urllib.parse.urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    return dict(urllib.parse.parse_qsl(parts.query))


def test_login_redirects_back_with_code_and_state(site: Site) -> None:
    params = redirect_params(site.authorize(authorize_url(site)))
    assert set(params) == {"code", "state"}
    assert params["state"] == "xyz-42"
    assert re.fullmatch("[0-9A-F]{64}", params["code"])  # the sandbox's form of a code
    body = exchange(site, params["code"]).json()
    assert body["scope"] == "openid extern.api"
    assert "refresh_token" in body
    assert api_get(site, "/v1", body["access_token"]).json()["total-count"] == 3


def test_the_page_is_a_login_form(site: Site) -> None:
    page = requests.get(authorize_url(site), timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert 'name="password"' in page.text
    assert 'value="xyz-42"' in page.text
    assert "Demo integration" in page.text


def test_code_is_single_use(site: Site) -> None:
    code = redirect_params(site.authorize(authorize_url(site)))["code"]
    assert exchange(site, code).status_code == 200
    assert oauth_error(exchange(site, code)) == "invalid_grant"


def test_code_is_short_lived(site: Site) -> None:
    code = redirect_params(site.authorize(authorize_url(site)))["code"]
    site.clock.advance(301)
    assert oauth_error(exchange(site, code)) == "invalid_grant"


def test_redirect_uri_must_match_at_exchange(site: Site) -> None:
    code = redirect_params(site.authorize(authorize_url(site)))["code"]
    wrong = exchange(site, code, redirect_uri="http://localhost:8400/callback")
    assert oauth_error(wrong) == "invalid_grant"
    # A failed attempt spends the code too.
    assert oauth_error(exchange(site, code)) == "invalid_grant"


def test_missing_redirect_uri_at_exchange(site: Site) -> None:
    code = redirect_params(site.authorize(authorize_url(site)))["code"]
    assert oauth_error(exchange(site, code, redirect_uri="")) == "invalid_request"


def test_code_of_the_other_site(site: Site, production: Site) -> None:
    code = redirect_params(production.authorize(authorize_url(production)))["code"]
    assert oauth_error(exchange(site, code)) == "invalid_grant"


def test_deny_redirects_with_access_denied(site: Site) -> None:
    params = redirect_params(site.authorize(authorize_url(site), consent=False))
    assert params["error"] == "access_denied"
    assert params["state"] == "xyz-42"


def test_wrong_password_shows_the_page_again(site: Site) -> None:
    with pytest.raises(AuthorizeError):
        site.authorize(authorize_url(site), password="wrong")


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"client_id": "nobody"}, "invalid_client"),
        ({"client_id": None}, "invalid_client"),
        ({"redirect_uri": "https://evil.example/callback"}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
    ],
)
def test_untrusted_requests_are_refused_without_redirect(
    site: Site, overrides: dict, error: str
) -> None:
    answer = requests.get(authorize_url(site, **overrides), allow_redirects=False, timeout=5)
    assert oauth_error(answer) == error


def test_a_repeated_parameter_redirects_back_when_the_redirect_uri_is_clear(site: Site) -> None:
    answer = requests.get(authorize_url(site) + "&scope=again", allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    params = redirect_params(answer.headers["Location"])
    assert (params["error"], params["state"]) == ("invalid_request", "xyz-42")


def test_a_repeated_state_redirects_back_without_a_state(site: Site) -> None:
    answer = requests.get(authorize_url(site) + "&state=again", allow_redirects=False, timeout=5)
    params = redirect_params(answer.headers["Location"])
    assert params["error"] == "invalid_request"
    assert "state" not in params


@pytest.mark.parametrize("repeated", ["client_id", "redirect_uri"])
def test_a_repeated_client_or_redirect_uri_is_refused_here(site: Site, repeated: str) -> None:
    extra = urllib.parse.urlencode({repeated: "x"})
    answer = requests.get(f"{authorize_url(site)}&{extra}", allow_redirects=False, timeout=5)
    assert oauth_error(answer) in {"invalid_request", "invalid_client"}


@pytest.mark.parametrize(
    "redirect_uri",
    [CALLBACK + "/evil", CALLBACK + "x", CALLBACK + "?next=https://evil.example", CALLBACK[:-1]],
)
def test_redirect_uri_must_match_exactly_not_by_prefix(site: Site, redirect_uri: str) -> None:
    answer = requests.get(
        authorize_url(site, redirect_uri=redirect_uri), allow_redirects=False, timeout=5
    )
    assert oauth_error(answer) == "invalid_request"
    assert "Location" not in answer.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"scope": "openid other.api"}, "invalid_scope"),
        ({"scope": None}, "invalid_request"),
        ({"state": None}, "invalid_request"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "MD5"}, "invalid_request"),
        ({"code_challenge": "a" * 42}, "invalid_request"),
        ({"code_challenge": "a" * 129}, "invalid_request"),
        ({"code_challenge": "a" * 42 + "!"}, "invalid_request"),
        ({"code_challenge_method": "S256"}, "invalid_request"),
    ],
)
def test_bad_requests_redirect_back_with_an_error(site: Site, overrides: dict, error: str) -> None:
    answer = requests.get(authorize_url(site, **overrides), allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    params = redirect_params(answer.headers["Location"])
    assert params["error"] == error
    assert_sentence(params["error_description"])
    assert params.get("state") == (None if "state" in overrides else "xyz-42")


def test_a_client_without_the_flow_is_refused(site: Site) -> None:
    # The service-only client has no redirect URI, so nothing may redirect to it.
    answer = requests.get(
        authorize_url(site, client_id="stub-service-only-test"), allow_redirects=False, timeout=5
    )
    assert oauth_error(answer) == "invalid_request"


def test_pkce_s256(site: Site) -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    url = authorize_url(site, code_challenge=challenge, code_challenge_method="S256")
    code = redirect_params(site.authorize(url))["code"]
    assert oauth_error(exchange(site, code, code_verifier="wrong")) == "invalid_grant"
    code = redirect_params(site.authorize(url))["code"]
    assert exchange(site, code, code_verifier=verifier).status_code == 200


def test_pkce_verifier_is_required_when_a_challenge_was_sent(site: Site) -> None:
    url = authorize_url(site, code_challenge="p" * 43)
    code = redirect_params(site.authorize(url))["code"]
    assert oauth_error(exchange(site, code)) == "invalid_grant"


@pytest.mark.parametrize("length", [43, 128])
def test_pkce_plain_challenges_of_43_to_128_characters(site: Site, length: int) -> None:
    url = authorize_url(site, code_challenge="p" * length, code_challenge_method="plain")
    code = redirect_params(site.authorize(url))["code"]
    assert exchange(site, code, code_verifier="p" * length).status_code == 200


def test_pkce_a_short_verifier_is_refused_even_if_it_matches(site: Site) -> None:
    # Only reachable through a stored code: the authorize endpoint refuses short challenges.
    url = authorize_url(site, code_challenge="p" * 43)
    code = redirect_params(site.authorize(url))["code"]
    site.state.codes[code].code_challenge = "short"
    assert oauth_error(exchange(site, code, code_verifier="short")) == "invalid_grant"


def test_a_verifier_for_a_code_without_a_challenge_is_refused(site: Site) -> None:
    code = redirect_params(site.authorize(authorize_url(site)))["code"]
    assert oauth_error(exchange(site, code, code_verifier="v" * 43)) == "invalid_grant"


def test_reusing_a_code_revokes_the_tokens_issued_for_it(site: Site) -> None:
    code = redirect_params(site.authorize(authorize_url(site)))["code"]
    first = exchange(site, code).json()
    assert api_get(site, "/v1", first["access_token"]).status_code == 200
    assert oauth_error(exchange(site, code)) == "invalid_grant"
    assert api_get(site, "/v1", first["access_token"]).status_code == 401
    refresh = {
        "grant_type": "refresh_token",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "refresh_token": first["refresh_token"],
    }
    assert oauth_error(call_token(site, refresh)) == "invalid_grant"


def test_replaying_a_rotated_refresh_token_revokes_the_new_ones(site: Site) -> None:
    code = redirect_params(site.authorize(authorize_url(site)))["code"]
    first = exchange(site, code).json()
    form = {
        "grant_type": "refresh_token",
        "client_id": site.client_id,
        "client_secret": site.api_key,
    }
    second = get_token(site, {**form, "refresh_token": first["refresh_token"]})
    third = get_token(site, {**form, "refresh_token": second["refresh_token"]})
    assert api_get(site, "/v1", third["access_token"]).status_code == 200
    # The first refresh token comes back: someone kept a copy.
    replay = call_token(site, {**form, "refresh_token": first["refresh_token"]})
    assert oauth_error(replay) == "invalid_grant"
    for token in (second, third):
        assert api_get(site, "/v1", token["access_token"]).status_code == 401
    assert oauth_error(call_token(site, {**form, "refresh_token": third["refresh_token"]})) == (
        "invalid_grant"
    )


def test_a_replay_revokes_only_its_own_sign_in(site: Site) -> None:
    first = exchange(site, redirect_params(site.authorize(authorize_url(site)))["code"]).json()
    other = exchange(site, redirect_params(site.authorize(authorize_url(site)))["code"]).json()
    form = {"grant_type": "refresh_token", "client_id": site.client_id}
    form |= {"client_secret": site.api_key, "refresh_token": first["refresh_token"]}
    get_token(site, form)
    call_token(site, form)  # the replay
    assert api_get(site, "/v1", other["access_token"]).status_code == 200


def test_redirect_keeps_the_query_of_the_registered_uri(site: Site) -> None:
    """The code is added to the redirect URI, not pasted over it."""
    code_answer = site.authorize(authorize_url(site))
    assert code_answer.startswith(CALLBACK + "?")
    assert code_answer.count("?") == 1


def test_refresh_after_authorization_code(site: Site) -> None:
    code = redirect_params(site.authorize(authorize_url(site)))["code"]
    refresh_token = exchange(site, code).json()["refresh_token"]
    form = {
        "grant_type": "refresh_token",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "refresh_token": refresh_token,
        "scope": "extern.api",
    }
    assert get_token(site, form)["scope"] == "extern.api"


def test_pkce_a_well_formed_wrong_verifier_is_invalid_grant(site: Site) -> None:
    url = authorize_url(site, code_challenge="p" * 43, code_challenge_method="plain")
    code = redirect_params(site.authorize(url))["code"]
    assert oauth_error(exchange(site, code, code_verifier="q" * 43)) == "invalid_grant"


def test_a_code_issued_to_one_client_is_refused_to_another() -> None:
    """Two clients of one site, both allowed the flow: each redeems only its own codes."""
    registry = load_registries()["test"]
    demo = registry.clients["stub-demo-test"]
    other = dataclasses.replace(demo, client_id="stub-other-test", api_key="other-key")
    clients = {**registry.clients, other.client_id: other}
    site = Site("test", dataclasses.replace(registry, clients=clients))
    browser = Client(SiteApp(site))
    expires_at = site.clock.now() + site.code_lifetime

    def redeem(code: str, client: object) -> tuple[int, dict]:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}
        form |= {"client_id": client.client_id, "client_secret": client.api_key}
        answer = browser.post("/connect/token", data=form)
        return answer.status_code, answer.get_json()

    code = site.create_code(
        AuthorizationCode(demo.client_id, CALLBACK, ("extern.api",), site.user_login, expires_at)
    )
    status, body = redeem(code, other)
    assert (status, body["error"]) == (400, "invalid_grant")
    assert "access_token" not in body
    # The client it was issued to redeems its own code.
    mine = site.create_code(
        AuthorizationCode(other.client_id, CALLBACK, ("extern.api",), site.user_login, expires_at)
    )
    status, body = redeem(mine, other)
    assert status == 200, body
    assert body["access_token"]
