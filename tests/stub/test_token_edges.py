"""Edges of the token endpoint and of request parsing: the exact second a code or device
expires, the polling interval, the 300-character limit, charsets, query strings, and UTF-8."""

import urllib.parse

import pytest
import requests
from stub_helpers import CALLBACK, TIMEOUT, call_token, client_credentials, exchange, oauth_error

from extern_stub import Site

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def frozen(site: Site, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Stop the site's clock; the returned one-item list holds the time it shows."""
    now = [site.clock.now()]
    monkeypatch.setattr(site.clock, "now", lambda: now[0])
    return now


def authorization_code(site: Site, **extra: str) -> str:
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": site.client_id,
            "redirect_uri": CALLBACK,
            "scope": "openid extern.api",
            "state": "s",
            **extra,
        }
    )
    location = site.authorize(f"{site.base_url}/connect/authorize?{query}")
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]


def start_device(site: Site) -> dict:
    form = {"client_id": site.client_id, "client_secret": site.api_key, "scope": "extern.api"}
    answer = requests.post(
        f"{site.base_url}/connect/deviceauthorization", data=form, timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def poll(site: Site, device_code: str, **extra: str) -> requests.Response:
    form = {
        "grant_type": DEVICE_GRANT,
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "device_code": device_code,
        **extra,
    }
    return call_token(site, form)


def test_a_code_is_refused_from_the_second_it_expires(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = authorization_code(site)
    now = frozen(site, monkeypatch)
    now[0] = site.state.codes[code].expires_at
    assert oauth_error(exchange(site, code)) == "invalid_grant"


def test_a_device_code_is_expired_from_the_second_it_expires(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = frozen(site, monkeypatch)
    device = start_device(site)
    now[0] = site.state.devices[device["device_code"]].expires_at
    assert oauth_error(poll(site, device["device_code"])) == "expired_token"


def test_polling_exactly_interval_seconds_apart_is_not_too_fast(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 8628 section 3.4: the client waits at least ``interval`` seconds between polls."""
    now = frozen(site, monkeypatch)
    device = start_device(site)
    assert oauth_error(poll(site, device["device_code"])) == "authorization_pending"
    now[0] += device["interval"]
    assert oauth_error(poll(site, device["device_code"])) == "authorization_pending"


def test_a_device_poll_needs_no_scope_and_checks_one_it_is_given(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = frozen(site, monkeypatch)
    device = start_device(site)
    code = device["device_code"]
    assert oauth_error(poll(site, code)) == "authorization_pending"
    now[0] += 60
    # The device flow has a user: user scopes the client may ask for are fine.
    assert oauth_error(poll(site, code, scope="openid extern.api")) == "authorization_pending"
    now[0] += 60
    assert oauth_error(poll(site, code, scope="no.such.scope")) == "invalid_scope"


def test_a_scope_of_only_spaces_is_invalid_scope(site: Site) -> None:
    assert oauth_error(call_token(site, client_credentials(site, scope="  "))) == "invalid_scope"


@pytest.mark.parametrize("field", ["client_id", "client_secret"])
def test_credentials_of_exactly_300_characters_are_not_too_long(site: Site, field: str) -> None:
    form = client_credentials(site, **{field: "a" * 300})
    assert oauth_error(call_token(site, form)) == "invalid_client"  # unknown, not too long
    answer = call_token(site, client_credentials(site, **{field: "a" * 301}))
    assert oauth_error(answer) == "invalid_request"
    # The description names the parameter that is too long.
    assert field in answer.json()["error_description"].split()[0]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8", "us-ascii", "ascii", "ASCII"])
def test_utf8_and_ascii_charsets_are_accepted(site: Site, charset: str) -> None:
    body = urllib.parse.urlencode(client_credentials(site))
    content_type = f"application/x-www-form-urlencoded; charset={charset}"
    answer = call_token(site, body, headers={"Content-Type": content_type})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/json; charset=utf-8"])
def test_a_wrong_content_type_is_named_in_the_error(site: Site, content_type: str) -> None:
    body = urllib.parse.urlencode(client_credentials(site))
    answer = call_token(site, body, headers={"Content-Type": content_type})
    assert oauth_error(answer) == "invalid_request"
    assert content_type in answer.json()["error_description"]


def test_non_ascii_text_in_answers_is_sent_as_utf8(site: Site) -> None:
    """Non-ASCII text in a JSON answer is UTF-8, not \\u escapes, as the real servers send it."""
    answer = call_token(site, client_credentials(site, grant_type="получение"))
    assert oauth_error(answer) == "unsupported_grant_type"
    assert "получение".encode() in answer.content
    assert b"\\u" not in answer.content


@pytest.mark.parametrize("query", ["scope=%FF", "state=%C3%28", "%FF="])
def test_a_query_string_that_is_not_utf8_is_invalid_request(site: Site, query: str) -> None:
    answer = requests.get(f"{site.base_url}/connect/authorize?{query}", timeout=TIMEOUT)
    assert oauth_error(answer) == "invalid_request"


def test_a_query_of_more_than_100_parameters_is_invalid_request(site: Site) -> None:
    query = "&".join(f"p{i}=1" for i in range(101))
    answer = requests.get(f"{site.base_url}/connect/authorize?{query}", timeout=TIMEOUT)
    assert oauth_error(answer) == "invalid_request"


def test_a_query_of_100_parameters_is_read(site: Site) -> None:
    query = "&".join(f"p{i}=" for i in range(100))
    answer = requests.get(f"{site.base_url}/connect/authorize?{query}", timeout=TIMEOUT)
    # Read, then refused for what it lacks: no client_id.
    assert oauth_error(answer) == "invalid_client"


def test_a_repeated_query_parameter_is_invalid_request(site: Site) -> None:
    answer = requests.get(f"{site.base_url}/connect/authorize?a=1&a=2", timeout=TIMEOUT)
    assert oauth_error(answer) == "invalid_request"
    assert "'a'" in answer.json()["error_description"]
