"""Races: one token per authorization code, per device and per refresh token however many
requests try at once, and the sign-in forms' failure count exact under concurrent posts."""

import urllib.parse
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from stub_helpers import CALLBACK, call_token, exchange, password_form, post_device_form

from extern_stub import Site
from extern_stub.sites import DEVICE_CODE_GRANT, MAX_FAILURES

#: Requests sent at once in each race.
RACERS = 20


def race(request: Callable[[], requests.Response], count: int = RACERS) -> Counter:
    """The statuses of ``count`` concurrent calls of ``request``."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return Counter(pool.map(lambda _: request().status_code, range(count)))


def test_one_token_per_authorization_code(site: Site) -> None:
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": site.client_id,
            "redirect_uri": CALLBACK,
            "scope": "extern.api",
            "state": "s",
        }
    )
    location = site.authorize(f"{site.base_url}/connect/authorize?{query}")
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))["code"]
    assert race(lambda: exchange(site, code)) == {200: 1, 400: RACERS - 1}


def test_one_token_per_device(site: Site) -> None:
    device = site.create_device(site.registry.clients[site.client_id], ("extern.api",))
    site.approve_device(device.user_code)
    form = {
        "grant_type": DEVICE_CODE_GRANT,
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "device_code": device.device_code,
    }
    assert race(lambda: call_token(site, form)) == {200: 1, 400: RACERS - 1}


def test_one_token_per_refresh_token(site: Site) -> None:
    refresh_token = call_token(site, password_form(site)).json()["refresh_token"]
    form = {
        "grant_type": "refresh_token",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "refresh_token": refresh_token,
    }
    assert race(lambda: call_token(site, form)) == {200: 1, 400: RACERS - 1}


@pytest.fixture
def window(site: Site) -> float:
    site.failure_window = 3600
    return site.failure_window


def test_the_form_failure_count_is_exact_under_concurrent_posts(site: Site, window: float) -> None:
    wrong = {"user_code": "BBBB-BBBB", "login": site.user_login, "password": site.user_password}
    statuses = race(lambda: post_device_form(site, **wrong), count=2 * RACERS)
    assert statuses == {400: MAX_FAILURES, 429: 2 * RACERS - MAX_FAILURES}
