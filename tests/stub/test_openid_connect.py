"""OpenID Connect: the id_token is signed with the key the JWKS publishes, echoes the nonce,
and the userinfo endpoint answers for tokens with the scope openid.

The id_token is checked with PyJWT, a library independent of the one that signs it (joserfc),
reading the key from the JWKS that discovery names, as a relying party does.
"""

import jwt
import pytest
import requests
from stub_helpers import (
    TIMEOUT,
    api_get,
    call_token,
    get_token,
    oauth_error,
    password_form,
    sign_in,
)

from extern_stub import Site


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


@pytest.mark.parametrize("token", [None, "0" * 64])
def test_userinfo_without_a_live_token_is_401(site: Site, token: str | None) -> None:
    answer = api_get(site, "/connect/userinfo", token)
    assert oauth_error(answer, 401) == "invalid_token"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_userinfo_of_a_client_credentials_token_is_401(site: Site) -> None:
    answer = api_get(site, "/connect/userinfo", get_token(site)["access_token"])
    assert oauth_error(answer, 401) == "invalid_token"


def test_the_password_grant_with_openid_gets_an_id_token(site: Site) -> None:
    answer = call_token(site, password_form(site, scope="openid extern.api"))
    assert verify(site, answer.json()["id_token"])["sub"] == site.user_login
