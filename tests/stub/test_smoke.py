"""First checks: a client-credentials token, the accounts list, the fixtures."""

import requests

from extern_stub import StubServer


def token(site, **extra):
    data = {
        "grant_type": "client_credentials",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "scope": "extern.api",
        **extra,
    }
    return requests.post(f"{site.base_url}/connect/token", data=data, timeout=5)


def test_client_credentials_then_accounts(stub: StubServer) -> None:
    site = stub.sites["test"]
    answer = token(site)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    accounts = requests.get(
        f"{site.base_url}/v1",
        params={"skip": 0, "take": 10},
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=5,
    )
    assert accounts.status_code == 200
    assert accounts.json()["total-count"] == 3


def test_env_points_at_the_site(stub: StubServer) -> None:
    env = stub.sites["test"].env()
    assert env["KONTUR_SITE"] == "test"
    assert env["KONTUR_IDENTITY_URL"] == stub.sites["test"].base_url
