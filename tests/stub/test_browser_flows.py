"""The pages a person sees (/device, /connect/authorize, the result page), what they answer
to what a browser sends, and the sandbox's own browser (``Site.authorize``) that the examples'
tests sign in with."""

import dataclasses
import re
import urllib.parse
from collections.abc import Iterator

import pytest
import requests
from stub_helpers import (
    CALLBACK,
    TIMEOUT,
    api_get,
    assert_sentence,
    csrf_field,
    get_token,
    oauth_error,
    post_device_form,
    post_from_page,
)

from extern_stub import AuthorizeError, Site
from extern_stub.identity import CSRF_MAX_AGE
from extern_stub.sites import DEVICE_CODE_GRANT, MAX_FAILURES, User, _FormParser


def authorize_query(site: Site, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": site.client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid extern.api",
        "state": "s-1",
        **extra,
    }


def authorize_url(site: Site, **extra: str) -> str:
    query = urllib.parse.urlencode(authorize_query(site, **extra))
    return f"{site.base_url}/connect/authorize?{query}"


def redirect_params(location: str, redirect_uri: str = CALLBACK) -> dict[str, str]:
    """The parameters added to ``redirect_uri``, after checking the redirect goes there."""
    parts = urllib.parse.urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == redirect_uri.partition("?")[0]
    return dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))


def error_redirect(answer: requests.Response) -> dict[str, str]:
    """The parameters of an error redirect back to the application: error, a description that
    is a sentence, and no caching of the redirect."""
    assert answer.status_code == 302, (answer.status_code, answer.text)
    assert answer.headers["Cache-Control"] == "no-store, no-cache, max-age=0"
    params = redirect_params(answer.headers["Location"])
    assert_sentence(params["error_description"])
    return params


def page_message(page: requests.Response) -> str:
    """The message a page shows (its error paragraph, or the result page's paragraph); when
    there is one, it is a sentence."""
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Cache-Control"] == "no-store, no-cache, max-age=0"
    match = re.search(r'<p class="error">(.*?)</p>', page.text) or re.search(
        r"</h1>\s*<p>(.*?)</p>", page.text
    )
    assert match is not None, page.text
    message = match.group(1)
    if message:
        assert_sentence(message)
    return message


def field_value(page: requests.Response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert match is not None, page.text
    return match.group(1)


def new_device(site: Site, scopes: tuple[str, ...] = ("extern.api",)) -> str:
    return site.create_device(site.registry.clients[site.client_id], scopes).user_code


def signed_in(site: Site, **fields: str) -> dict[str, str]:
    return {"login": site.user_login, "password": site.user_password, **fields}


@pytest.fixture
def window(site: Site) -> Iterator[float]:
    """A failure window long enough that a slow machine stays inside it."""
    site.failure_window = 3600
    yield site.failure_window


# -- what the pages show -------------------------------------------------------------------


def test_fresh_pages_show_no_message_and_an_empty_code(site: Site) -> None:
    device = requests.get(f"{site.base_url}/device", timeout=TIMEOUT)
    assert device.status_code == 200
    assert page_message(device) == ""
    assert field_value(device, "user_code") == ""
    login = requests.get(authorize_url(site), timeout=TIMEOUT)
    assert login.status_code == 200
    assert page_message(login) == ""


def test_pages_name_their_environment(site: Site, production: Site) -> None:
    for each in (site, production):
        for url in (f"{each.base_url}/device", authorize_url(each)):
            page = requests.get(url, timeout=TIMEOUT)
            title = re.search(r"<title>(.*)</title>", page.text)
            assert title is not None
            assert f"({each.name} environment)" in title.group(1)


def test_the_login_page_shows_the_requested_scope(site: Site) -> None:
    page = requests.get(authorize_url(site, scope="openid profile extern.api"), timeout=TIMEOUT)
    assert "<code>openid profile extern.api</code>" in page.text


def test_hidden_fields_add_no_visible_text(site: Site) -> None:
    page = requests.get(authorize_url(site, nonce="n-1"), timeout=TIMEOUT)
    form = page.text[page.text.index("<form") : page.text.index("</form>")]
    hidden = re.findall(r'<input type="hidden"[^>]*>', form)
    assert len(hidden) == 7  # the anti-forgery token and the six request parameters
    between = re.split(r'<input type="hidden"[^>]*>', form)[1:-1]
    assert all(not text.strip() for text in between), between


def test_device_page_messages_are_sentences(site: Site) -> None:
    unknown = post_device_form(site, **signed_in(site, user_code="BBBB-BBBB"))
    assert unknown.status_code == 400
    assert page_message(unknown)
    assert field_value(unknown, "user_code") == "BBBB-BBBB"
    wrong = post_device_form(site, user_code=new_device(site), login="x", password="y")
    assert wrong.status_code == 400
    assert page_message(wrong)
    denied = post_device_form(site, **signed_in(site, user_code=new_device(site), action="deny"))
    assert denied.status_code == 200
    assert page_message(denied)
    approved = post_device_form(site, **signed_in(site, user_code=new_device(site)))
    assert approved.status_code == 200
    assert page_message(approved)
    assert page_message(approved) != page_message(denied)


def test_a_device_post_without_a_code_shows_the_page_again(site: Site) -> None:
    answer = post_device_form(site, **signed_in(site))
    assert answer.status_code == 400
    assert page_message(answer)
    assert field_value(answer, "user_code") == ""


def test_a_wrong_password_on_the_login_page_is_a_sentence(site: Site) -> None:
    target = f"{site.base_url}/connect/authorize"
    wrong = {**authorize_query(site), "login": site.user_login, "password": "guess"}
    answer = post_from_page(authorize_url(site), target, wrong, allow_redirects=False)
    assert answer.status_code == 400
    assert page_message(answer)


@pytest.mark.parametrize("missing", ["login", "password"])
def test_a_post_without_login_or_password_shows_the_page_again(site: Site, missing: str) -> None:
    fields = signed_in(site, user_code=new_device(site))
    del fields[missing]
    answer = post_device_form(site, **fields)
    assert answer.status_code == 400
    assert page_message(answer)
    target = f"{site.base_url}/connect/authorize"
    fields = {**authorize_query(site), **signed_in(site)}
    del fields[missing]
    login = post_from_page(authorize_url(site), target, fields, allow_redirects=False)
    assert login.status_code == 400
    assert page_message(login)


def test_refusals_of_form_posts_are_sentences(site: Site, window: float) -> None:
    with requests.Session() as browser:
        page = browser.get(f"{site.base_url}/device", timeout=TIMEOUT)
        form = {"csrf_token": csrf_field(page), **signed_in(site, user_code=new_device(site))}
        foreign = browser.post(
            f"{site.base_url}/device",
            data=form,
            headers={"Origin": "https://evil.example"},
            timeout=TIMEOUT,
        )
        assert foreign.status_code == 403
        assert page_message(foreign)
        # The browser has the cookie, but the post lacks the field.
        del form["csrf_token"]
        expired = browser.post(f"{site.base_url}/device", data=form, timeout=TIMEOUT)
        assert expired.status_code == 403
        assert page_message(expired)
        assert page_message(expired) != page_message(foreign)
    for _ in range(MAX_FAILURES):
        post_device_form(site, **signed_in(site, user_code="BBBB-BBBB"))
    locked = post_device_form(site, **signed_in(site, user_code=new_device(site)))
    assert locked.status_code == 429
    assert page_message(locked)


# -- the anti-forgery cookie ---------------------------------------------------------------


def test_one_browser_keeps_its_token_across_pages(site: Site) -> None:
    with requests.Session() as browser:
        first = csrf_field(browser.get(f"{site.base_url}/device", timeout=TIMEOUT))
        second = csrf_field(browser.get(authorize_url(site), timeout=TIMEOUT))
        assert second == first
    # A cookie that is not a token of the sandbox's shape is replaced, not adopted.
    name = f"stub_csrf_{site.name}"
    for bad in ("z" * 32, "a" * 31, "a" * 33):
        page = requests.get(f"{site.base_url}/device", cookies={name: bad}, timeout=TIMEOUT)
        assert csrf_field(page) not in (first, bad)
    other = csrf_field(requests.get(f"{site.base_url}/device", timeout=TIMEOUT))
    assert other != first


def test_the_token_cookie_serves_every_page_of_the_site_for_a_while(site: Site) -> None:
    cookie = requests.get(f"{site.base_url}/device", timeout=TIMEOUT).headers["Set-Cookie"]
    attributes = {
        name.strip().lower(): value
        for name, _, value in (a.partition("=") for a in cookie.split(";")[1:])
    }
    assert attributes["path"] == "/"
    assert int(attributes["max-age"]) == CSRF_MAX_AGE


# -- the authorization request -------------------------------------------------------------


def test_deny_redirects_with_a_description_and_the_state(site: Site) -> None:
    target = f"{site.base_url}/connect/authorize"
    fields = {**authorize_query(site), **signed_in(site), "action": "deny"}
    answer = post_from_page(authorize_url(site), target, fields, allow_redirects=False)
    params = error_redirect(answer)
    assert (params["error"], params["state"]) == ("access_denied", "s-1")


def test_an_unreadable_request_redirects_with_a_description(site: Site) -> None:
    answer = requests.get(
        authorize_url(site) + "&scope=again", allow_redirects=False, timeout=TIMEOUT
    )
    params = error_redirect(answer)
    assert (params["error"], params["state"]) == ("invalid_request", "s-1")


def test_an_unreadable_request_to_an_unregistered_uri_is_answered_here(site: Site) -> None:
    url = authorize_url(site, redirect_uri="https://evil.example/callback") + "&scope=again"
    answer = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert oauth_error(answer) == "invalid_request"
    assert "Location" not in answer.headers


def test_an_unreadable_post_redirects_back_too(site: Site) -> None:
    form = {**authorize_query(site), **signed_in(site)}
    answer = requests.post(
        f"{site.base_url}/connect/authorize",
        data=[*form.items(), ("scope", "again")],
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    params = error_redirect(answer)
    assert params["error"] == "invalid_request"


def test_a_code_redirect_is_not_cached(site: Site) -> None:
    target = f"{site.base_url}/connect/authorize"
    fields = {**authorize_query(site), **signed_in(site), "action": "allow"}
    answer = post_from_page(authorize_url(site), target, fields, allow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["Cache-Control"] == "no-store, no-cache, max-age=0"
    assert set(redirect_params(answer.headers["Location"])) == {"code", "state"}


@pytest.fixture
def other_client(site: Site, monkeypatch: pytest.MonkeyPatch):
    """Register, for one test, a copy of the demo client with other grants or redirect URIs."""

    def register(**changes) -> str:
        demo = site.registry.clients[site.client_id]
        client = dataclasses.replace(demo, client_id="stub-other-test", **changes)
        monkeypatch.setitem(site.registry.clients, client.client_id, client)  # type: ignore[arg-type]
        return client.client_id

    return register


def test_a_registered_query_is_kept_blank_values_and_all(site: Site, other_client) -> None:
    registered = CALLBACK + "?tenant=a&empty="
    client_id = other_client(redirect_uris=(registered,))
    url = authorize_url(site, client_id=client_id, redirect_uri=registered)
    location = site.authorize(url)
    query = urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query, keep_blank_values=True)
    assert query[:2] == [("tenant", "a"), ("empty", "")]
    assert [name for name, _ in query[2:]] == ["code", "state"]
    denied = site.authorize(url, consent=False)
    assert redirect_params(denied, registered)["empty"] == ""


def test_a_client_without_the_code_flow_is_redirected_with_unauthorized_client(
    site: Site, other_client
) -> None:
    grants = site.registry.clients[site.client_id].grant_types - {"authorization_code"}
    client_id = other_client(grant_types=grants)
    answer = requests.get(
        authorize_url(site, client_id=client_id), allow_redirects=False, timeout=TIMEOUT
    )
    params = error_redirect(answer)
    assert (params["error"], params["state"]) == ("unauthorized_client", "s-1")


def test_a_client_without_the_device_flow_is_unauthorized_client(site: Site, other_client) -> None:
    grants = site.registry.clients[site.client_id].grant_types - {DEVICE_CODE_GRANT}
    client_id = other_client(grant_types=grants)
    form = {"client_id": client_id, "client_secret": site.api_key, "scope": "extern.api"}
    answer = requests.post(
        f"{site.base_url}/connect/deviceauthorization", data=form, timeout=TIMEOUT
    )
    assert oauth_error(answer) == "unauthorized_client"


def test_the_device_flow_may_ask_for_user_scopes(site: Site) -> None:
    form = {
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "scope": "openid profile extern.api",
    }
    answer = requests.post(
        f"{site.base_url}/connect/deviceauthorization", data=form, timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text


def test_the_device_is_approved_as_the_user_who_signed_in(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = User("other@test.stub", "other-password", ())
    monkeypatch.setitem(site.registry.users, other.login, other)  # type: ignore[arg-type]
    form = {
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "scope": "openid extern.api",
    }
    device = requests.post(
        f"{site.base_url}/connect/deviceauthorization", data=form, timeout=TIMEOUT
    ).json()
    answer = post_device_form(
        site, user_code=device["user_code"], login=other.login, password=other.password
    )
    assert answer.status_code == 200
    token = get_token(
        site,
        {
            "grant_type": DEVICE_CODE_GRANT,
            "client_id": site.client_id,
            "client_secret": site.api_key,
            "device_code": device["device_code"],
        },
    )
    info = api_get(site, "/connect/userinfo", token["access_token"])
    assert info.json()["sub"] == other.login


# -- userinfo ------------------------------------------------------------------------------


def test_userinfo_answers_json_that_is_not_cached(site: Site) -> None:
    form = {
        "grant_type": "password",
        "client_id": site.client_id,
        "client_secret": site.api_key,
        "username": site.user_login,
        "password": site.user_password,
        "scope": "openid profile",
    }
    token = get_token(site, form)["access_token"]
    answer = api_get(site, "/connect/userinfo", token)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert "no-store" in answer.headers["Cache-Control"]
    assert answer.json() == {"sub": site.user_login, "preferred_username": site.user_login}


def test_userinfo_with_a_malformed_authorization_is_401(site: Site) -> None:
    answer = requests.get(
        f"{site.base_url}/connect/userinfo",
        headers={"Authorization": "Bearer"},
        timeout=TIMEOUT,
    )
    assert oauth_error(answer, 401) == "invalid_token"
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    for other in ("Basic !!!", "Basic dXNlcjpwYXNz"):
        # Another scheme is no bearer credentials: no error code (RFC 6750 section 3.1).
        broken = requests.get(
            f"{site.base_url}/connect/userinfo", headers={"Authorization": other}, timeout=TIMEOUT
        )
        assert oauth_error(broken, 401) == "invalid_token"
        assert broken.headers["WWW-Authenticate"] == "Bearer"


def test_userinfo_names_the_missing_scope_in_a_bearer_challenge(site: Site) -> None:
    token = get_token(
        site,
        {
            "grant_type": "password",
            "client_id": site.client_id,
            "client_secret": site.api_key,
            "username": site.user_login,
            "password": site.user_password,
            "scope": "extern.api",
        },
    )["access_token"]
    answer = api_get(site, "/connect/userinfo", token)
    assert oauth_error(answer, 403) == "insufficient_scope"
    scheme, _, params = answer.headers["WWW-Authenticate"].partition(" ")
    assert scheme.lower() == "bearer"
    assert 'scope="openid"' in params


# -- the sandbox's browser (Site.authorize) ------------------------------------------------


def test_authorize_returns_an_error_redirect_without_following_it(site: Site) -> None:
    # The application at CALLBACK does not run: following the redirect would fail.
    location = site.authorize(authorize_url(site, response_type="token"))
    assert redirect_params(location)["error"] == "unsupported_response_type"


def test_authorize_signs_in_as_the_login_given(site: Site) -> None:
    with pytest.raises(AuthorizeError, match="400"):
        site.authorize(authorize_url(site), login="nobody@test.stub")


def test_authorize_says_why_the_page_refused(site: Site) -> None:
    with pytest.raises(AuthorizeError, match="400") as refused:
        site.authorize(authorize_url(site, client_id="nobody"))
    assert "invalid_client" in str(refused.value)


def test_form_parser_reads_the_first_form_and_its_hidden_fields_only() -> None:
    form = _FormParser.parse(
        '<input type="hidden" name="before" value="1">'
        '<form method="post" action="/first">'
        '<input type="hidden" name="a" value="1"><input name="login" value="typed">'
        '<input type="hidden" name="empty" value><input type="hidden" name="none">'
        '<input type="hidden" value="nameless"><button name="action" value="allow">'
        "</form>"
        '<input type="hidden" name="after" value="1">'
        '<form action="/second"><input type="hidden" name="b" value="2"></form>'
    )
    assert form == ("/first", [("a", "1"), ("empty", ""), ("none", "")])


def test_form_parser_a_form_without_action_posts_to_its_page() -> None:
    form = _FormParser.parse(
        '<p>x</p><form method="post"><input type="hidden" name="a" value="1"></form>'
    )
    assert form == ("", [("a", "1")])


def test_form_parser_refuses_a_page_without_a_form() -> None:
    with pytest.raises(AuthorizeError) as refused:
        _FormParser.parse('<p>Nothing</p><input type="hidden" name="a" value="1">')
    assert_sentence(str(refused.value))


def test_user_codes_are_compared_without_case_or_punctuation(site: Site) -> None:
    from extern_stub.sites import normalize_user_code

    assert normalize_user_code("bcdf-ghjk ") == "BCDFGHJK"
    user_code = new_device(site)
    answer = post_device_form(
        site, **signed_in(site, user_code=user_code.lower().replace("-", " "))
    )
    assert answer.status_code == 200


def test_a_wrong_challenge_method_is_told_the_methods_discovery_lists(site: Site) -> None:
    """The description names the supported methods as the protocol spells them (RFC 7636 4.3:
    "S256", "plain"), the very values the discovery document lists."""
    discovery = requests.get(f"{site.base_url}/.well-known/openid-configuration", timeout=TIMEOUT)
    methods = discovery.json()["code_challenge_methods_supported"]
    url = authorize_url(site, code_challenge="a" * 43, code_challenge_method="s256")
    params = error_redirect(requests.get(url, allow_redirects=False, timeout=TIMEOUT))
    assert params["error"] == "invalid_request"
    words = re.findall(r"\w+", params["error_description"])
    assert set(methods) <= set(words), params["error_description"]


def test_authorize_never_waits_without_a_time_limit(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request of the sandbox's browser has a finite timeout (a hung page fails a test
    instead of stopping it)."""
    timeouts: list[object] = []
    send = requests.Session.request

    def recording(self: requests.Session, method: str, url: str, **kwargs: object):
        timeouts.append(kwargs.get("timeout"))
        return send(self, method, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(requests.Session, "request", recording)
    site.authorize(authorize_url(site))
    site.authorize(authorize_url(site, response_type="token"))
    assert len(timeouts) == 3
    assert all(isinstance(limit, (int, float)) and 0 < limit <= 60 for limit in timeouts)
