"""Discovery advertises only what the sandbox does: each advertised value is tried."""

import base64
import hashlib
from collections.abc import Callable

import jwt
import pytest
import requests
from stub_helpers import TIMEOUT, call_token, client_credentials, sign_in

from extern_stub import Site

# The metadata names OpenID Connect Discovery 1.0 (section 3), RFC 8414 (section 2) and
# RFC 8628 (section 4) register; a misspelt name is ignored by every client.
REGISTERED = {
    *("issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"),
    *("registration_endpoint", "scopes_supported", "response_types_supported"),
    *("response_modes_supported", "grant_types_supported", "acr_values_supported"),
    *("subject_types_supported", "id_token_signing_alg_values_supported"),
    *("id_token_encryption_alg_values_supported", "id_token_encryption_enc_values_supported"),
    *("userinfo_signing_alg_values_supported", "request_object_signing_alg_values_supported"),
    *("token_endpoint_auth_methods_supported", "token_endpoint_auth_signing_alg_values_supported"),
    *("display_values_supported", "claim_types_supported", "claims_supported"),
    *("service_documentation", "claims_locales_supported", "ui_locales_supported"),
    *("claims_parameter_supported", "request_parameter_supported", "op_policy_uri", "op_tos_uri"),
    *("request_uri_parameter_supported", "require_request_uri_registration"),
    *("revocation_endpoint", "introspection_endpoint", "code_challenge_methods_supported"),
    "device_authorization_endpoint",
}
VERIFIER = "dBjftJeZ4CK-stub-verifier-of-43-characters-or-more"


@pytest.fixture
def discovery(site: Site) -> dict:
    answer = requests.get(f"{site.base_url}/.well-known/openid-configuration", timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json; charset=UTF-8"
    return answer.json()


def test_every_name_is_registered(discovery: dict) -> None:
    assert set(discovery) <= REGISTERED
    assert len(discovery) >= 15


def test_the_jwks_answers_as_the_identity_provider_does(discovery: dict) -> None:
    answer = requests.get(discovery["jwks_uri"], timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json; charset=UTF-8"
    (key,) = answer.json()["keys"]
    assert set(key) == {"kty", "kid", "use", "alg", "n", "e"}  # public parts only


def test_each_response_type_opens_the_login_page(site: Site, discovery: dict) -> None:
    for response_type in discovery["response_types_supported"]:
        page = requests.get(
            discovery["authorization_endpoint"],
            params={
                "response_type": response_type,
                "client_id": site.client_id,
                "redirect_uri": "http://127.0.0.1:8400/callback",
                "scope": "extern.api",
                "state": "s",
            },
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert page.status_code == 200, (response_type, page.status_code)


def test_the_response_mode_is_the_query_the_redirect_uses(discovery: dict) -> None:
    assert discovery["response_modes_supported"] == ["query"]
    assert discovery["subject_types_supported"] == ["public"]


AUTH_METHODS: dict[str, Callable[[Site], requests.Response]] = {
    "client_secret_basic": lambda site: call_token(
        site,
        {"grant_type": "client_credentials", "scope": "extern.api"},
        auth=(site.client_id, site.api_key),
    ),
    "client_secret_post": lambda site: call_token(site, client_credentials(site)),
}


def test_each_client_authentication_method_gets_a_token(site: Site, discovery: dict) -> None:
    methods = discovery["token_endpoint_auth_methods_supported"]
    assert methods
    for method in methods:
        assert AUTH_METHODS[method](site).status_code == 200, method


def challenge(method: str) -> str:
    if method == "plain":
        return VERIFIER
    digest = hashlib.sha256(VERIFIER.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_each_code_challenge_method_verifies(site: Site, discovery: dict) -> None:
    methods = discovery["code_challenge_methods_supported"]
    assert "S256" in methods
    for method in methods:
        tokens = sign_in(
            site,
            verifier=VERIFIER,
            code_challenge=challenge(method),
            code_challenge_method=method,
        )
        assert "access_token" in tokens, method


def test_the_claims_are_those_of_an_id_token(site: Site, discovery: dict) -> None:
    id_token = sign_in(site, nonce="n-1")["id_token"]
    claims = jwt.decode(id_token, options={"verify_signature": False})
    assert sorted(discovery["claims_supported"]) == sorted(claims)
    assert discovery["id_token_signing_alg_values_supported"] == [
        jwt.get_unverified_header(id_token)["alg"]
    ]
