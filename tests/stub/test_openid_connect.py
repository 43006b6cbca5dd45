"""OpenID Connect: the id_token is signed with the key the JWKS publishes, echoes the nonce,
and the userinfo endpoint answers for tokens with the scope openid.

The id_token is checked with PyJWT, a library independent of the one that signs it (joserfc),
reading the key from the JWKS that discovery names, as a relying party does.
"""

import urllib.parse

import jwt
import pytest
import requests
from stub_helpers import (
    CALLBACK,
    TIMEOUT,
    api_get,
    call_token,
    exchange,
    get_token,
    oauth_error,
    password_form,
    sign_in,
)

from extern_stub import Site
from extern_stub.sites import DEVICE_CODE_GRANT


def verify(site: Site, id_token: str) -> dict:
    """What a relying party does: discovery, the JWKS, then signature, issuer and audience."""
    discovery = requests.get(
        f"{site.base_url}/.well-known/openid-configuration", timeout=TIMEOUT
    ).json()
    keys = jwt.PyJWKClient(discovery["jwks_uri"], cache_keys=False, timeout=TIMEOUT)
    key = keys.get_signing_key_from_jwt(id_token)
    return jwt.decode(
        id_token,
        key,
        algorithms=discovery["id_token_signing_alg_values_supported"],
        audience=site.client_id,
        issuer=discovery["issuer"],
        options={"require": ["iss", "sub", "aud", "exp", "iat"]},
    )


def test_the_id_token_is_signed_with_a_published_key_and_echoes_the_nonce(site: Site) -> None:
    tokens = sign_in(site, nonce="n-0S6_WzA2Mj")
    claims = verify(site, tokens["id_token"])
    assert claims["sub"] == site.user_login
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["iss"] == site.base_url
    assert claims["exp"] > claims["iat"]


def test_without_a_nonce_the_id_token_has_none(site: Site) -> None:
    assert "nonce" not in verify(site, sign_in(site)["id_token"])


def test_without_openid_there_is_no_id_token(site: Site) -> None:
    assert "id_token" not in sign_in(site, scope="extern.api")


def test_a_client_credentials_token_has_no_id_token(site: Site) -> None:
    assert "id_token" not in get_token(site)


def test_a_token_of_another_site_does_not_verify(site: Site, production: Site) -> None:
    id_token = sign_in(production)["id_token"]
    with pytest.raises(jwt.PyJWTError):
        verify(site, id_token)


def test_a_tampered_id_token_does_not_verify(site: Site) -> None:
    header, _payload, signature = sign_in(site)["id_token"].split(".")
    forged = jwt.utils.base64url_encode(b'{"sub":"someone-else"}').decode()
    with pytest.raises(jwt.PyJWTError):
        verify(site, f"{header}.{forged}.{signature}")


def test_refresh_gives_a_new_id_token_without_the_nonce(site: Site) -> None:
    first = sign_in(site, nonce="once")
    form = {
        "grant_type": "refresh_token",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "refresh_token": first["refresh_token"],
    }
    claims = verify(site, get_token(site, form)["id_token"])
    assert claims["sub"] == site.user_login
    assert "nonce" not in claims


def test_discovery_names_the_userinfo_endpoint_that_answers(site: Site) -> None:
    discovery = requests.get(
        f"{site.base_url}/.well-known/openid-configuration", timeout=TIMEOUT
    ).json()
    tokens = sign_in(site, scope="openid profile extern.api")
    for method in ("GET", "POST"):
        answer = requests.request(
            method,
            discovery["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 200
        assert answer.json() == {"sub": site.user_login, "preferred_username": site.user_login}


def test_userinfo_sub_matches_the_id_token(site: Site) -> None:
    tokens = sign_in(site)
    answer = api_get(site, "/connect/userinfo", tokens["access_token"])
    assert answer.json() == {"sub": verify(site, tokens["id_token"])["sub"]}


def test_userinfo_without_openid_is_403_insufficient_scope(site: Site) -> None:
    token = get_token(site, password_form(site))["access_token"]
    answer = api_get(site, "/connect/userinfo", token)
    assert oauth_error(answer, 403) == "insufficient_scope"
    assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("token", "challenge"),
    [
        # RFC 6750 section 3.1: a request without credentials hears no error code.
        (None, "Bearer"),
        ("0" * 64, 'Bearer error="invalid_token"'),
    ],
)
def test_userinfo_without_a_live_token_is_401(
    site: Site, token: str | None, challenge: str
) -> None:
    answer = api_get(site, "/connect/userinfo", token)
    assert oauth_error(answer, 401) == "invalid_token"
    assert answer.headers["WWW-Authenticate"] == challenge


def test_userinfo_of_a_client_credentials_token_is_401(site: Site) -> None:
    answer = api_get(site, "/connect/userinfo", get_token(site)["access_token"])
    assert oauth_error(answer, 401) == "invalid_token"


def test_the_password_grant_with_openid_gets_an_id_token(site: Site) -> None:
    answer = call_token(site, password_form(site, scope="openid extern.api"))
    assert verify(site, answer.json()["id_token"])["sub"] == site.user_login


def claims_of(id_token: str) -> dict:
    """The claims of an id_token, not verified (the test clock runs ahead of the real one)."""
    return jwt.decode(id_token, options={"verify_signature": False})


def refresh(site: Site, refresh_token: str) -> dict:
    form = {
        "grant_type": "refresh_token",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "refresh_token": refresh_token,
    }
    return get_token(site, form)


def test_auth_time_is_the_sign_in_and_stays_so_on_refresh(site: Site) -> None:
    """OpenID Connect Core section 2: auth_time is when the user signed in."""
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": site.client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid extern.api",
            "state": "s",
        }
    )
    location = site.authorize(f"{site.base_url}/connect/authorize?{query}")
    signed_in_at = site.clock.epoch()
    site.clock.advance(200)  # the application exchanges the code later
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]
    first = exchange(site, code).json()
    claims = claims_of(first["id_token"])
    assert signed_in_at - 5 < claims["auth_time"] <= signed_in_at
    assert claims["iat"] >= claims["auth_time"] + 200
    site.clock.advance(1000)
    again = claims_of(refresh(site, first["refresh_token"])["id_token"])
    assert again["auth_time"] == claims["auth_time"]
    assert again["iat"] >= claims["iat"] + 1000


@pytest.mark.parametrize("automatic", [False, True])
def test_auth_time_of_a_device_is_when_its_user_approved(site: Site, automatic: bool) -> None:
    client = site.registry.clients[site.client_id]
    site.auto_approve_devices = automatic
    device = site.create_device(client, ("openid", "extern.api"))
    if not automatic:
        site.approve_device(device.user_code)
    approved_at = site.clock.epoch()
    site.clock.advance(100)
    form = {
        "grant_type": DEVICE_CODE_GRANT,
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "device_code": device.device_code,
    }
    claims = claims_of(get_token(site, form)["id_token"])
    assert approved_at - 5 < claims["auth_time"] <= approved_at
    assert claims["iat"] >= claims["auth_time"] + 100


def test_auth_time_of_the_password_grant_is_the_request(site: Site) -> None:
    tokens = get_token(site, password_form(site, scope="openid extern.api"))
    claims = claims_of(tokens["id_token"])
    assert claims["auth_time"] == claims["iat"]
    site.clock.advance(500)
    assert (
        claims_of(refresh(site, tokens["refresh_token"])["id_token"])["auth_time"]
        == (claims["auth_time"])
    )
