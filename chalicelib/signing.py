"""Signed tokens (form timestamps, cursors, moderation links) and keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

PREVIEW_SECONDS = 24 * 3600  # how long a draft's preview link works


class InvalidToken(ValueError):
    """A token was forged, tampered with, or is for another purpose."""


@dataclass(frozen=True)
class FormToken:
    issued_at: float
    nonce: str


class Signing:
    """Everything signed or hashed with the site's secret key, each purpose with its own salt."""

    def __init__(self, secret_key: str) -> None:
        self._key = secret_key.encode("utf-8")
        self._form = URLSafeSerializer(secret_key, salt="lambdapress.form")
        self._cursor = URLSafeSerializer(secret_key, salt="lambdapress.cursor")
        self._moderation = URLSafeSerializer(secret_key, salt="lambdapress.moderation")
        self._preview = URLSafeTimedSerializer(secret_key, salt="lambdapress.preview")

    def keyed_hash(self, purpose: str, value: str) -> str:
        """A stable pseudonym for a value (an email, a client address) that cannot be reversed."""
        msg = f"{purpose}\0{value}".encode()
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()[:40]

    def email_hash(self, email: str) -> str:
        """An email's pseudonym, the same for every spelling of its case."""
        return self.keyed_hash("email", email.strip().lower())

    def form_token(self, now: float) -> str:
        return self._form.dumps({"t": round(now, 3), "n": secrets.token_urlsafe(12)})

    def read_form_token(self, token: str) -> FormToken:
        data = self._load(self._form, token)
        if not isinstance(data, dict) or not isinstance(data.get("t"), int | float):
            raise InvalidToken("malformed form token")
        return FormToken(issued_at=float(data["t"]), nonce=str(data.get("n", "")))

    def cursor(self, scope: str, data: dict[str, Any]) -> str:
        return self._cursor.dumps({"s": scope, **data})

    def read_cursor(self, scope: str, token: str) -> dict[str, Any]:
        data = self._load(self._cursor, token)
        if not isinstance(data, dict) or data.pop("s", None) != scope:
            raise InvalidToken("cursor is for another list")
        return data

    def moderation_hash(self, comment_id: str) -> str:
        return self._moderation.dumps(comment_id).rsplit(".", 1)[-1]

    def check_moderation_hash(self, comment_id: str, digest: str) -> bool:
        # Bytes: compare_digest refuses str with non-ASCII characters, which anyone can send.
        expected = self.moderation_hash(comment_id).encode("utf-8")
        return hmac.compare_digest(expected, digest.encode("utf-8", "replace"))

    def preview_token(self, slug: str) -> str:
        """A link's token that shows one draft or scheduled post for PREVIEW_SECONDS."""
        return self._preview.dumps({"p": slug})

    def read_preview_token(self, token: str) -> str:
        """The slug a preview token was made for; InvalidToken if forged or expired."""
        try:
            data = self._preview.loads(token, max_age=PREVIEW_SECONDS)
        except SignatureExpired as exc:
            raise InvalidToken("this preview link has expired") from exc
        except BadSignature as exc:
            raise InvalidToken(str(exc)) from exc
        if not isinstance(data, dict) or not isinstance(data.get("p"), str):
            raise InvalidToken("malformed preview token")
        return str(data["p"])

    @staticmethod
    def _load(serializer: URLSafeSerializer, token: str) -> Any:
        try:
            return serializer.loads(token)
        except BadSignature as exc:
            raise InvalidToken(str(exc)) from exc
