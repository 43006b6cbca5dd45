"""A site: its registry (clients, users, accounts, read from ``sites.json``) and its state.

The state (tokens, devices, authorization codes, recorded requests, requests in flight) lives
in memory and is cleared by :meth:`Site.reset`. With a seed, every random value comes from
sequences that :meth:`Site.reset` restarts, so the same requests get the same answers.
"""

from __future__ import annotations

import email.utils
import heapq
import html.parser
import itertools
import json
import math
import random
import secrets
import sys
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import requests
from werkzeug.datastructures import Headers, MultiDict

from extern_stub.oidc import ID_TOKEN_LIFETIME, Signer

#: The device flow grant, named as RFC 8628 names it.
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
#: Scope of the Extern API.
EXTERN_SCOPE = "extern.api"
#: The most accounts one page may hold (inferred: the docs name no limit).
MAX_TAKE = 1000
#: The page size when ``take`` is not given (inferred).
DEFAULT_TAKE = 100
#: The largest ``skip`` (a 32-bit signed integer).
MAX_SKIP = 2**31 - 1
#: Scopes about a user, which a client without a user must not ask for.
USER_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
#: Site names, in the order they are printed.
SITE_NAMES = ("test", "production")
#: A fixed instant shown as the time of day when the stub runs with a seed (2025-01-01 UTC).
FROZEN_EPOCH = 1_735_689_600.0
#: Requests a site remembers for tests to inspect, by default; older ones are forgotten.
RECORD_SIZE = 1000
#: Bytes of a request body a record keeps; the form is kept only when the whole body fits.
RECORD_BODY_LIMIT = 4096
#: Characters a record keeps of one text: a header or query value, the path, the method, the
#: content type, each part of Basic credentials.
RECORD_TEXT_LIMIT = 1024
#: Characters a record keeps of one header name, query key or form key.
RECORD_NAME_LIMIT = 128
#: Headers, query parameters and form fields a record keeps, each; the first ones.
RECORD_FIELDS = 50
#: Bytes of memory the records of a site hold at most, measured as Python holds them: older
#: records go first (a full ring of RECORD_SIZE ordinary requests takes about 8 MiB).
RECORD_BYTES = 16 * 1024 * 1024
#: What a record's own objects (the record, its header list, its dicts) and each text's slot in
#: them take, counted high, for :meth:`RecordedRequest.footprint`.
RECORD_OBJECT_BYTES = 4096
RECORD_SLOT_BYTES = 128
#: Wrong user codes or passwords the sign-in forms take within FAILURE_WINDOW seconds; then
#: they answer 429 until the oldest failure is that old (RFC 8628 section 5.1).
MAX_FAILURES = 10
FAILURE_WINDOW = 60
#: (client, login) pairs whose wrong passwords the password grant remembers, at most: the
#: ones that failed last (RFC 6749 section 4.3.2 asks for a limit on guesses).
MAX_PASSWORD_KEYS = 1000
PASSWORD_KEY_LIMIT = 256
#: Access tokens, and refresh tokens, a site keeps at most; beyond, the oldest go first, as
#: if expired (they are also the first to expire: all of a kind live as long).
MAX_TOKENS = 20_000
#: Entries the expiry schedule may hold for what is already forgotten before it is compacted.
EXPIRIES_SLACK = 1024
#: Bytes of memory one access token with its refresh token and sign-in takes at most, their
#: share of the expiry schedule included (measured: about 2 KiB), and one entry of the
#: schedule: for :meth:`Site.memory_bound`.
TOKEN_PAIR_BYTES = 3 * 1024
EXPIRY_BYTES = 200
#: Alphabet of user codes: consonants only, no look-alikes (RFC 8628 section 6.1).
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


@dataclass(frozen=True)
class Client:
    """An application registered at a site: its service name and api-key."""

    client_id: str
    api_key: str
    name: str
    grant_types: frozenset[str]
    scopes: frozenset[str]
    redirect_uris: tuple[str, ...]
    accounts: tuple[str, ...]


@dataclass(frozen=True)
class User:
    """A person who can sign in at a site."""

    login: str
    password: str
    accounts: tuple[str, ...]


@dataclass(frozen=True)
class Registry:
    """Everything a site knows before any request: clients, users and accounts."""

    clients: Mapping[str, Client]
    users: Mapping[str, User]
    accounts: Mapping[str, Mapping[str, str | None]]


def load_registries(path: Path | None = None) -> dict[str, Registry]:
    """Read both sites' registries from ``path`` (default: the packaged ``sites.json``)."""
    if path is None:
        text = resources.files("extern_stub").joinpath("sites.json").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    data = json.loads(text)
    registries = {}
    for name in SITE_NAMES:
        site = data[name]
        clients = {
            c["client_id"]: Client(
                client_id=c["client_id"],
                api_key=c["api_key"],
                name=c.get("name", c["client_id"]),
                grant_types=frozenset(c["grant_types"]),
                scopes=frozenset(c["scopes"]),
                redirect_uris=tuple(c.get("redirect_uris", ())),
                accounts=tuple(c.get("accounts", ())),
            )
            for c in site["clients"]
        }
        users = {
            u["login"]: User(u["login"], u["password"], tuple(u.get("accounts", ())))
            for u in site["users"]
        }
        accounts = {a["id"]: dict(a) for a in site["accounts"]}
        registries[name] = Registry(clients, users, accounts)
    return registries


@dataclass
class RecordedRequest:
    """One request a site received, as the stub parsed it."""

    method: str
    path: str
    query: MultiDict[str, str]
    headers: Headers
    content_type: str
    form: MultiDict[str, str]
    basic_auth: tuple[str, str] | None
    body: bytes
    trace_id: str
    status: int | None = None
    #: The length of the whole body; ``body`` keeps at most :data:`RECORD_BODY_LIMIT` bytes.
    body_size: int = 0

    def footprint(self) -> int:
        """Bytes of memory this record holds, counted high: each text as Python stores it,
        plus what its slot in a container and the record's own objects take."""
        texts = [self.method, self.path, self.content_type, self.trace_id, *(self.basic_auth or ())]
        fields = (self.headers.items(), self.query.items(multi=True), self.form.items(multi=True))
        for pairs in fields:
            for name, value in pairs:
                texts += (name, value)
        sizes = sum(sys.getsizeof(text) + RECORD_SLOT_BYTES for text in texts)
        return RECORD_OBJECT_BYTES + sys.getsizeof(self.body) + sizes


@dataclass
class AccessToken:
    """An issued access token and what it grants."""

    client_id: str
    subject: str | None
    scopes: tuple[str, ...]
    expires_at: float
    #: The sign-in it belongs to, if any: a replay revokes it with the others.
    grant: str | None = None


@dataclass
class RefreshToken:
    """An issued refresh token; it is replaced by a new one each time it is used."""

    client_id: str
    subject: str
    scopes: tuple[str, ...]
    expires_at: float
    #: The sign-in it continues: a replay revokes every token of it.
    grant: str = ""
    #: Replaced by a new refresh token; kept until it expires, to recognise a replay.
    used: bool = False
    #: When the user signed in (seconds since the epoch): the auth_time of every id_token.
    auth_time: float = 0.0


@dataclass
class Grant:
    """The live tokens of one sign-in (an authorization code and the refreshes after it)."""

    tokens: set[tuple[str, str]]
    expires_at: float


@dataclass
class Device:
    """A device authorization request (RFC 8628) waiting for its user."""

    device_code: str
    user_code: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    #: Seconds between polls; each slow_down adds 5 (RFC 8628 section 3.5).
    interval: int = 5
    status: str = "pending"  # pending, approved, denied, used
    subject: str | None = None
    last_poll: float | None = None
    #: When the user approved (seconds since the epoch): the sign-in of its id_token.
    auth_time: float | None = None


@dataclass
class AuthorizationCode:
    """An authorization code: single use, short-lived, bound to its client and redirect URI."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    subject: str
    expires_at: float
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    nonce: str | None = None
    #: When the user signed in (seconds since the epoch); None: at the exchange.
    auth_time: float | None = None
    #: Exchanged (or tried) once already; a second try revokes the tokens of the first.
    used: bool = False


class Sequences:
    """Random values: from the OS, or with a seed from sequences that restart on reset."""

    def __init__(self, seed: int | None, site: str) -> None:
        self._seed = seed
        self._site = site
        self._lock = threading.Lock()
        self.restart()

    def restart(self) -> None:
        """Start the seeded sequences over."""
        with self._lock:
            self._streams: dict[str, random.Random] = {}

    def _stream(self, purpose: str) -> random.Random | None:
        if self._seed is None:
            return None
        stream = self._streams.get(purpose)
        if stream is None:
            stream = self._streams[purpose] = random.Random(  # noqa: S311 - reproducible on purpose
                f"{self._seed}:{self._site}:{purpose}"
            )
        return stream

    def hex(self, purpose: str, nbytes: int, upper: bool = False) -> str:
        """``nbytes`` random bytes as hex digits."""
        with self._lock:
            stream = self._stream(purpose)
            value = secrets.token_hex(nbytes) if stream is None else stream.randbytes(nbytes).hex()
        return value.upper() if upper else value

    def user_code(self) -> str:
        """A user code a person can type: ``BCDF-GHJK``."""
        with self._lock:
            stream = self._stream("user_code")
            letters = [
                secrets.choice(USER_CODE_ALPHABET)
                if stream is None
                else stream.choice(USER_CODE_ALPHABET)
                for _ in range(8)
            ]
        return "".join(letters[:4]) + "-" + "".join(letters[4:])


class Clock:
    """Time for lifetimes and polling intervals; tests move it forward with :meth:`advance`.

    Intervals are measured on the monotonic clock plus an offset. The time of day shown in
    ``Date`` headers is real, or frozen at :data:`FROZEN_EPOCH` (plus the offset) with a seed.
    """

    def __init__(self, frozen: bool) -> None:
        self.frozen = frozen
        self._offset = 0.0
        self._stopped_at: float | None = None

    def now(self) -> float:
        """Seconds on a clock that only moves forward."""
        real = time.monotonic() if self._stopped_at is None else self._stopped_at
        return real + self._offset

    def stop(self) -> None:
        """Stop real time until the next :meth:`reset`: only :meth:`advance` moves the clock
        then, so a test can step to a tenth of a second before a deadline on a busy machine."""
        self._stopped_at = time.monotonic()

    def advance(self, seconds: float) -> None:
        """Pretend ``seconds`` have passed: tokens, codes and devices age by that much."""
        self._offset += seconds

    def reset(self) -> None:
        """Forget any :meth:`advance` and :meth:`stop`."""
        self._offset = 0.0
        self._stopped_at = None

    def epoch(self) -> float:
        """The real time of day in seconds since the epoch, plus any advance: never frozen,
        since clients check JWT times (exp, iat) against their own clock."""
        return time.time() + self._offset

    def http_date(self) -> str:
        """The time of day as an HTTP ``Date`` header value."""
        wall = FROZEN_EPOCH + self._offset if self.frozen else time.time()
        return email.utils.formatdate(wall, usegmt=True)


@dataclass
class SiteState:
    """Everything :meth:`Site.reset` clears."""

    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    #: Normalized user code -> device code: the /device page finds a device by key.
    user_codes: dict[str, str] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    in_flight: dict[str, int] = field(default_factory=dict)
    #: When the last wrong user codes or passwords came, oldest first.
    failures: deque[float] = field(default_factory=lambda: deque(maxlen=MAX_FAILURES))
    #: The same for the password grant, per (client_id, login); the latest to fail last.
    password_failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    #: (expires_at, order, table, key) of everything above that expires, soonest first.
    expiries: list[tuple[float, int, str, str]] = field(default_factory=list)
    order: Iterator[int] = field(default_factory=itertools.count)

    def expire_later(self, expires_at: float, table: str, key: str) -> None:
        """Remember to forget ``key`` of ``table`` once ``expires_at`` has passed."""
        heapq.heappush(self.expiries, (expires_at, next(self.order), table, key))
        live = sum(map(len, (self.access_tokens, self.refresh_tokens, self.devices, self.codes)))
        if len(self.expiries) > 2 * (live + len(self.grants)) + EXPIRIES_SLACK:
            # Mostly entries of what was forgotten early (over the cap, revoked) or of a
            # sign-in scheduled again by each refresh: keep one entry per live thing.
            self.expiries = [entry for entry in self.expiries if self._scheduled(*entry)]
            heapq.heapify(self.expiries)

    def _scheduled(self, expires_at: float, order: int, table: str, key: str) -> bool:
        """Whether this entry of the expiry schedule is the one of a live thing."""
        entry = getattr(self, table).get(key)
        return entry is not None and (
            not isinstance(entry, Grant) or entry.expires_at == expires_at
        )

    def purge(self, now: float) -> None:
        """Forget every token, code and device that expired by ``now`` (O(log n) each)."""
        while self.expiries and self.expiries[0][0] <= now:
            _, _, table, key = heapq.heappop(self.expiries)
            entry = getattr(self, table).get(key)
            if isinstance(entry, Grant) and entry.expires_at > now:
                continue  # a later token of the grant scheduled it again
            self.forget(table, key)

    def forget(self, table: str, key: str) -> None:
        """Forget ``key`` of ``table``: a device with its user code, a token with its place
        in its sign-in, and the sign-in once none of its tokens is left."""
        entry = getattr(self, table).pop(key, None)
        if isinstance(entry, Device):
            self.user_codes.pop(normalize_user_code(entry.user_code), None)
        grant = getattr(entry, "grant", None)
        record = self.grants.get(grant) if grant else None
        if record is not None:
            record.tokens.discard((table, key))
            if not record.tokens:
                del self.grants[grant]


class Site:
    """One Kontur site: an identity provider and an Extern API on one base URL."""

    def __init__(
        self,
        name: str,
        registry: Registry,
        seed: int | None = None,
        device_interval: int = 3,
        device_lifetime: int = 300,
        token_lifetime: int = 86400,
        code_lifetime: int = 300,
        refresh_lifetime: int = 30 * 86400,
        max_in_flight: int = 20,
        record_size: int = RECORD_SIZE,
        api_latency: float = 0.0,
        record_bytes: int = RECORD_BYTES,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.name = name
        self.registry = registry
        self.seed = seed
        self.device_interval = device_interval
        self.device_lifetime = device_lifetime
        self.token_lifetime = token_lifetime
        self.code_lifetime = code_lifetime
        self.refresh_lifetime = refresh_lifetime
        #: Seconds over which MAX_FAILURES wrong codes or passwords lock the forms.
        self.failure_window: float = FAILURE_WINDOW
        self.max_in_flight = max_in_flight
        self.base_url = ""
        self.clock = Clock(frozen=seed is not None)
        self.sequences = Sequences(seed, name)
        self.signer = Signer()
        self.lock = threading.RLock()
        self.state = SiteState()
        self.record_size = record_size
        self.max_tokens = max_tokens
        self.record_bytes = record_bytes
        #: The records, oldest first, each with its footprint; and the sum of these.
        self._requests: deque[tuple[RecordedRequest, int]] = deque()
        self._requests_bytes = 0
        #: Approve every new device at once, as the demo user (for unattended recordings).
        self.auto_approve_devices = False
        #: Seconds each Extern API call takes after a reset (``--api-latency``).
        self.api_latency = api_latency
        #: Seconds each Extern API call takes now: requests stay in flight, so 429 is reachable.
        self.api_delay = api_latency
        demo_client = next(iter(registry.clients.values()))
        demo_user = next(iter(registry.users.values()))
        self.client_id = demo_client.client_id
        self.api_key = demo_client.api_key
        self.user_login = demo_user.login
        self.user_password = demo_user.password

    def __repr__(self) -> str:
        return f"<Site {self.name} {self.base_url or '(not started)'}>"

    def reset(self) -> None:
        """Forget tokens, devices, codes, recorded requests; restart the seeded sequences."""
        with self.lock:
            self.state = SiteState()
            self._requests.clear()
            self._requests_bytes = 0
            self.sequences.restart()
            self.clock.reset()
            self.auto_approve_devices = False
            self.api_delay = self.api_latency
            self.failure_window = FAILURE_WINDOW

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received since the last reset, oldest first: the last
        ``record_size`` of them, fewer when they take more than ``record_bytes``."""
        with self.lock:
            return [request for request, _ in self._requests]

    def record(self, request: RecordedRequest) -> None:
        """Remember ``request``; the oldest records go once there are ``record_size`` or
        they take more than ``record_bytes`` (the newest is always kept)."""
        size = request.footprint()
        with self.lock:
            self._requests.append((request, size))
            self._requests_bytes += size
            while len(self._requests) > 1 and (
                len(self._requests) > self.record_size or self._requests_bytes > self.record_bytes
            ):
                _, forgotten = self._requests.popleft()
                self._requests_bytes -= forgotten

    def memory_bound(self) -> int:
        """Bytes the request record and the tokens of this site hold at most, whatever
        clients send: with the defaults, 16 MiB + 20,000 x 3 KiB, about 75 MiB."""
        return (
            self.record_bytes + self.max_tokens * TOKEN_PAIR_BYTES + EXPIRIES_SLACK * EXPIRY_BYTES
        )

    def env(self) -> dict[str, str]:
        """The ``KONTUR_*`` variables that point the examples at this site."""
        return {
            "KONTUR_SITE": self.name,
            "KONTUR_CLIENT_ID": self.client_id,
            "KONTUR_API_KEY": self.api_key,
            "KONTUR_IDENTITY_URL": self.base_url,
            "KONTUR_API_URL": self.base_url,
        }

    # -- tokens ---------------------------------------------------------------------------

    def new_trace_id(self) -> str:
        """A trace id for one response: 32 hex digits."""
        return self.sequences.hex("trace_id", 16)

    def issue_tokens(
        self,
        client: Client,
        subject: str | None,
        scopes: tuple[str, ...],
        grant: str | None = None,
        nonce: str | None = None,
        auth_time: float | None = None,
    ) -> dict[str, Any]:
        """Issue an access token (and, for a user, a refresh token); the token response body.

        ``grant`` names the sign-in the tokens belong to (an authorization code, or the first
        refresh token of it), so that a replay can revoke them all. ``auth_time`` is when the
        user signed in (default: now, as in the password grant).
        """
        if auth_time is None:
            auth_time = self.clock.epoch()
        access_token = self.sequences.hex("access_token", 32)
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
        }
        refresh_token = None
        if subject is not None and "refresh_token" in client.grant_types:
            refresh_token = body["refresh_token"] = self.sequences.hex("refresh_token", 32)
            grant = grant or refresh_token
        with self.lock:
            now = self.clock.now()
            self.state.purge(now)
            expires_at = now + self.token_lifetime
            self.state.access_tokens[access_token] = AccessToken(
                client.client_id, subject, scopes, expires_at, grant
            )
            self.state.expire_later(expires_at, "access_tokens", access_token)
            issued = {("access_tokens", access_token)}
            if refresh_token is not None:
                assert subject is not None and grant is not None
                expires_at = now + self.refresh_lifetime
                self.state.refresh_tokens[refresh_token] = RefreshToken(
                    client.client_id, subject, scopes, expires_at, grant, auth_time=auth_time
                )
                self.state.expire_later(expires_at, "refresh_tokens", refresh_token)
                issued.add(("refresh_tokens", refresh_token))
            if grant is not None:
                record = self.state.grants.setdefault(grant, Grant(set(), expires_at))
                record.tokens |= issued
                record.expires_at = max(record.expires_at, expires_at)
                self.state.expire_later(record.expires_at, "grants", grant)
            self._cap("access_tokens")
            self._cap("refresh_tokens")
        if subject is not None:
            body["scope"] = " ".join(scopes)
            if "openid" in scopes:
                body["id_token"] = self.id_token(client, subject, nonce, auth_time)
        return body

    def id_token(self, client: Client, subject: str, nonce: str | None, auth_time: float) -> str:
        """An OpenID Connect id_token about ``subject``, who signed in at ``auth_time``, for
        ``client``, echoing ``nonce``."""
        now = int(self.clock.epoch())
        claims: dict[str, Any] = {
            "iss": self.base_url,
            "sub": subject,
            "aud": client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "auth_time": int(auth_time),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return self.signer.id_token(claims)

    def _cap(self, table: str) -> None:
        """Forget the oldest tokens of ``table`` beyond ``max_tokens``."""
        entries = getattr(self.state, table)
        while len(entries) > self.max_tokens:
            self.state.forget(table, next(iter(entries)))

    def revoke_grant(self, grant: str) -> None:
        """Revoke every access and refresh token issued for the sign-in ``grant``."""
        with self.lock:
            record = self.state.grants.pop(grant, None)
            for table, key in record.tokens if record is not None else ():
                getattr(self.state, table).pop(key, None)

    def access_token(self, token: str) -> AccessToken | None:
        """The live access token ``token``, or None when unknown or expired."""
        with self.lock:
            info = self.state.access_tokens.get(token)
            if info is None or info.expires_at <= self.clock.now():
                return None
            return info

    @contextmanager
    def in_flight(self, client_id: str) -> Iterator[bool]:
        """Count a request of ``client_id`` in flight; yields False when over the limit."""
        with self.lock:
            counters = self.state.in_flight
            counters[client_id] = counters.get(client_id, 0) + 1
            allowed = counters[client_id] <= self.max_in_flight
        try:
            yield allowed
        finally:
            with self.lock:
                counters[client_id] -= 1

    # -- sign-in forms ---------------------------------------------------------------------

    def note_failure(self) -> None:
        """Count a wrong user code or password sent to a sign-in form."""
        with self.lock:
            self.state.failures.append(self.clock.now())

    def locked_out_for(self) -> int:
        """Seconds the sign-in forms refuse to check codes and passwords; 0 when they do."""
        with self.lock:
            return self._wait(self.state.failures)

    def _wait(self, failures: deque[float]) -> int:
        """Seconds until the oldest of MAX_FAILURES ``failures`` leaves the window; 0 when
        there are fewer."""
        if len(failures) < MAX_FAILURES:
            return 0
        return max(0, math.ceil(failures[0] + self.failure_window - self.clock.now()))

    # -- the password grant's guessing limit ---------------------------------------------

    def password_locked_for(self, client_id: str, login: str) -> int:
        """Seconds the password grant refuses to check passwords of ``login`` sent by
        ``client_id``; 0 when it does."""
        with self.lock:
            failures = self.state.password_failures.get(password_key(client_id, login))
            return 0 if failures is None else self._wait(failures)

    def note_password_failure(self, client_id: str, login: str) -> None:
        """Count a wrong password of ``login`` sent by ``client_id``."""
        key = password_key(client_id, login)
        with self.lock:
            table = self.state.password_failures
            failures = table.pop(key, None) or deque(maxlen=MAX_FAILURES)
            failures.append(self.clock.now())
            table[key] = failures  # last in the order: the latest to fail
            while len(table) > MAX_PASSWORD_KEYS:
                del table[next(iter(table))]

    def forget_password_failures(self, client_id: str, login: str) -> None:
        """A right password: the wrong ones before it no longer count."""
        with self.lock:
            self.state.password_failures.pop(password_key(client_id, login), None)

    # -- device flow ----------------------------------------------------------------------

    def create_device(self, client: Client, scopes: tuple[str, ...]) -> Device:
        """Start a device authorization for ``client``."""
        with self.lock:
            now = self.clock.now()
            self.state.purge(now)
            user_code = self.sequences.user_code()
            while normalize_user_code(user_code) in self.state.user_codes:
                user_code = self.sequences.user_code()  # one in 25 billion: draw again
            device = Device(
                device_code=self.sequences.hex("device_code", 32, upper=True),
                user_code=user_code,
                client_id=client.client_id,
                scopes=scopes,
                expires_at=now + self.device_lifetime,
                interval=self.device_interval,
            )
            self.state.devices[device.device_code] = device
            self.state.user_codes[normalize_user_code(user_code)] = device.device_code
            # Kept one lifetime more, so that a late poll still hears expired_token.
            forget_at = device.expires_at + self.device_lifetime
            self.state.expire_later(forget_at, "devices", device.device_code)
            if self.auto_approve_devices:
                device.status = "approved"
                device.subject = self.user_login
                device.auth_time = self.clock.epoch()
            return device

    def find_device(self, user_code: str) -> Device | None:
        """The live, undecided device with ``user_code`` (any case, hyphen optional)."""
        with self.lock:
            device_code = self.state.user_codes.get(normalize_user_code(user_code))
            device = None if device_code is None else self.state.devices.get(device_code)
            if device is None or device.status != "pending":
                return None
            if device.expires_at <= self.clock.now():
                return None
            return device

    def approved_by(self, user_code: str, login: str) -> bool:
        """Whether ``login`` already approved the device with ``user_code`` (it may have
        got its token since)."""
        with self.lock:
            device_code = self.state.user_codes.get(normalize_user_code(user_code))
            device = None if device_code is None else self.state.devices.get(device_code)
            return (
                device is not None
                and device.status in {"approved", "used"}
                and (device.subject == login)
            )

    def approve_device(self, user_code: str, login: str | None = None) -> None:
        """Let the device with ``user_code`` get a token, as user ``login`` (default: demo)."""
        self._decide_device(user_code, "approved", login or self.user_login)

    def deny_device(self, user_code: str) -> None:
        """Refuse the device with ``user_code``: its next poll answers ``access_denied``."""
        self._decide_device(user_code, "denied", None)

    def _decide_device(self, user_code: str, status: str, subject: str | None) -> None:
        with self.lock:
            device = self.find_device(user_code)
            if device is None:
                raise KeyError(f"no device waiting with user code {user_code!r}")
            device.status = status
            device.subject = subject
            device.auth_time = self.clock.epoch()

    # -- authorization code flow ----------------------------------------------------------

    def create_code(self, code: AuthorizationCode) -> str:
        """Store an authorization code; its value."""
        value = self.sequences.hex("authorization_code", 32, upper=True)
        with self.lock:
            self.state.purge(self.clock.now())
            self.state.codes[value] = code
            self.state.expire_later(code.expires_at, "codes", value)
        return value

    def authorize(
        self,
        url: str,
        login: str | None = None,
        password: str | None = None,
        consent: bool = True,
    ) -> str:
        """Sign in and consent on the page at ``url``, as a browser would.

        Opens ``url`` (an ``/connect/authorize`` URL an example built), fills the login form
        with ``login`` and ``password`` (default: the demo user), presses "Allow" (or "Deny"
        when ``consent`` is false) and returns the URL the browser is then redirected to.
        Raises :class:`AuthorizeError` when the page refuses the request or the login.
        """
        with requests.Session() as browser:
            page = browser.get(url, allow_redirects=False, timeout=10)
            if page.is_redirect:
                return page.headers["Location"]
            if page.status_code != 200:
                raise AuthorizeError(f"{page.status_code}: {page.text}")
            action, hidden = _FormParser.parse(page.text)
            fields = dict(hidden)
            fields["login"] = self.user_login if login is None else login
            fields["password"] = self.user_password if password is None else password
            fields["action"] = "allow" if consent else "deny"
            target = urllib.parse.urljoin(page.url, action)
            answer = browser.post(target, data=fields, allow_redirects=False, timeout=10)
            if not answer.is_redirect:
                raise AuthorizeError(f"{answer.status_code}: login refused")
            return answer.headers["Location"]


class AuthorizeError(Exception):
    """The login-and-consent page did not redirect back to the application."""


def password_key(client_id: str, login: str) -> tuple[str, str]:
    """Where the wrong passwords of ``login`` sent by ``client_id`` are counted: the login cut
    to PASSWORD_KEY_LIMIT characters, so that long made-up logins take little memory."""
    return client_id, login[:PASSWORD_KEY_LIMIT]


def normalize_user_code(user_code: str) -> str:
    """A user code without hyphens and spaces, upper case."""
    return "".join(ch for ch in user_code.upper() if ch.isalnum())


class _FormParser(html.parser.HTMLParser):
    """Finds the first form of a page: its action and its hidden fields."""

    #: The first form's action ("" when it has none: it posts to its page); None before it.
    action: str | None = None
    #: Where the hidden fields of the form being read go; None outside the first form.
    _open: list[tuple[str, str]] | None = None

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    @classmethod
    def parse(cls, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The action and the hidden fields (name, value) of the first form of ``text``."""
        parser = cls()
        parser.feed(text)
        parser.close()
        if parser.action is None:
            raise AuthorizeError("The page has no form.")
        return parser.action, parser.fields

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
            self._open = self.fields
            return
        # A hidden control without a name is not submitted (HTML); a missing value is "".
        hidden = tag == "input" and values.get("type") == "hidden" and "name" in values
        if hidden and self._open is not None:
            self._open.append((values["name"], values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
