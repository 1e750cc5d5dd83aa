"""Every way a comment can be refused or a moderation action can fail: one hierarchy."""

from __future__ import annotations


class CommentError(Exception):
    """Base of the comment wing's domain errors; views map each to one response."""


class CommentsClosed(CommentError):
    """The post takes no more comments."""


class InvalidComment(CommentError):
    """Fields failed validation: a message per field."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class FormExpired(CommentError):
    """The form was served too long ago; the reader should submit it again."""


class ParentUnavailable(CommentError):
    """The comment replied to does not exist, is on another post, or is not approved."""


class DuplicateComment(CommentError):
    """This email already posted this text on this post."""


class TooFast(CommentError):
    """The client posted within the flood window."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class IdempotencyMismatch(CommentError):
    """An idempotency key was used before for another comment."""


class ConcurrentChange(CommentError):
    """The comment changed between reading and writing it."""
