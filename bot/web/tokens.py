"""Sign and check the conversation context that travels with each web request (the server keeps none)."""
from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

MAX_TOKEN_CHARS = 2048  # a context is a few ids; anything longer is not ours


class ForgedContext(ValueError):
    """The context token was not signed by this deployment's secret (or is malformed)."""


class ContextSigner:
    """Turn an opaque JSON-able dict into a small, expiring, HMAC-signed token and back."""

    def __init__(self, secret: str, max_age: int = 3600):
        self._serializer = URLSafeTimedSerializer(secret, salt="xinzhi.web.context")
        self.max_age = max_age

    def dumps(self, context: dict[str, Any]) -> str:
        """Sign a context dict (compact JSON, zlib-compressed when that is shorter)."""
        return str(self._serializer.dumps(context))

    def loads(self, token: object) -> dict[str, Any]:
        """Return the context in a token; an empty or expired token starts a fresh one; a forged one raises."""
        if token is None or token == "":
            return {}
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
            raise ForgedContext("context must be a token string from a previous answer")
        try:
            value = self._serializer.loads(token, max_age=self.max_age)
        except SignatureExpired:
            return {}  # someone came back after a long break: start over, quietly
        except BadSignature:
            raise ForgedContext("context token signature does not match") from None
        if not isinstance(value, dict):
            raise ForgedContext("context token does not hold an object")
        return value
