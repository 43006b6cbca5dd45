"""The sign-in forms (/device and /connect/authorize): sign-in before any decision, an
anti-forgery token and an Origin check on every post, and a limit on wrong codes and passwords
(RFC 8628 section 5.1)."""

import dataclasses
import urllib.parse

import pytest
import requests
from stub_helpers import TIMEOUT, csrf_field, post_device_form, post_from_page

from extern_stub import Site
from extern_stub.sites import FAILURE_WINDOW, MAX_FAILURES, User

CALLBACK = "http://127.0.0.1:8400/callback"


def new_device(site: Site) -> str:
    return site.create_device(site.registry.clients[site.client_id], ("extern.api",)).user_code


def device_status(site: Site, user_code: str) -> str:
    (device,) = (d for d in site.state.devices.values() if d.user_code == user_code)
    return device.status


def authorize_query(site: Site, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": site.client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid extern.api",
        "state": "s-1",
        **extra,
    }


def authorize_page(site: Site, **extra: str) -> str:
    query = urllib.parse.urlencode(authorize_query(site, **extra))
    return f"{site.base_url}/connect/authorize?{query}"


def test_deny_without_signing_in_is_refused(site: Site) -> None:
    user_code = new_device(site)
    answer = post_device_form(site, user_code=user_code, action="deny")
    assert answer.status_code == 400
    assert "Wrong login or password" in answer.text
    assert device_status(site, user_code) == "pending"


def test_deny_with_a_wrong_password_is_refused(site: Site) -> None:
    user_code = new_device(site)
    answer = post_device_form(
        site, user_code=user_code, action="deny", login=site.user_login, password="nope"
    )
    assert answer.status_code == 400
    assert device_status(site, user_code) == "pending"


def signed_in(site: Site, **extra: str) -> dict[str, str]:
    return {"login": site.user_login, "password": site.user_password, **extra}


def test_a_device_post_without_the_token_is_403(site: Site) -> None:
    user_code = new_device(site)
    form = signed_in(site, user_code=user_code)
    answer = requests.post(f"{site.base_url}/device", data=form, timeout=TIMEOUT)
    assert answer.status_code == 403
    assert device_status(site, user_code) == "pending"


def test_a_device_post_with_a_token_of_another_browser_is_403(site: Site) -> None:
    user_code = new_device(site)
    with requests.Session() as attacker, requests.Session() as victim:
        token = csrf_field(attacker.get(f"{site.base_url}/device", timeout=TIMEOUT))
        victim.get(f"{site.base_url}/device", timeout=TIMEOUT)  # the victim's own cookie
        form = signed_in(site, user_code=user_code, csrf_token=token)
        answer = victim.post(f"{site.base_url}/device", data=form, timeout=TIMEOUT)
    assert answer.status_code == 403
    assert device_status(site, user_code) == "pending"


def test_the_token_cookie_is_http_only_strict_and_per_site(site: Site, production: Site) -> None:
    page = requests.get(f"{site.base_url}/device", timeout=TIMEOUT)
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith(f"stub_csrf_test={csrf_field(page)};")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    other = requests.get(f"{production.base_url}/device", timeout=TIMEOUT)
    assert other.headers["Set-Cookie"].startswith("stub_csrf_production=")


def post_with_origin(site: Site, page_url: str, target: str, origin: str, data: dict):
    with requests.Session() as browser:
        token = csrf_field(browser.get(page_url, timeout=TIMEOUT))
        return browser.post(
            target,
            data={"csrf_token": token, **data},
            headers={"Origin": origin},
            allow_redirects=False,
            timeout=TIMEOUT,
        )


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:1"])
def test_a_device_post_from_another_origin_is_403(site: Site, origin: str) -> None:
    user_code = new_device(site)
    url = f"{site.base_url}/device"
    answer = post_with_origin(site, url, url, origin, signed_in(site, user_code=user_code))
    assert answer.status_code == 403
    assert device_status(site, user_code) == "pending"


def test_a_device_post_from_its_own_origin_is_accepted(site: Site) -> None:
    user_code = new_device(site)
    url = f"{site.base_url}/device"
    answer = post_with_origin(site, url, url, site.base_url, signed_in(site, user_code=user_code))
    assert answer.status_code == 200
    assert device_status(site, user_code) == "approved"


@pytest.mark.parametrize("action", ["allow", "deny"])
def test_an_authorize_post_without_the_token_is_403_and_no_redirect(
    site: Site, action: str
) -> None:
    form = {**authorize_query(site), **signed_in(site), "action": action}
    answer = requests.post(
        f"{site.base_url}/connect/authorize", data=form, allow_redirects=False, timeout=TIMEOUT
    )
    assert answer.status_code == 403
    assert "Location" not in answer.headers
    assert site.state.codes == {}


def test_an_authorize_post_from_another_origin_is_403(site: Site) -> None:
    form = {**authorize_query(site), **signed_in(site), "action": "allow"}
    target = f"{site.base_url}/connect/authorize"
    answer = post_with_origin(site, authorize_page(site), target, "https://evil.example", form)
    assert answer.status_code == 403
    assert site.state.codes == {}


def test_an_authorize_post_with_the_token_redirects_with_a_code(site: Site) -> None:
    form = {**authorize_query(site), **signed_in(site), "action": "allow"}
    target = f"{site.base_url}/connect/authorize"
    answer = post_with_origin(site, authorize_page(site), target, site.base_url, form)
    assert answer.status_code == 302
    assert "code=" in answer.headers["Location"]


@pytest.fixture
def window(site: Site) -> float:
    """A failure window long enough that a slow machine stays inside it; tests move the
    clock over it instead of waiting."""
    site.failure_window = 3600
    return site.failure_window


def test_wrong_user_codes_are_limited(site: Site, window: float) -> None:
    real = new_device(site)
    for _ in range(MAX_FAILURES):
        answer = post_device_form(site, **signed_in(site, user_code="BBBB-BBBB"))
        assert answer.status_code == 400
    # Even the right code is not checked now: nothing tells a guess from the real one.
    refused = post_device_form(site, **signed_in(site, user_code=real))
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= window
    assert device_status(site, real) == "pending"
    site.clock.advance(window)
    fresh = new_device(site)  # the first one has expired meanwhile
    assert post_device_form(site, **signed_in(site, user_code=fresh)).status_code == 200


def test_wrong_passwords_are_limited_on_both_forms(site: Site, window: float) -> None:
    user_code = new_device(site)
    target = f"{site.base_url}/connect/authorize"
    wrong = {**authorize_query(site), "login": site.user_login, "password": "guess"}
    for attempt in range(MAX_FAILURES):
        if attempt % 2:
            answer = post_from_page(authorize_page(site), target, wrong, allow_redirects=False)
        else:
            answer = post_device_form(site, user_code=user_code, login="x", password="guess")
        assert answer.status_code == 400
    right = {**authorize_query(site), **signed_in(site), "action": "allow"}
    refused = post_from_page(authorize_page(site), target, right, allow_redirects=False)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    site.clock.advance(window / 2)  # still inside the window, however slow the machine
    again = post_from_page(authorize_page(site), target, right, allow_redirects=False)
    assert again.status_code == 429
    site.clock.advance(window / 2)
    assert post_from_page(authorize_page(site), target, right, allow_redirects=False).is_redirect


def test_fewer_wrong_attempts_than_the_limit_are_not_refused(site: Site, window: float) -> None:
    for _ in range(MAX_FAILURES - 1):
        post_device_form(site, **signed_in(site, user_code="BBBB-BBBB"))
    user_code = new_device(site)
    assert post_device_form(site, **signed_in(site, user_code=user_code)).status_code == 200


def test_hidden_fields_of_the_login_page_are_escaped(site: Site) -> None:
    hostile = '"><script>alert(1)</script>'
    page = requests.get(authorize_page(site, state=hostile, nonce=hostile), timeout=TIMEOUT)
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert page.text.count("&quot;&gt;&lt;script&gt;") == 2


def test_form_pages_forbid_framing(site: Site) -> None:
    for url in (f"{site.base_url}/device", authorize_page(site)):
        page = requests.get(url, timeout=TIMEOUT)
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_form_pages_let_a_browser_post_their_form_and_follow_its_redirect(site: Site) -> None:
    """A browser sends `Origin: null` with a form post under "no-referrer", and holds the
    redirect after a post to form-action: the page names the redirect URI's origin."""
    device = requests.get(f"{site.base_url}/device", timeout=TIMEOUT)
    assert device.headers["Referrer-Policy"] == "same-origin"
    assert "form-action 'self';" in device.headers["Content-Security-Policy"]
    login = requests.get(authorize_page(site), timeout=TIMEOUT)
    assert login.headers["Referrer-Policy"] == "same-origin"
    policy = login.headers["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:8400;" in policy


def test_the_window_is_a_minute_by_default(site: Site) -> None:
    assert site.failure_window == FAILURE_WINDOW == 60


def test_a_repeated_user_code_prefills_nothing(site: Site) -> None:
    page = requests.get(
        f"{site.base_url}/device?user_code=BCDF-GHJK&user_code=BCDF-GHJL", timeout=TIMEOUT
    )
    assert 'name="user_code" value=""' in page.text


def test_a_repeated_approval_by_the_same_user_is_harmless(site: Site, window: float) -> None:
    """A double submit (or a reload of the answer) approves nothing new and counts no failure,
    before and after the device got its token."""
    user_code = new_device(site)
    for _ in range(MAX_FAILURES + 1):
        answer = post_device_form(site, **signed_in(site, user_code=user_code, action="allow"))
        assert answer.status_code == 200, answer.text
        assert "Device approved" in answer.text
    (device,) = site.state.devices.values()
    device.status = "used"  # as after the application's poll
    assert post_device_form(site, **signed_in(site, user_code=user_code)).status_code == 200
    assert len(site.state.failures) == 0
    assert post_device_form(site, **signed_in(site, user_code=new_device(site))).status_code == 200


def test_a_repeated_approval_is_checked_like_the_first(
    site: Site, window: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the user who approved, with the right password, hears that it is approved."""
    other = User("other@test.stub", "other-password", ())
    users = {**site.registry.users, other.login: other}
    monkeypatch.setattr(site, "registry", dataclasses.replace(site.registry, users=users))
    user_code = new_device(site)
    assert post_device_form(site, **signed_in(site, user_code=user_code)).status_code == 200
    wrong = post_device_form(
        site, user_code=user_code, login=site.user_login, password="guess", action="allow"
    )
    assert wrong.status_code == 400
    assert "Device approved" not in wrong.text
    theirs = post_device_form(site, user_code=user_code, login=other.login, password=other.password)
    assert theirs.status_code == 400
    denied = post_device_form(site, **signed_in(site, user_code=user_code, action="deny"))
    assert denied.status_code == 400
    assert len(site.state.failures) == 3
    assert device_status(site, user_code) == "approved"
