"""A registry of one's own (``--sites-file``, ``StubServer(registry_path=...)``): optional
fields take their documented defaults, and non-ASCII names are read as UTF-8."""

import json
import urllib.parse
from pathlib import Path

import pytest
import requests
from stub_helpers import TIMEOUT, get_token

from extern_stub import StubServer
from extern_stub.sites import load_registries

PACKAGED = Path(__file__).resolve().parents[2] / "extern_stub" / "sites.json"
MINIMAL_CLIENT = {
    "client_id": "minimal-client",
    "api_key": "minimal-key",
    "grant_types": ["client_credentials", "authorization_code"],
    "scopes": ["extern.api"],
}


@pytest.fixture
def registry_path(tmp_path: Path) -> Path:
    data = json.loads(PACKAGED.read_text("utf-8"))
    data["test"]["clients"].append(MINIMAL_CLIENT)
    data["test"]["users"].append({"login": "nobody@test.stub", "password": "pw"})
    data["test"]["accounts"][0]["organization-name"] = "ООО «Собственный реестр»"
    path = tmp_path / "sites.json"
    path.write_bytes(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    return path


def test_optional_fields_take_their_defaults(registry_path: Path) -> None:
    registry = load_registries(registry_path)["test"]
    client = registry.clients["minimal-client"]
    assert client.name == "minimal-client"  # no name: the client_id
    assert client.redirect_uris == ()
    assert client.accounts == ()
    assert registry.users["nobody@test.stub"].accounts == ()


def test_a_registry_file_is_read_as_utf8(registry_path: Path) -> None:
    with StubServer(registry_path=registry_path) as server:
        site = server.sites["test"]
        token = get_token(site)["access_token"]
        answer = requests.get(
            f"{site.base_url}/v1", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
        )
        names = {account["organization-name"] for account in answer.json()["accounts"]}
        assert "ООО «Собственный реестр»" in names


def test_a_client_without_accounts_sees_none(registry_path: Path) -> None:
    with StubServer(registry_path=registry_path) as server:
        site = server.sites["test"]
        form = {
            "grant_type": "client_credentials",
            "client_id": "minimal-client",
            "client_secret": "minimal-key",
            "scope": "extern.api",
        }
        token = get_token(site, form)["access_token"]
        answer = requests.get(
            f"{site.base_url}/v1", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
        )
        assert answer.json()["accounts"] == []


def test_a_client_without_redirect_uris_cannot_be_sent_back_to(registry_path: Path) -> None:
    with StubServer(registry_path=registry_path) as server:
        site = server.sites["test"]
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": "minimal-client",
                "redirect_uri": "http://127.0.0.1:8400/callback",
                "scope": "extern.api",
                "state": "s",
            }
        )
        answer = requests.get(
            f"{site.base_url}/connect/authorize?{query}", allow_redirects=False, timeout=TIMEOUT
        )
        assert answer.status_code == 400
