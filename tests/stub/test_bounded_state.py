"""The stub's memory stays bounded: a ring of truncated request records, expired tokens,
codes and devices forgotten, and devices found by key rather than by scanning them all.

Sizes and operation counts are asserted, never timings (speed belongs to ``make bench``).
"""

import gc
import re
import tracemalloc
from pathlib import Path

import pytest
from werkzeug.test import Client, EnvironBuilder

from extern_stub import sites
from extern_stub.app import SiteApp
from extern_stub.sites import (
    EXPIRIES_SLACK,
    FAILURE_WINDOW,
    MAX_FAILURES,
    MAX_PASSWORD_KEYS,
    MAX_TOKENS,
    RECORD_BODY_LIMIT,
    RECORD_BYTES,
    RECORD_FIELDS,
    RECORD_NAME_LIMIT,
    RECORD_SIZE,
    RECORD_TEXT_LIMIT,
    AuthorizationCode,
    Site,
    load_registries,
)


@pytest.fixture
def fresh() -> Site:
    """A site of its own, not served: driven in-process, with a small request record."""
    return Site("test", load_registries()["test"], seed=1, record_size=50)


def test_the_request_record_is_a_ring_of_truncated_bodies(fresh: Site) -> None:
    client = Client(SiteApp(fresh))
    body = b"x" * 60_000
    for _ in range(120):
        client.post("/connect/token", data=body, content_type="application/octet-stream")
    records = fresh.requests
    assert len(records) == 50
    assert all(len(record.body) == RECORD_BODY_LIMIT for record in records)
    assert all(record.body_size == 60_000 for record in records)
    client.get("/v1")
    assert fresh.requests[-1].path == "/v1"
    assert fresh.requests[0].trace_id == records[1].trace_id


def test_memory_is_flat_over_many_large_requests(fresh: Site) -> None:
    client = Client(SiteApp(fresh))
    body = b"y" * 60_000

    def send(count: int) -> None:
        for _ in range(count):
            client.post("/connect/token", data=body, content_type="application/octet-stream")

    tracemalloc.start()
    try:
        send(60)  # the ring is full from here on
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        send(300)  # 18 MB more
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 256 * 1024, after - before


def test_a_long_header_and_query_are_truncated_in_the_record(fresh: Site) -> None:
    Client(SiteApp(fresh)).get(
        "/v1", query_string={"q": "z" * 5000}, headers={"X-Long": "h" * 5000}
    )
    (record,) = fresh.requests
    assert len(record.headers["X-Long"]) == len(record.query["q"]) == 1024


def test_expired_access_and_refresh_tokens_are_forgotten(fresh: Site) -> None:
    client = fresh.registry.clients[fresh.client_id]
    for _ in range(100):
        fresh.issue_tokens(client, fresh.user_login, ("extern.api",))
    assert len(fresh.state.access_tokens) == len(fresh.state.refresh_tokens) == 100
    fresh.clock.advance(fresh.token_lifetime)
    fresh.issue_tokens(client, None, ("extern.api",))
    assert len(fresh.state.access_tokens) == 1
    assert len(fresh.state.refresh_tokens) == 100  # they live longer
    fresh.clock.advance(fresh.refresh_lifetime)
    fresh.issue_tokens(client, None, ("extern.api",))
    assert len(fresh.state.access_tokens) == 1
    assert fresh.state.refresh_tokens == {}
    assert len(fresh.state.expiries) == 1


def test_expired_devices_are_forgotten_after_a_grace_lifetime(fresh: Site) -> None:
    client = fresh.registry.clients[fresh.client_id]
    for _ in range(100):
        fresh.create_device(client, ("extern.api",))
    fresh.clock.advance(fresh.device_lifetime)
    fresh.create_device(client, ("extern.api",))
    assert len(fresh.state.devices) == 101  # expired, still answered expired_token
    fresh.clock.advance(fresh.device_lifetime)
    fresh.create_device(client, ("extern.api",))
    assert len(fresh.state.devices) == len(fresh.state.user_codes) == 2


def test_expired_codes_are_forgotten(fresh: Site) -> None:
    def code() -> AuthorizationCode:
        expires_at = fresh.clock.now() + fresh.code_lifetime
        return AuthorizationCode("c", "http://x", ("openid",), "u", expires_at)

    for _ in range(100):
        fresh.create_code(code())
    fresh.clock.advance(fresh.code_lifetime)
    fresh.create_code(code())
    assert len(fresh.state.codes) == 1


def normalizations_per_device_post(
    site: Site, devices: int, monkeypatch: pytest.MonkeyPatch
) -> int:
    client = site.registry.clients[site.client_id]
    for _ in range(devices):
        device = site.create_device(client, ("extern.api",))
    calls = []
    original = sites.normalize_user_code

    def counting(user_code: str) -> str:
        calls.append(user_code)
        return original(user_code)

    browser = Client(SiteApp(site))
    page = browser.get("/device").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="(\w+)"', page)
    assert token is not None
    form = {"user_code": device.user_code, "action": "approve", "csrf_token": token.group(1)}
    form |= {"login": site.user_login, "password": site.user_password}
    monkeypatch.setattr(sites, "normalize_user_code", counting)
    answer = browser.post("/device", data=form)
    assert answer.status_code == 200
    monkeypatch.setattr(sites, "normalize_user_code", original)
    return len(calls)


def test_the_device_page_finds_a_device_by_key_not_by_scanning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = load_registries()["test"]
    few = normalizations_per_device_post(Site("test", registry), 3, monkeypatch)
    many = normalizations_per_device_post(Site("test", registry), 20_000, monkeypatch)
    assert few == many <= 4


def test_a_grant_kept_alive_does_not_stop_the_purge(fresh: Site) -> None:
    """A grant whose first expiry passed but which a refresh extended is skipped, and the
    purge goes on to what expired after it."""
    client = fresh.registry.clients[fresh.client_id]
    first = fresh.issue_tokens(client, fresh.user_login, ("extern.api",))
    half = fresh.refresh_lifetime / 2
    fresh.clock.advance(half)
    grant = fresh.state.refresh_tokens[first["refresh_token"]].grant
    fresh.issue_tokens(client, fresh.user_login, ("extern.api",), grant=grant)  # a refresh
    fresh.clock.advance(half - 100)
    expires_at = fresh.clock.now() + fresh.code_lifetime
    fresh.create_code(AuthorizationCode("c", "http://x", ("openid",), "u", expires_at))
    fresh.clock.advance(fresh.code_lifetime)  # the grant's first date and the code are past
    fresh.issue_tokens(client, None, ("extern.api",))
    assert grant in fresh.state.grants  # extended by the refresh
    assert fresh.state.codes == {}


def test_long_header_names_and_query_keys_are_cut_in_the_record(fresh: Site) -> None:
    long_name = "X-" + "n" * 5000
    Client(SiteApp(fresh)).get(
        "/v1", query_string={"k" * 5000: "v"}, headers={long_name: "h", "X-Short": "s"}
    )
    (record,) = fresh.requests
    names = [name for name, _ in record.headers.items()]
    assert max(len(name) for name in names) == RECORD_NAME_LIMIT
    assert record.headers["X-Short"] == "s"
    assert [len(key) for key in record.query] == [RECORD_NAME_LIMIT]


def test_a_record_keeps_a_bounded_number_of_fields(fresh: Site) -> None:
    headers = {f"X-{number}": "h" for number in range(RECORD_FIELDS + 30)}
    query = {f"q{number}": "v" for number in range(RECORD_FIELDS + 30)}
    form = {f"f{number}": "v" for number in range(RECORD_FIELDS + 30)}
    Client(SiteApp(fresh)).post("/connect/token", query_string=query, headers=headers, data=form)
    (record,) = fresh.requests
    assert len(record.headers) == len(record.query) == len(record.form) == RECORD_FIELDS
    assert record.query["q0"] == "v"  # the first ones are kept


def test_the_long_texts_of_a_request_line_are_cut_in_the_record(fresh: Site) -> None:
    client = Client(SiteApp(fresh))
    client.open("/v1/" + "p" * 5000, method="GET", headers={"Authorization": "Basic " + "A" * 9000})
    client.open("/v1", method="M" * 5000, content_type="text/" + "c" * 5000)
    path_record, method_record = fresh.requests
    assert len(path_record.path) == RECORD_TEXT_LIMIT
    assert len(method_record.method) == len(method_record.content_type) == RECORD_TEXT_LIMIT


def worst_request(site: Site, number: int) -> None:
    """A request with more and longer names, keys and values than a record keeps, from a
    straight to the application (werkzeug's test client keeps what it last sent)."""
    over, name = range(RECORD_FIELDS + 10), "n" * RECORD_NAME_LIMIT
    headers = {f"X-{number}-{index}-{name}": "v" * 2000 for index in over}
    query = {f"{number}-{index}-{name}": "q" * 2000 for index in over}
    environ = EnvironBuilder(
        "/connect/token", method="POST", query_string=query, headers=headers, data=b"b" * 60_000
    ).get_environ()
    SiteApp(site)(environ, lambda status, headers, exc_info=None: lambda data: None)


def test_the_record_of_worst_requests_stays_under_its_byte_bound() -> None:
    """However long the names, keys and values, the record holds at most ``record_bytes``
    (measured, not estimated), and still the last request."""
    bound = 1024 * 1024
    site = Site("test", load_registries()["test"], seed=1, record_bytes=bound)
    worst_request(site, 0)  # werkzeug's own first-use allocations stay out of the figure
    site.reset()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(12):
            worst_request(site, number)
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert 0 < len(site.requests) < 12
    assert site.requests[-1].query  # the newest record is kept
    assert retained < bound, retained


# -- the cap on tokens --------------------------------------------------------------------------


@pytest.fixture
def capped() -> Site:
    """A site of its own that keeps at most 50 access and 50 refresh tokens."""
    return Site("test", load_registries()["test"], seed=1, max_tokens=50)


def test_the_sandbox_keeps_at_most_max_tokens_by_default(fresh: Site) -> None:
    assert fresh.max_tokens == MAX_TOKENS == 20_000


def test_beyond_the_cap_the_oldest_access_tokens_go_first(capped: Site) -> None:
    client = capped.registry.clients[capped.client_id]
    issued = [
        capped.issue_tokens(client, None, ("extern.api",))["access_token"] for _ in range(120)
    ]
    assert len(capped.state.access_tokens) == 50
    assert list(capped.state.access_tokens) == issued[-50:]
    assert capped.access_token(issued[69]) is None
    assert capped.access_token(issued[70]) is not None


def test_beyond_the_cap_the_oldest_refresh_tokens_and_their_sign_ins_go(capped: Site) -> None:
    client = capped.registry.clients[capped.client_id]
    bodies = [capped.issue_tokens(client, capped.user_login, ("extern.api",)) for _ in range(120)]
    assert len(capped.state.refresh_tokens) == 50
    assert list(capped.state.refresh_tokens) == [body["refresh_token"] for body in bodies[-50:]]
    # Each sign-in whose tokens are all gone is forgotten with them.
    assert set(capped.state.grants) == set(capped.state.refresh_tokens)


def test_a_sign_in_keeps_only_its_live_tokens(capped: Site) -> None:
    client = capped.registry.clients[capped.client_id]
    first = capped.issue_tokens(client, capped.user_login, ("extern.api",))
    grant = capped.state.refresh_tokens[first["refresh_token"]].grant
    for _ in range(200):  # a long chain of refreshes of one sign-in
        capped.issue_tokens(client, capped.user_login, ("extern.api",), grant=grant)
    tokens = capped.state.grants[grant].tokens
    assert len(tokens) == 100
    assert all(key in getattr(capped.state, table) for table, key in tokens)
    capped.revoke_grant(grant)
    assert capped.state.access_tokens == capped.state.refresh_tokens == {}


def test_the_expiry_schedule_of_forgotten_tokens_is_compacted(capped: Site) -> None:
    client = capped.registry.clients[capped.client_id]
    for _ in range(3000):
        capped.issue_tokens(client, None, ("extern.api",))
    assert len(capped.state.access_tokens) == 50
    assert len(capped.state.expiries) <= 2 * 50 + EXPIRIES_SLACK


def test_memory_stays_flat_once_the_tokens_are_capped(capped: Site) -> None:
    client = capped.registry.clients[capped.client_id]

    def issue(count: int) -> None:
        for _ in range(count):
            capped.issue_tokens(client, capped.user_login, ("extern.api",))

    issue(100)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        issue(3000)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # The expiry schedule may hold up to EXPIRIES_SLACK more entries than live tokens.
    assert after - before < 256 * 1024, after - before


def test_the_state_of_worst_requests_and_many_tokens_stays_under_its_bound() -> None:
    """Long header names and query keys, and three times as many tokens as a site keeps:
    what the site holds afterwards, measured, is under :meth:`Site.memory_bound`."""
    site = Site("test", load_registries()["test"], seed=1, record_bytes=512 * 1024, max_tokens=300)
    client = site.registry.clients[site.client_id]
    worst_request(site, 0)
    site.reset()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(8):
            worst_request(site, number)
            for _ in range(120):
                site.issue_tokens(client, site.user_login, ("extern.api",))
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(site.state.access_tokens) == len(site.state.refresh_tokens) == 300
    assert retained < site.memory_bound(), (retained, site.memory_bound())
    assert retained > site.memory_bound() / 4  # the bound is not a hundred times too loose


def test_the_readme_states_the_bounds_the_sandbox_keeps() -> None:
    """The sandbox's README gives these figures to its users: they are the code's."""
    readme = Path(__file__).parents[2] / "sandbox" / "README.md"
    text = " ".join(readme.read_text(encoding="utf-8").split())
    bound = Site("test", load_registries()["test"]).memory_bound()
    for phrase in (
        f"the last {RECORD_SIZE:,} requests",
        f"no more than {RECORD_BYTES // 2**20} MiB of them",
        f"query keys are cut to {RECORD_NAME_LIMIT} characters, values to {RECORD_TEXT_LIMIT:,}",
        f"bodies to {RECORD_BODY_LIMIT // 1024} KiB",
        f"the first {RECORD_FIELDS} headers, {RECORD_FIELDS} query parameters",
        f"at most {MAX_TOKENS:,} access tokens and {MAX_TOKENS:,} refresh tokens",
        f"At most {MAX_PASSWORD_KEYS:,} login and client pairs",
        f"at most about {round(bound / 2**20)} MiB per environment",
        f"once {MAX_FAILURES} wrong ones came within a minute",
    ):
        assert phrase in text, phrase
    assert FAILURE_WINDOW == 60  # "a minute"
