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
        ("https://docs.example.org:443", "https://docs.example.org"),
        ("https://docs.example.org:444", "https://docs.example.org:444"),
        ("http://docs.example.org:443", "http://docs.example.org:443"),
        # The origin node and chromium give: new URL("https://Документы.Пример.РФ").origin
        ("https://Документы.Пример.РФ", "https://xn--d1acoigc6ae0f.xn--e1afmkfd.xn--p1ai"),
    ],
)
def test_origins_are_written_as_browsers_send_them(text: str, expected: str) -> None:
    assert origin(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "*",
        "null",
        "file://",
        "docs.example.org",
        "https://x.org/path",
        "https://u@x.org",
        "https://x.org/?q",
        "https://x.org/#f",
        "ftp://x.org",
        "https://",
    ],
)
def test_anything_but_an_origin_is_refused(text: str) -> None:
    with pytest.raises(OriginError):
        origin(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://x.org:port", "'https://x.org:port' has a malformed port"),
        (
            "https://x.org/path",
            "'https://x.org/path' is not an origin: give only scheme://host[:port]",
        ),
        (
            "ftp://x.org",
            "'ftp://x.org' is not an origin: it must be http:// or https://, then a host",
        ),
        ("https://пример..рф", "'https://пример..рф' has a host that is not a domain name"),
    ],
)
def test_a_refused_origin_is_named_with_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(OriginError) as refused:
        origin(text)
    assert str(refused.value) == message


def test_an_allowed_answer_varies_by_origin_and_a_preflight_lasts_ten_minutes(
    client: Client, stub: StubServer
) -> None:
    """A cache must not give one origin's answer to another."""
    answer = client.post("/connect/token", data=token_form(stub), headers={"Origin": DOCS})
    assert "origin" in {value.lower() for value in answer.headers.get("Vary", "").split(", ")}
    assert preflight(client, "/v1", DOCS).headers["Access-Control-Max-Age"] == "600"


def test_a_page_of_the_sandbox_itself_is_not_foreign(client: Client, stub: StubServer) -> None:
    """A same-origin request (the sandbox's own pages) carries Origin too: never refused."""
    own = "http://localhost"  # werkzeug's test client's host
    answer = client.post("/connect/token", data=token_form(stub), headers={"Origin": own})
    assert answer.status_code == 200


def test_the_refusal_says_how_to_allow_the_origin(client: Client, stub: StubServer) -> None:
    long = "https://" + "a" * 120 + ".example"
    answer = client.post("/connect/token", data=token_form(stub), headers={"Origin": long})
    shown = long[:100]
    assert answer.json["error_description"] == (
        f"The sandbox does not answer pages of {shown}: start it with --allow-origin {shown} "
        "to run the examples from there."
    )


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
