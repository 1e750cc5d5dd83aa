"""The one table from a comment's domain error to a response, for the form and the API alike."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.comments.errors import (
    CommentError,
    CommentsClosed,
    ConcurrentChange,
    DuplicateComment,
    FormExpired,
    IdempotencyMismatch,
    InvalidComment,
    ParentUnavailable,
    TooFast,
)


@dataclass(frozen=True)
class Refusal:
    """How a refused request is answered: status, machine code, message, per-field messages."""

    status: int
    code: str
    message: str
    fields: dict[str, str]
    headers: dict[str, str]


_INVALID = "Some fields are invalid."
_PARENT_GONE = "The comment you are replying to is no longer available."
_TABLE: dict[type[CommentError], tuple[int, str, str]] = {
    CommentsClosed: (403, "comments_closed", "Comments are closed on this post."),
    FormExpired: (
        422,
        "form_expired",
        "This form has expired. Please submit your comment again.",
    ),
    InvalidComment: (422, "invalid", _INVALID),
    ParentUnavailable: (422, "invalid", _PARENT_GONE),
    DuplicateComment: (
        409,
        "duplicate",
        "Duplicate comment detected; it looks as though you’ve already said that!",
    ),
    TooFast: (429, "too_fast", "You are posting comments too quickly. Slow down."),
    IdempotencyMismatch: (
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was used for a different comment.",
    ),
    ConcurrentChange: (409, "conflict", "The comment changed meanwhile; reload and retry."),
}


def refusal(exc: CommentError) -> Refusal:
    status, code, message = _TABLE[type(exc)]
    fields: dict[str, str] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, InvalidComment):
        fields = exc.fields
    elif isinstance(exc, ParentUnavailable):
        fields = {"parent_id": _PARENT_GONE}
    elif isinstance(exc, TooFast):
        headers = {"Retry-After": str(exc.retry_after)}
    return Refusal(status, code, message, fields, headers)
