"""OpenID Connect: the ``id_token`` (RS256, signed with joserfc) and the key that verifies it,
published in the JWKS."""

from __future__ import annotations

import threading
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

#: The only signing algorithm, as discovery advertises it.
ALGORITHM = "RS256"
#: Seconds an id_token is valid.
ID_TOKEN_LIFETIME = 300


class Signer:
    """One site's signing key: made on first use (an RSA key takes a moment), kept across
    resets, new at every start (so id_tokens differ from run to run, even with a seed)."""

    def __init__(self) -> None:
        self._key: RSAKey | None = None
        self._lock = threading.Lock()

    def key(self) -> RSAKey:
        """The private key."""
        with self._lock:
            if self._key is None:
                self._key = RSAKey.generate_key(
                    2048, parameters={"use": "sig", "alg": ALGORITHM}, auto_kid=True
                )
            return self._key

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set: the public key only."""
        return {"keys": [self.key().as_dict(private=False)]}

    def id_token(self, claims: dict[str, Any]) -> str:
        """``claims`` signed as a compact JWT whose header names the key."""
        key = self.key()
        return jwt.encode({"alg": ALGORITHM, "typ": "JWT", "kid": key.kid}, claims, key)
