"""The password grant (the official SDK's) and refresh tokens."""

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from stub_helpers import api_get, call_token, get_token, oauth_error, password_form

from extern_stub import Site
from extern_stub.sites import MAX_FAILURES, MAX_PASSWORD_KEYS, PASSWORD_KEY_LIMIT, User


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


# -- guessing limit of the password grant (RFC 6749 section 4.3.2) --------------------------


@pytest.fixture
def window(site: Site) -> float:
    """A failure window no slow machine leaves by itself; tests move the clock over it."""
    site.failure_window = 3600
    return site.failure_window


def guess(site: Site, **extra: str) -> requests.Response:
    return call_token(site, password_form(site, password="guess", **extra))


def test_wrong_passwords_lock_the_login_for_the_window(site: Site, window: float) -> None:
    for _ in range(MAX_FAILURES):
        answer = guess(site)
        assert oauth_error(answer) == "invalid_grant"
        assert "Retry-After" not in answer.headers
    # Even the right password is not checked now: nothing tells a guess from it.
    locked = call_token(site, password_form(site))
    assert oauth_error(locked) == "invalid_grant"
    assert "Too many wrong passwords" in locked.json()["error_description"]
    assert 0 < int(locked.headers["Retry-After"]) <= window
    site.clock.advance(window / 2)
    assert oauth_error(call_token(site, password_form(site))) == "invalid_grant"
    site.clock.advance(window / 2)
    get_token(site, password_form(site))


def test_the_lock_is_per_login_and_client(
    site: Site, window: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = User("other@test.stub", "other-password", ())
    users = {**site.registry.users, other.login: other}
    monkeypatch.setattr(site, "registry", dataclasses.replace(site.registry, users=users))
    for _ in range(MAX_FAILURES):
        guess(site)
    assert "Too many" in guess(site).json()["error_description"]
    get_token(site, password_form(site, username=other.login, password=other.password))
    assert site.password_locked_for("another-client", site.user_login) == 0
    assert site.password_locked_for(site.client_id, site.user_login) > 0


def test_a_right_password_forgets_the_wrong_ones_before_it(site: Site, window: float) -> None:
    for _ in range(MAX_FAILURES - 1):
        guess(site)
    get_token(site, password_form(site))
    for _ in range(MAX_FAILURES - 1):
        guess(site)
    get_token(site, password_form(site))


def test_concurrent_guesses_are_counted_exactly(site: Site, window: float) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: guess(site).json(), range(2 * MAX_FAILURES)))
    wrong = [a for a in answers if a["error_description"] == "Wrong login or password."]
    assert len(wrong) == MAX_FAILURES


def test_the_failures_remembered_are_bounded(site: Site) -> None:
    for number in range(MAX_PASSWORD_KEYS + 5):
        site.note_password_failure(site.client_id, f"user-{number}")
    site.note_password_failure(site.client_id, "x" * 5000)
    assert len(site.state.password_failures) == MAX_PASSWORD_KEYS
    assert (site.client_id, "x" * PASSWORD_KEY_LIMIT) in site.state.password_failures
    assert (site.client_id, "user-0") not in site.state.password_failures  # the oldest went
