"""A standard OAuth 2.0 client library works against the stub as an integrator would use it.

requests-oauthlib refuses plain HTTP unless OAUTHLIB_INSECURE_TRANSPORT is set; the stub is
local plain HTTP, so that is the one setting these tests make.
"""

import pytest
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

from extern_stub import Site


@pytest.fixture(autouse=True)
def plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.mark.parametrize("include_client_id", [False, True], ids=["basic", "body"])
def test_client_credentials_with_requests_oauthlib(site: Site, include_client_id: bool) -> None:
    session = OAuth2Session(client=BackendApplicationClient(client_id=site.client_id))
    token = session.fetch_token(
        token_url=f"{site.base_url}/connect/token",
        client_id=site.client_id,
        client_secret=site.api_key,
        scope=["extern.api"],
        include_client_id=include_client_id,
    )
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 86400
    (sent,) = site.requests
    assert sent.form["grant_type"] == "client_credentials"
    assert (sent.basic_auth is None) == include_client_id
    accounts = session.get(f"{site.base_url}/v1", params={"skip": 0, "take": 10}, timeout=5)
    assert accounts.status_code == 200
    assert accounts.json()["total-count"] == 3


def test_authorization_code_with_requests_oauthlib(site: Site) -> None:
    session = OAuth2Session(
        client_id=site.client_id,
        redirect_uri="http://127.0.0.1:8400/callback",
        scope=["openid", "extern.api"],
    )
    url, state = session.authorization_url(f"{site.base_url}/connect/authorize")
    redirected_to = site.authorize(url)
    assert f"state={state}" in redirected_to
    token = session.fetch_token(
        f"{site.base_url}/connect/token",
        authorization_response=redirected_to,
        client_secret=site.api_key,
    )
    assert token["token_type"] == "Bearer"
    assert session.get(f"{site.base_url}/v1", timeout=5).status_code == 200
    refreshed = session.refresh_token(
        f"{site.base_url}/connect/token",
        client_id=site.client_id,
        client_secret=site.api_key,
    )
    assert refreshed["access_token"] != token["access_token"]
