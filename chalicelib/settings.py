"""Settings from the environment, read when first needed and never at import time."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

# Stage names: they end up in bucket, table, stack, function and parameter names.
STAGE_RE = re.compile(r"[a-z][a-z0-9]{0,11}")


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    bucket: str
    table: str
    cache_ttl: float  # seconds a container serves posts before revalidating them
    stage: str
    notify_from: str  # a verified SES identity; empty: no notification emails
    origin_secret: str = ""  # CloudFront's X-Origin-Verify value; empty: no distribution
    comments_cache_ttl: float = 1.0  # the same for pages of comments (page_cache.py says why)
    outbox: str = ""  # a folder for emails as .eml files instead of SES (the local stack)

    @property
    def admin_token(self) -> str:
        return secret("BLOG_ADMIN_TOKEN")

    @property
    def secret_key(self) -> str:
        return secret("BLOG_SECRET_KEY")

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
        cache_ttl=_float("BLOG_CACHE_TTL", 30.0),
        comments_cache_ttl=_float("BLOG_COMMENTS_CACHE_TTL", 1.0),
        stage=os.environ.get("BLOG_STAGE", "local"),
        notify_from=os.environ.get("BLOG_NOTIFY_FROM", ""),
        origin_secret=os.environ.get("BLOG_ORIGIN_SECRET", ""),
        outbox=os.environ.get("BLOG_OUTBOX", ""),
    )


@functools.cache
def secret(variable: str) -> str:
    """A secret, read once per container when first needed: the variable itself (make run,
    tests), else the SSM SecureString parameter that `<variable>_PARAMETER` names (deployed
    stages: the value never sits in the function's configuration)."""
    value = os.environ.get(variable, "")
    parameter = os.environ.get(f"{variable}_PARAMETER", "")
    if value or not parameter:
        return value
    from chalicelib import deps  # deps reads settings: imported only when needed

    try:
        answer = deps.client("ssm").get_parameter(Name=parameter, WithDecryption=True)
    except Exception as exc:
        raise ConfigError(f"cannot read the SSM parameter {parameter}: {exc}") from exc
    return str(answer["Parameter"]["Value"])


def parameter_names(stage: str) -> dict[str, str]:
    """The SSM parameters holding a deployed stage's secrets, by the variable they replace."""
    return {
        "BLOG_ADMIN_TOKEN": f"/lambdapress-{stage}/admin-token",
        "BLOG_SECRET_KEY": f"/lambdapress-{stage}/secret-key",
    }


def stage_names(
    stage: str, account: str = "${AWS::AccountId}", region: str = "${AWS::Region}"
) -> dict[str, str]:
    """A deployed stage's bucket and table; the bucket's name is unique per account and region."""
    return {
        "bucket": f"lambdapress-{stage}-content-{account}-{region}",
        "table": f"lambdapress-{stage}-comments",
    }


def aws_region() -> str | None:
    """The region boto3 would use (environment or profile), without building a client."""
    import boto3

    return boto3.Session().region_name


def reset() -> None:
    """Forget cached settings (tests, and after the environment changes)."""
    current.cache_clear()
    secret.cache_clear()
