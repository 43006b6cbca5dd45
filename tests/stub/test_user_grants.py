"""The password grant (the official SDK's) and refresh tokens."""

import pytest
from stub_helpers import api_get, call_token, get_token, oauth_error, password_form

from extern_stub import Site


def refresh_form(site: Site, refresh_token: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "refresh_token": refresh_token,
        **extra,
    }


def test_password_grant_gives_a_refresh_token(site: Site) -> None:
    body = get_token(site, password_form(site))
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["scope"] == "extern.api"
    assert api_get(site, "/v1", body["access_token"]).status_code == 200


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"password": "wrong"}, "invalid_grant"),
        ({"username": "nobody@test.stub"}, "invalid_grant"),
        ({"password": ""}, "invalid_request"),
        ({"scope": ""}, "invalid_request"),
        ({"scope": "extern.api other"}, "invalid_scope"),
    ],
)
def test_password_grant_errors(site: Site, extra: dict, error: str) -> None:
    assert oauth_error(call_token(site, password_form(site, **extra))) == error


def test_production_user_cannot_sign_in_on_test(site: Site, production: Site) -> None:
    form = password_form(site, username=production.user_login, password=production.user_password)
    assert oauth_error(call_token(site, form)) == "invalid_grant"


def test_refresh_token_gives_a_new_pair_once(site: Site) -> None:
    first = get_token(site, password_form(site))
    second = get_token(site, refresh_form(site, first["refresh_token"]))
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert api_get(site, "/v1", second["access_token"]).status_code == 200
    again = call_token(site, refresh_form(site, first["refresh_token"]))
    assert oauth_error(again) == "invalid_grant"


def test_refresh_with_narrower_scope_is_fine_wider_is_not(site: Site) -> None:
    first = get_token(site, password_form(site, scope="extern.api profile"))
    narrower = get_token(site, refresh_form(site, first["refresh_token"], scope="extern.api"))
    assert narrower["scope"] == "extern.api"
    wider = call_token(
        site, refresh_form(site, narrower["refresh_token"], scope="extern.api profile")
    )
    assert oauth_error(wider) == "invalid_scope"


def test_unknown_refresh_token(site: Site) -> None:
    assert oauth_error(call_token(site, refresh_form(site, "nope"))) == "invalid_grant"


def test_missing_refresh_token(site: Site) -> None:
    assert oauth_error(call_token(site, refresh_form(site, ""))) == "invalid_request"


def test_client_credentials_gives_no_refresh_token(site: Site) -> None:
    assert "refresh_token" not in get_token(site)
