"""The device flow: device authorization, polling answers, the verification page."""

import re
import threading
import time

import pytest
import requests
from stub_helpers import api_get, call_token, oauth_error, post_device_form

from extern_stub import Site

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def start(site: Site, **extra: str) -> requests.Response:
    form = {
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "scope": "extern.api",
        **extra,
    }
    return requests.post(f"{site.base_url}/connect/deviceauthorization", data=form, timeout=5)


def poll(site: Site, device_code: str) -> requests.Response:
    form = {
        "grant_type": DEVICE_GRANT,
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "scope": "extern.api",
        "device_code": device_code,
    }
    return call_token(site, form)


@pytest.fixture
def device(site: Site) -> dict:
    answer = start(site)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_device_authorization_answer(site: Site, device: dict) -> None:
    assert set(device) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "interval",
        "expires_in",
    }
    assert device["verification_uri"] == f"{site.base_url}/device"
    assert device["verification_uri_complete"].startswith(device["verification_uri"] + "?")
    assert device["user_code"] in device["verification_uri_complete"]
    assert re.fullmatch("[A-Z]{4}-[A-Z]{4}", device["user_code"])
    assert re.fullmatch("[0-9A-F]{64}", device["device_code"])  # the sandbox's form
    assert device["interval"] == 1  # the fixture's short interval
    assert device["expires_in"] == 300


def test_pending_then_approved_then_spent(site: Site, device: dict) -> None:
    assert oauth_error(poll(site, device["device_code"])) == "authorization_pending"
    site.approve_device(device["user_code"])
    site.clock.advance(1)
    answer = poll(site, device["device_code"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert "refresh_token" in body
    assert api_get(site, "/v1", body["access_token"]).json()["total-count"] == 3  # the user's
    site.clock.advance(1)
    assert oauth_error(poll(site, device["device_code"])) == "invalid_grant"


def test_polling_faster_than_the_interval_is_slow_down_and_adds_5_seconds(
    site: Site, device: dict
) -> None:
    """RFC 8628 section 3.5: the interval grows by 5 s for this and every later poll."""
    site.clock.stop()  # the steps below come within 0.1 s of the interval
    interval = device["interval"]
    assert oauth_error(poll(site, device["device_code"])) == "authorization_pending"
    assert oauth_error(poll(site, device["device_code"])) == "slow_down"
    site.clock.advance(interval + 4.9)
    assert oauth_error(poll(site, device["device_code"])) == "slow_down"  # now interval + 10
    site.clock.advance(interval + 10)
    assert oauth_error(poll(site, device["device_code"])) == "authorization_pending"
    site.clock.advance(interval + 10)
    assert oauth_error(poll(site, device["device_code"])) == "authorization_pending"


def test_denied_device(site: Site, device: dict) -> None:
    site.deny_device(device["user_code"])
    assert oauth_error(poll(site, device["device_code"])) == "access_denied"


def test_expired_device(site: Site, device: dict) -> None:
    site.clock.advance(301)
    assert oauth_error(poll(site, device["device_code"])) == "expired_token"
    with pytest.raises(KeyError):
        site.approve_device(device["user_code"])


def test_unknown_device_code(site: Site) -> None:
    assert oauth_error(poll(site, "NOPE")) == "invalid_grant"


def test_device_code_of_another_client(site: Site, device: dict) -> None:
    service = site.registry.clients["stub-service-only-test"]
    form = {
        "grant_type": DEVICE_GRANT,
        "client_id": service.client_id,
        "client_secret": service.api_key,
        "device_code": device["device_code"],
    }
    # That client may not use the device grant at all.
    assert oauth_error(call_token(site, form)) == "unauthorized_client"


def test_missing_device_code_is_invalid_request(site: Site) -> None:
    assert oauth_error(poll(site, "")) == "invalid_request"


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"scope": "other.api"}, "invalid_scope"),
        ({"scope": ""}, "invalid_request"),
        ({"client_secret": "wrong"}, "invalid_client"),
    ],
)
def test_device_authorization_errors(site: Site, extra: dict, error: str) -> None:
    assert oauth_error(start(site, **extra)) == error


def test_user_code_is_accepted_in_any_case_without_hyphen(site: Site, device: dict) -> None:
    site.approve_device(device["user_code"].replace("-", "").lower())
    assert poll(site, device["device_code"]).status_code == 200


def test_auto_approve(site: Site) -> None:
    site.auto_approve_devices = True
    device = start(site).json()
    assert poll(site, device["device_code"]).status_code == 200


def test_approval_from_another_thread_while_polling(site: Site, device: dict) -> None:
    """What a snippet test does: poll at the interval, approve meanwhile."""
    threading.Timer(0.2, site.approve_device, [device["user_code"]]).start()
    deadline = time.monotonic() + 5
    while True:
        answer = poll(site, device["device_code"])
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
        assert oauth_error(answer) == "authorization_pending"
        time.sleep(device["interval"])
    assert answer.status_code == 200


def test_verification_page_approves_with_login(site: Site, device: dict) -> None:
    page = requests.get(device["verification_uri_complete"], timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert f'value="{device["user_code"]}"' in page.text
    done = post_device_form(
        site,
        user_code=device["user_code"],
        login=site.user_login,
        password=site.user_password,
        action="approve",
    )
    assert done.status_code == 200
    assert "approved" in done.text
    assert poll(site, device["device_code"]).status_code == 200


def test_verification_page_refuses_wrong_password(site: Site, device: dict) -> None:
    answer = post_device_form(
        site, user_code=device["user_code"], login=site.user_login, password="x"
    )
    assert answer.status_code == 400
    assert "Wrong login or password" in answer.text
    assert oauth_error(poll(site, device["device_code"])) == "authorization_pending"


def test_verification_page_refuses_unknown_code(site: Site) -> None:
    answer = post_device_form(
        site, user_code="BBBB-BBBB", login=site.user_login, password=site.user_password
    )
    assert answer.status_code == 400
    assert "Unknown or expired code" in answer.text


def test_verification_page_denies_after_sign_in(site: Site, device: dict) -> None:
    answer = post_device_form(
        site,
        user_code=device["user_code"],
        login=site.user_login,
        password=site.user_password,
        action="deny",
    )
    assert answer.status_code == 200
    assert oauth_error(poll(site, device["device_code"])) == "access_denied"


def test_verification_page_escapes_what_it_shows(site: Site) -> None:
    page = requests.get(f"{site.base_url}/device", params={"user_code": '"><b>x'}, timeout=5)
    assert "<b>x" not in page.text
    assert "&quot;&gt;&lt;b&gt;x" in page.text


def test_a_user_code_in_use_is_drawn_again(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two devices never share a user code: a code already given out is drawn again."""
    first = site.create_device(site.registry.clients[site.client_id], ("extern.api",))
    draws = iter([first.user_code, first.user_code.lower(), "WXYZ-BCDF"])
    monkeypatch.setattr(site.sequences, "user_code", lambda: next(draws))
    second = site.create_device(site.registry.clients[site.client_id], ("extern.api",))
    assert second.user_code == "WXYZ-BCDF"
