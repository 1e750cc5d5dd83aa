"""Signed tokens (form timestamps, cursors, moderation links) and keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

PREVIEW_SECONDS = 24 * 3600  # how long a draft's preview link works
SESSION_SECONDS = 12 * 3600
REVIEW_SECONDS = 7 * 86400


def digest(*parts: str) -> str:
    """A plain SHA-256 of text parts (no key): for identities that reveal nothing secret."""
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


class InvalidToken(ValueError):
    """A token was forged, tampered with, or is for another purpose."""


class ExpiredToken(InvalidToken):
    """A genuine token, past its age."""


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
        self._session = URLSafeTimedSerializer(secret_key, salt="lambdapress.admin-session")
        self._review = URLSafeTimedSerializer(secret_key, salt="lambdapress.review-link")
        self._unsubscribe = URLSafeSerializer(secret_key, salt="lambdapress.unsubscribe")

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
        """The slug a preview token was made for; ExpiredToken after PREVIEW_SECONDS,
        InvalidToken if forged."""
        data = self._load_timed(self._preview, token, PREVIEW_SECONDS)
        if not isinstance(data, dict) or not isinstance(data.get("p"), str):
            raise InvalidToken("malformed preview token")
        return str(data["p"])

    # --- the moderation screen, review links, unsubscribe links ----------------

    def session(self, admin_token: str) -> str:
        """A moderator's session: a random id, bound to the admin token of the moment (a new
        token ends every session)."""
        session = {"sid": secrets.token_urlsafe(16), "t": self._token_tag(admin_token)}
        return self._session.dumps(session)

    def read_session(self, value: str, admin_token: str) -> str:
        """The session's id; raises InvalidToken if forged, expired or for an older token."""
        data = self._load_timed(self._session, value, SESSION_SECONDS)
        if not isinstance(data, dict) or data.get("t") != self._token_tag(admin_token):
            raise InvalidToken("a session of another admin token")
        return str(data.get("sid", ""))

    def _token_tag(self, admin_token: str) -> str:
        return self.keyed_hash("admin-token", admin_token)[:16]

    def csrf(self, bound_to: str) -> str:
        """The CSRF token of a session (its id) or of a review link (its token)."""
        return self.keyed_hash("csrf", bound_to)

    def check_csrf(self, bound_to: str, given: str) -> bool:
        expected = self.csrf(bound_to).encode("utf-8")
        return bool(bound_to) and hmac.compare_digest(expected, given.encode("utf-8", "replace"))

    def review_token(self, comment_id: str) -> str:
        return self._review.dumps(comment_id)

    def read_review_token(self, token: str) -> str:
        """The comment a review link names; ExpiredToken after 7 days, InvalidToken if forged."""
        data = self._load_timed(self._review, token, REVIEW_SECONDS)
        if not isinstance(data, str):
            raise InvalidToken("malformed review link")
        return data

    def unsubscribe_token(self, email_hash: str) -> str:
        return self._unsubscribe.dumps(email_hash)

    def read_unsubscribe_token(self, token: str) -> str:
        data = self._load(self._unsubscribe, token)
        if not isinstance(data, str):
            raise InvalidToken("malformed unsubscribe link")
        return data

    @staticmethod
    def _load_timed(serializer: URLSafeTimedSerializer, token: str, max_age: int) -> Any:
        try:
            return serializer.loads(token, max_age=max_age)
        except SignatureExpired as exc:
            raise ExpiredToken(str(exc)) from exc
        except (BadSignature, UnicodeError) as exc:
            raise InvalidToken(str(exc)) from exc

    @staticmethod
    def _load(serializer: URLSafeSerializer, token: str) -> Any:
        try:
            return serializer.loads(token)
        except (BadSignature, UnicodeError) as exc:  # a lone surrogate is anyone's to send
            raise InvalidToken(str(exc)) from exc
