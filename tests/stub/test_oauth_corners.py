"""OAuth corners where the sandbox follows the RFCs, and the one where it imitates Kontur:
a loopback redirect URI with any port (RFC 8252 section 7.3), prompt=none without a sign-in
(OpenID Connect Core section 3.1.2.6), and wrong client credentials in HTTP Basic only
(RFC 6749 section 5.2: 401), while with credentials in the body the answer stays Kontur's 400."""

import urllib.parse

import pytest
import requests
from stub_helpers import TIMEOUT, call_token, client_credentials, exchange, oauth_error

from extern_stub import Site
from extern_stub.identity import without_loopback_port


def authorize_url(site: Site, redirect_uri: str, **extra: str) -> str:
    query = {
        "response_type": "code",
        "client_id": site.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid extern.api",
        "state": "s-7",
        **extra,
    }
    return f"{site.base_url}/connect/authorize?{urllib.parse.urlencode(query)}"


def query_of(location: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


# -- loopback redirect URIs (RFC 8252 section 7.3) ---------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:51234/callback",
        "http://127.0.0.1/callback",
        "http://localhost:1/callback",
        "http://127.0.0.1:65535/callback",
    ],
)
def test_a_loopback_redirect_uri_may_use_any_port(site: Site, redirect_uri: str) -> None:
    location = site.authorize(authorize_url(site, redirect_uri))
    assert location.startswith(redirect_uri + "?")
    code = query_of(location)["code"]
    assert exchange(site, code, redirect_uri=redirect_uri).status_code == 200


def test_the_exchange_still_needs_the_same_port(site: Site) -> None:
    location = site.authorize(authorize_url(site, "http://127.0.0.1:51234/callback"))
    other_port = "http://127.0.0.1:51235/callback"
    assert oauth_error(exchange(site, query_of(location)["code"], redirect_uri=other_port)) == (
        "invalid_grant"
    )


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:51234/other",
        "https://127.0.0.1:51234/callback",
        "http://127.0.0.2:51234/callback",
        "http://evil@127.0.0.1:51234/callback",
        "http://127.0.0.1:51234/callback?x=1",
        "http://127.0.0.1:51234/callback#f",
        "http://127.0.0.1:notaport/callback",
        "http://127.0.0.1:65536/callback",
        "http://127.0.0.1:+80/callback",
    ],
)
def test_anything_else_than_the_port_must_match(site: Site, redirect_uri: str) -> None:
    answer = requests.get(authorize_url(site, redirect_uri), allow_redirects=False, timeout=TIMEOUT)
    assert oauth_error(answer) == "invalid_request"


@pytest.mark.parametrize(
    ("uri", "portless"),
    [
        ("http://127.0.0.1:8400/cb?x=1", "http://127.0.0.1/cb?x=1"),
        ("http://[::1]:8400/cb", "http://[::1]/cb"),
        ("http://[::1]/cb", "http://[::1]/cb"),
        ("http://localhost/cb", "http://localhost/cb"),
        ("https://127.0.0.1:8400/cb", None),
        ("http://example.org:8400/cb", None),
        ("http://127.0.0.1:８０/cb", None),
    ],
)
def test_the_port_of_a_loopback_uri_is_what_is_left_out(uri: str, portless: str | None) -> None:
    assert without_loopback_port(uri) == portless


# -- prompt=none (OpenID Connect Core section 3.1.2.6) -------------------------------------------


def test_prompt_none_without_a_sign_in_redirects_with_login_required(site: Site) -> None:
    redirect_uri = "http://127.0.0.1:8400/callback"
    answer = requests.get(
        authorize_url(site, redirect_uri, prompt="none"), allow_redirects=False, timeout=TIMEOUT
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(redirect_uri + "?")
    params = query_of(answer.headers["Location"])
    assert params["error"] == "login_required"
    assert params["state"] == "s-7"
    assert params["error_description"] == "Nobody is signed in: the sandbox keeps no sign-in."


@pytest.mark.parametrize("prompt", ["login", "consent", "login consent", "select_account"])
def test_other_prompts_show_the_page(site: Site, prompt: str) -> None:
    url = authorize_url(site, "http://127.0.0.1:8400/callback", prompt=prompt)
    answer = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 200
    assert 'name="password"' in answer.text


def test_prompt_none_with_another_value_is_invalid_request(site: Site) -> None:
    url = authorize_url(site, "http://127.0.0.1:8400/callback", prompt="none login")
    answer = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert answer.status_code == 302
    assert query_of(answer.headers["Location"])["error"] == "invalid_request"


# -- wrong client credentials ------------------------------------------------------------------


def test_wrong_credentials_in_basic_only_are_401_with_a_basic_challenge(site: Site) -> None:
    form = {"grant_type": "client_credentials", "scope": "extern.api"}
    for auth in ((site.client_id, "wrong"), ("unknown", site.api_key), (site.client_id, "")):
        answer = call_token(site, form, auth=auth)
        assert oauth_error(answer, 401) == "invalid_client"
        assert answer.headers["WWW-Authenticate"] == 'Basic realm="Kontur sandbox"'


def test_wrong_credentials_in_basic_only_at_device_authorization_are_401(site: Site) -> None:
    answer = requests.post(
        f"{site.base_url}/connect/deviceauthorization",
        data={"scope": "extern.api"},
        auth=(site.client_id, "wrong"),
        timeout=TIMEOUT,
    )
    assert oauth_error(answer, 401) == "invalid_client"


def test_wrong_credentials_in_the_body_stay_400_as_kontur_documents(site: Site) -> None:
    """FACTS: Kontur's token endpoint answers 400 invalid_client; the official SDK sends the
    credentials in the body and in Basic, and reads error bodies on 400 only."""
    wrong = client_credentials(site, client_secret="wrong")
    answer = call_token(site, wrong)
    assert oauth_error(answer) == "invalid_client"
    assert "WWW-Authenticate" not in answer.headers
    both = call_token(site, wrong, auth=(site.client_id, "wrong"))
    assert oauth_error(both) == "invalid_client"
    assert "WWW-Authenticate" not in both.headers


@pytest.mark.parametrize("in_body", ["client_id", "client_secret"])
def test_wrong_basic_with_one_credential_in_the_body_stays_400(site: Site, in_body: str) -> None:
    form = {"grant_type": "client_credentials", "scope": "extern.api"}
    form[in_body] = {"client_id": site.client_id, "client_secret": "wrong"}[in_body]
    answer = call_token(site, form, auth=(site.client_id, "wrong"))
    assert oauth_error(answer) == "invalid_client"


def test_other_errors_in_basic_only_stay_400(site: Site) -> None:
    form = {"grant_type": "client_credentials", "scope": "extern.api"}
    answer = call_token(site, form, auth=(site.client_id, "x" * 301))
    assert oauth_error(answer) == "invalid_request"
    assert "WWW-Authenticate" not in answer.headers
