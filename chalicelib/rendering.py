"""The Jinja2 environment and response helpers shared by every view."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalice import Response
from markupsafe import Markup

if TYPE_CHECKING:
    import jinja2

# Next to app.py both in the repo and in the Lambda bundle (vendor/templates).
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
# In the Lambda bundle only: every template compiled to a Python module when it was packaged
# (tools/bundle_templates.py), so that a new container imports them instead of compiling.
# The repository has none, so under `make run` an edited template shows at once.
COMPILED_DIR = TEMPLATES_DIR.parent / "templates_compiled"

HTML = "text/html; charset=utf-8"
HTML_CACHE = "public, max-age=0, s-maxage=60, stale-while-revalidate=60, must-revalidate"
FEED_CACHE = "public, max-age=300, s-maxage=300"
PRIVATE = "private, no-store"


def _rfc822(value: dt.date | str) -> str:
    """A date (a post's) or an ISO timestamp (a comment's) as RSS writes it."""
    if isinstance(value, str):
        return format_datetime(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    moment = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return format_datetime(moment)


def _human_date(value: dt.date | str) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dt.datetime):
        return f"{value:%-d %B %Y at %H:%M} UTC"
    return f"{value:%-d %B %Y}"


def _json_ld(data: Any) -> Markup:
    # JSON inside <script>: escape "<", ">" and "&" so no string can close the element.
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above for a script data block


@functools.cache
def environment() -> jinja2.Environment:
    """The template environment: the bundle's compiled templates, else the template files
    (built on the first page, so that the notification function never imports Jinja2)."""
    import jinja2

    if COMPILED_DIR.is_dir():
        return _environment(jinja2.ModuleLoader(COMPILED_DIR))
    return _environment(jinja2.FileSystemLoader(TEMPLATES_DIR))


def _environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    """Autoescape on for every template, HTML and XML alike."""
    import jinja2

    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["rfc822"] = _rfc822
    env.filters["human_date"] = _human_date
    env.filters["json_ld"] = _json_ld
    # The site's own stylesheet file, not user input; its CSP hash is of this exact text.
    env.globals["stylesheet"] = Markup(stylesheet())  # noqa: S704
    return env


def compile_templates(target: Path) -> int:
    """Compile every template of TEMPLATES_DIR into `target` as the modules that
    COMPILED_DIR holds in the bundle; return how many."""
    import jinja2

    env = _environment(jinja2.FileSystemLoader(TEMPLATES_DIR))
    names = [name for name in env.list_templates() if not name.startswith("static/")]
    env.compile_templates(
        str(target), zip=None, filter_func=names.__contains__, ignore_errors=False
    )
    return len(names)


@functools.cache
def stylesheet() -> str:
    return (TEMPLATES_DIR / "static" / "site.css").read_text(encoding="utf-8")


@functools.cache
def style_hash() -> str:
    """CSP hash of the inline stylesheet: styles run, injected ones do not."""
    digest = hashlib.sha256(stylesheet().encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def security_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src '{style_hash()}'; img-src 'self' https: data:; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
    }


def etag_for(body: str) -> str:
    return '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'


def conditional(
    request_headers: Any,
    body: str,
    content_type: str,
    cache_control: str = HTML_CACHE,
    status: int = 200,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """A cacheable response with a strong ETag, or 304 when the client already has it."""
    headers: dict[str, str | list[str]] = {
        "Content-Type": content_type,
        "Cache-Control": cache_control,
    }
    if content_type.startswith("text/html"):
        headers.update(security_headers())
    headers.update(extra_headers or {})
    if status != 200:
        return Response(body=body, status_code=status, headers=headers)
    etag = etag_for(body)
    headers["ETag"] = etag
    inm = (request_headers or {}).get("if-none-match", "")
    if inm and (inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")]):
        return Response(body="", status_code=304, headers=headers)
    return Response(body=body, status_code=200, headers=headers)
