"""The token endpoint: client credentials, client authentication, malformed requests."""

import base64
import dataclasses
import re
import urllib.parse

import pytest
import requests
from stub_helpers import call_token, client_credentials, get_token, oauth_error
from werkzeug.test import Client

from extern_stub import Site
from extern_stub.app import SiteApp
from extern_stub.sites import load_registries


def test_client_credentials_answer_has_the_real_shape_and_headers(site: Site) -> None:
    answer = call_token(site, client_credentials(site))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert answer.headers["Cache-Control"] == "no-store, no-cache, max-age=0"
    assert answer.headers["Pragma"] == "no-cache"
    assert re.fullmatch("[0-9a-f]{32}", answer.headers["X-Kontur-Trace-Id"])
    body = answer.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert re.fullmatch("[0-9a-f]{64}", body["access_token"])
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400


def test_credentials_in_basic_only(site: Site) -> None:
    form = {"grant_type": "client_credentials", "scope": "extern.api"}
    answer = call_token(site, form, auth=(site.client_id, site.api_key))
    assert answer.status_code == 200, answer.text


def test_credentials_in_body_and_basic_when_they_agree(site: Site) -> None:
    """The official SDK sends them twice."""
    answer = call_token(site, client_credentials(site), auth=(site.client_id, site.api_key))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("which", [0, 1])
def test_body_and_basic_that_disagree_are_refused(site: Site, which: int) -> None:
    auth = [site.client_id, site.api_key]
    auth[which] += "x"
    answer = call_token(site, client_credentials(site), auth=tuple(auth))
    assert oauth_error(answer) == "invalid_client"


def test_basic_credentials_are_form_url_decoded(site: Site) -> None:
    """RFC 6749 2.3.1: a client may url-encode the parts before base64."""
    encoded = site.client_id.replace("-", "%2D")
    form = {"grant_type": "client_credentials", "scope": "extern.api"}
    answer = call_token(site, form, auth=(encoded, site.api_key))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "header", ["Bearer abc", "Basic !!!notbase64", "Basic", "Digest username=x"]
)
def test_other_authorization_headers_are_invalid_client(site: Site, header: str) -> None:
    answer = call_token(site, client_credentials(site), headers={"Authorization": header})
    assert oauth_error(answer) == "invalid_client"


@pytest.mark.parametrize("missing", ["client_id", "client_secret"])
def test_missing_client_credentials_are_invalid_client(site: Site, missing: str) -> None:
    form = client_credentials(site)
    del form[missing]
    assert oauth_error(call_token(site, form)) == "invalid_client"


def test_missing_scope_is_invalid_request(site: Site) -> None:
    form = client_credentials(site)
    del form["scope"]
    assert oauth_error(call_token(site, form)) == "invalid_request"


def test_missing_grant_type_is_invalid_request(site: Site) -> None:
    form = client_credentials(site)
    del form["grant_type"]
    assert oauth_error(call_token(site, form)) == "invalid_request"


def test_empty_value_counts_as_missing(site: Site) -> None:
    assert oauth_error(call_token(site, client_credentials(site, scope=""))) == "invalid_request"


def test_wrong_api_key_is_invalid_client(site: Site) -> None:
    form = client_credentials(site, client_secret="00000000-0000-0000-0000-000000000000")
    assert oauth_error(call_token(site, form)) == "invalid_client"


def test_the_documentation_placeholders_are_invalid_client(site: Site) -> None:
    form = client_credentials(site, client_id="extern.api", client_secret="123123")
    assert oauth_error(call_token(site, form)) == "invalid_client"


def test_test_key_on_production_is_invalid_client(site: Site, production: Site) -> None:
    assert site.api_key != production.api_key
    assert site.client_id != production.client_id
    assert oauth_error(call_token(production, client_credentials(site))) == "invalid_client"
    assert oauth_error(call_token(site, client_credentials(production))) == "invalid_client"
    # And each site takes its own key.
    assert get_token(production)["token_type"] == "Bearer"


@pytest.mark.parametrize("field", ["client_id", "client_secret"])
def test_credentials_longer_than_300_characters(site: Site, field: str) -> None:
    form = client_credentials(site, **{field: "a" * 301})
    assert oauth_error(call_token(site, form)) == "invalid_request"


@pytest.mark.parametrize("scope", ["openid", "profile", "email", "extern.api openid"])
def test_user_scopes_are_refused_without_a_user(site: Site, scope: str) -> None:
    form = client_credentials(site, scope=scope)
    assert oauth_error(call_token(site, form)) == "invalid_scope"


def test_unknown_scope_is_invalid_scope(site: Site) -> None:
    form = client_credentials(site, scope="extern.api other.api")
    assert oauth_error(call_token(site, form)) == "invalid_scope"


def test_unknown_grant_type(site: Site) -> None:
    form = client_credentials(site, grant_type="implicit")
    assert oauth_error(call_token(site, form)) == "unsupported_grant_type"


def test_grant_the_client_may_not_use(stub) -> None:
    site = stub.sites["test"]
    service = site.registry.clients["stub-service-only-test"]
    form = {
        "grant_type": "password",
        "client_id": service.client_id,
        "client_secret": service.api_key,
        "username": site.user_login,
        "password": site.user_password,
        "scope": "extern.api",
    }
    assert oauth_error(call_token(site, form)) == "unauthorized_client"


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", "multipart/form-data; boundary=x", None],
)
def test_wrong_content_type_is_invalid_request(site: Site, content_type: str | None) -> None:
    body = "grant_type=client_credentials&client_id=a&client_secret=b&scope=extern.api"
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = call_token(site, body.encode(), headers=headers)
    assert oauth_error(answer) == "invalid_request"


def test_the_misspelled_content_type_of_the_docs_is_refused(site: Site) -> None:
    body = "grant_type=client_credentials&scope=extern.api"
    headers = {"Content-Type": "application/x-www-form-unlencoded"}
    answer = call_token(site, body, headers=headers, auth=(site.client_id, site.api_key))
    assert oauth_error(answer) == "invalid_request"


def test_json_body_is_invalid_request(site: Site) -> None:
    answer = requests.post(
        f"{site.base_url}/connect/token", json=client_credentials(site), timeout=5
    )
    assert oauth_error(answer) == "invalid_request"


@pytest.mark.parametrize(
    "body",
    [
        b"grant_type=client_credentials&scope=extern.api&x=\xff\xfe",
        b"grant_type=client_credentials&scope=extern.api&x=%ff%fe",
        b"grant_type=client_credentials&scope=extern.api&%ff%fe=",  # a blank field counts
    ],
    ids=["raw-bytes", "percent-encoded", "blank-field"],
)
def test_bad_encoding_is_invalid_request(site: Site, body: bytes) -> None:
    answer = call_token(
        site,
        body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(site.client_id, site.api_key),
    )
    assert oauth_error(answer) == "invalid_request"


def test_non_utf8_charset_is_invalid_request(site: Site) -> None:
    answer = call_token(
        site,
        b"grant_type=client_credentials&scope=extern.api",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=koi8-r"},
        auth=(site.client_id, site.api_key),
    )
    assert oauth_error(answer) == "invalid_request"


def test_utf8_charset_parameter_is_fine(site: Site) -> None:
    body = "&".join(f"{k}={v}" for k, v in client_credentials(site).items())
    answer = call_token(
        site,
        body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    assert answer.status_code == 200, answer.text


def test_repeated_parameter_is_invalid_request(site: Site) -> None:
    form = [*client_credentials(site).items(), ("scope", "extern.api")]
    answer = call_token(site, form)
    assert oauth_error(answer) == "invalid_request"
    assert "scope" in answer.json()["error_description"]


def test_body_over_64_kib_is_413(site: Site) -> None:
    form = client_credentials(site, padding="x" * (64 * 1024))
    answer = call_token(site, form)
    assert oauth_error(answer, 413) == "invalid_request"


def test_body_of_64_kib_minus_a_little_is_read(site: Site) -> None:
    form = client_credentials(site)
    size = len("&".join(f"{k}={v}" for k, v in form.items()))
    form["padding"] = "x" * (64 * 1024 - size - len("&padding="))
    answer = call_token(site, form)
    assert answer.status_code == 200, answer.text


def test_get_is_405_in_the_oauth_shape(site: Site) -> None:
    answer = requests.get(f"{site.base_url}/connect/token", timeout=5)
    assert oauth_error(answer, 405) == "invalid_request"
    assert answer.headers["Allow"] == "POST"


def test_unknown_identity_path_is_404_in_the_oauth_shape(site: Site) -> None:
    answer = requests.post(f"{site.base_url}/connect/nothing", timeout=5)
    assert oauth_error(answer, 404) == "invalid_request"


def test_token_lifetime_is_configurable() -> None:
    from extern_stub import StubServer

    with StubServer(token_lifetime=60) as stub:
        assert get_token(stub.sites["test"])["expires_in"] == 60


def test_the_site_records_what_it_received(site: Site) -> None:
    call_token(site, client_credentials(site), auth=(site.client_id, site.api_key))
    (seen,) = site.requests
    assert seen.method == "POST"
    assert seen.path == "/connect/token"
    assert seen.content_type == "application/x-www-form-urlencoded"
    assert seen.form["grant_type"] == "client_credentials"
    assert seen.form["scope"] == "extern.api"
    assert seen.basic_auth == (site.client_id, site.api_key)
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert seen.status == 200
    assert len(seen.trace_id) == 32


@pytest.mark.parametrize("field", ["client_id", "client_secret"])
def test_a_valid_basic_header_with_a_wrong_body_value_is_refused(site: Site, field: str) -> None:
    form = client_credentials(site, **{field: "wrong"})
    answer = call_token(site, form, auth=(site.client_id, site.api_key))
    assert oauth_error(answer) == "invalid_client"


def test_basic_credentials_decode_plus_as_space() -> None:
    """RFC 6749 2.3.1 encodes with application/x-www-form-urlencoded: '+' is a space."""
    registry = load_registries()["test"]
    demo = next(iter(registry.clients.values()))
    spaced = dataclasses.replace(demo, api_key="key with spaces+and plus")
    site = Site("test", dataclasses.replace(registry, clients={demo.client_id: spaced}))
    form = {"grant_type": "client_credentials", "scope": "extern.api"}
    client = Client(SiteApp(site))

    def basic(secret: str) -> dict[str, str]:
        raw = f"{demo.client_id}:{secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}

    encoded = urllib.parse.quote_plus(spaced.api_key)  # key+with+spaces%2Band+plus
    assert client.post("/connect/token", data=form, headers=basic(encoded)).status_code == 200
    raw_plus = spaced.api_key.replace(" ", "+")  # '+' decodes to a space: not the key
    assert client.post("/connect/token", data=form, headers=basic(raw_plus)).status_code == 401


def test_a_form_of_more_than_100_parameters_is_invalid_request(site: Site) -> None:
    form = client_credentials(site) | {f"extra{i}": "1" for i in range(101)}
    assert oauth_error(call_token(site, form)) == "invalid_request"
