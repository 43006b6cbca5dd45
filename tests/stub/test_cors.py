"""Cross-origin requests: the documentation's pages may call the sandbox, no other page may."""

from pathlib import Path

import pytest
from werkzeug.test import Client

from extern_stub import StubServer, cors
from extern_stub.__main__ import parse_args
from extern_stub.app import SiteApp
from extern_stub.cors import (
    DOCS_ORIGIN_FILE,
    PREVIEW_ORIGINS,
    OriginError,
    default_origins,
    origin,
)

DOCS = "https://docs.example.org"
FOREIGN = "https://evil.example"


@pytest.fixture
def client(stub: StubServer) -> Client:
    """The test site, allowing the preview's origins and DOCS."""
    return Client(SiteApp(stub.sites["test"], origins=[*PREVIEW_ORIGINS, DOCS]))


def token_form(stub: StubServer) -> dict[str, str]:
    site = stub.sites["test"]
    return {
        "grant_type": "client_credentials",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "scope": "extern.api",
    }


def preflight(client: Client, path: str, sent: str, **headers: str):
    return client.options(
        path,
        headers={"Origin": sent, "Access-Control-Request-Method": "POST", **headers},
    )


@pytest.mark.parametrize("allowed", [*PREVIEW_ORIGINS, DOCS])
def test_an_allowed_origin_reads_the_token_answer(
    client: Client, stub: StubServer, allowed: str
) -> None:
    answer = client.post("/connect/token", data=token_form(stub), headers={"Origin": allowed})
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == allowed
    assert "X-Kontur-Trace-Id" in answer.headers["Access-Control-Expose-Headers"]
    assert "Origin" in answer.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in answer.headers


def test_a_preflight_of_an_allowed_origin_names_it_and_no_more(client: Client) -> None:
    answer = preflight(
        client,
        "/v1",
        "http://localhost:8000",
        **{"Access-Control-Request-Headers": "authorization, x-anything"},
    )
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    assert answer.headers["Access-Control-Allow-Methods"] == "GET, POST"
    # The headers the examples send, not an echo of the request's.
    assert answer.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert "Access-Control-Allow-Private-Network" not in answer.headers


def test_the_private_network_preflight_is_answered_for_an_allowed_origin(client: Client) -> None:
    answer = preflight(
        client, "/connect/token", DOCS, **{"Access-Control-Request-Private-Network": "true"}
    )
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Private-Network"] == "true"
    assert answer.headers["Access-Control-Allow-Origin"] == DOCS


@pytest.mark.parametrize(
    "foreign",
    [FOREIGN, "null", "http://127.0.0.1:8001", "https://docs.example.org:8443", DOCS + ".evil"],
)
def test_a_foreign_origin_gets_nothing(client: Client, stub: StubServer, foreign: str) -> None:
    """Neither the preflight nor the request itself: 403, no CORS header, no token issued."""
    checked = preflight(
        client, "/connect/token", foreign, **{"Access-Control-Request-Private-Network": "true"}
    )
    sent = client.post("/connect/token", data=token_form(stub), headers={"Origin": foreign})
    for answer in (checked, sent):
        assert answer.status_code == 403
        names = [name for name, _ in answer.headers.items()]
        assert not [name for name in names if name.startswith("Access-Control-")]
        assert f"--allow-origin {foreign}" in answer.json["error_description"]
    # The seeded sequence's first token is still to come: the refused request took none.
    first = client.post("/connect/token", data=token_form(stub)).json["access_token"]
    stub.reset()
    assert first == client.post("/connect/token", data=token_form(stub)).json["access_token"]


def test_requests_without_an_origin_are_unchanged(client: Client, stub: StubServer) -> None:
    answer = client.post("/connect/token", data=token_form(stub))
    assert answer.status_code == 200
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_the_sign_in_pages_never_answer_another_origin(client: Client) -> None:
    """The device page is no CORS endpoint: its form keeps its own Origin check."""
    page = client.get("/device", headers={"Origin": DOCS})
    assert page.status_code == 200
    assert "Access-Control-Allow-Origin" not in page.headers
    posted = client.post("/device", data={"user_code": "X"}, headers={"Origin": DOCS})
    assert posted.status_code == 403
    assert "Access-Control-Allow-Origin" not in posted.headers
    assert preflight(client, "/device", DOCS).status_code == 405


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HTTPS://Docs.Example.org/", "https://docs.example.org"),
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("https://docs.example.org:8443", "https://docs.example.org:8443"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_origins_are_written_as_browsers_send_them(text: str, expected: str) -> None:
    assert origin(text) == expected


@pytest.mark.parametrize(
    "text", ["*", "null", "file://", "docs.example.org", "https://x.org/path", "https://u@x.org"]
)
def test_anything_but_an_origin_is_refused(text: str) -> None:
    with pytest.raises(OriginError):
        origin(text)


def test_the_published_site_is_allowed_from_docs_base_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCS_BASE_URL", "https://docs.example.org/extern-auth/")
    assert default_origins() == (*PREVIEW_ORIGINS, "https://docs.example.org")
    monkeypatch.delenv("DOCS_BASE_URL")
    assert default_origins() == PREVIEW_ORIGINS


def test_allow_origin_option(capsys: pytest.CaptureFixture[str]) -> None:
    args, _ = parse_args(["--allow-origin", "https://Docs.Example.org/", "--allow-origin", DOCS])
    assert args.allow_origin == ["https://docs.example.org", DOCS]
    with pytest.raises(SystemExit):
        parse_args(["--allow-origin", "*"])
    assert "is not an origin" in capsys.readouterr().err


def test_the_published_site_is_allowed_from_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The documentation's build writes its site's origin into the sandbox package."""
    monkeypatch.delenv("DOCS_BASE_URL", raising=False)
    (tmp_path / DOCS_ORIGIN_FILE).write_text("https://docs.example.org\n", encoding="utf-8")
    monkeypatch.setattr(cors.resources, "files", lambda package: tmp_path)
    assert default_origins() == (*PREVIEW_ORIGINS, "https://docs.example.org")
