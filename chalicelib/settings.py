"""Settings from the environment, read when first needed and never at import time."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    bucket: str
    table: str
    admin_token: str
    secret_key: str
    cache_ttl: float
    stage: str
    notify_from: str  # a verified SES identity; empty: no notification emails
    origin_secret: str = ""  # CloudFront's X-Origin-Verify value; empty: no distribution
    outbox: str = ""  # a folder for emails as .eml files instead of SES (the local stack)

    def require_secret_key(self) -> str:
        if len(self.secret_key) < 32:
            raise ConfigError("BLOG_SECRET_KEY must be set to at least 32 random characters")
        return self.secret_key


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from exc


@functools.cache
def current() -> Settings:
    """The process's settings; cached until `reset()`."""
    return Settings(
        bucket=os.environ.get("BLOG_BUCKET", "lambdapress-local"),
        table=os.environ.get("BLOG_TABLE", "lambdapress-local"),
        admin_token=os.environ.get("BLOG_ADMIN_TOKEN", ""),
        secret_key=os.environ.get("BLOG_SECRET_KEY", ""),
        cache_ttl=_float("BLOG_CACHE_TTL", 30.0),
        stage=os.environ.get("BLOG_STAGE", "local"),
        notify_from=os.environ.get("BLOG_NOTIFY_FROM", ""),
        origin_secret=os.environ.get("BLOG_ORIGIN_SECRET", ""),
        outbox=os.environ.get("BLOG_OUTBOX", ""),
    )


def stage_names(
    stage: str, account: str = "${AWS::AccountId}", region: str = "${AWS::Region}"
) -> dict[str, str]:
    """A deployed stage's bucket and table; the bucket's name is unique per account and region."""
    return {
        "bucket": f"lambdapress-{stage}-content-{account}-{region}",
        "table": f"lambdapress-{stage}-comments",
    }


def reset() -> None:
    """Forget cached settings (tests, and after the environment changes)."""
    current.cache_clear()
