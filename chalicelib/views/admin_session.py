"""What the moderation screen's pages share: the signed session cookie, CSRF tokens, form
bodies, and the headers of a page no cache may keep and no search engine may index."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from http.cookies import CookieError, SimpleCookie
from typing import Any

from chalice import Response
from chalice.app import Request

from chalicelib import deps, settings
from chalicelib.rendering import HTML, render, security_headers
from chalicelib.signing import SESSION_SECONDS, InvalidToken
from chalicelib.views.web import Links, links_for, parse_form

COOKIE = "lambdapress_admin"
FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 200_000  # an edited comment (65,525 bytes) escaped, with room to spare
ADMIN_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


@dataclass(frozen=True)
class Session:
    """A signed-in moderator: the session's id, and the CSRF token bound to it."""

    id: str
    csrf: str


def page(
    request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None
) -> Callable[..., Response]:
    """A renderer for one admin page: call it with the template's variables."""

    def respond(**context: Any) -> Response:
        site = deps.posts().site()
        body = render(template, links=links_for(request, site), site=site, **context)
        return Response(
            body=body,
            status_code=status,
            headers={
                "Content-Type": HTML,
                **ADMIN_HEADERS,
                **security_headers(),
                **(headers or {}),
            },
        )

    return respond


def redirect(request: Request, path: str, cookie: str | None = None) -> Response:
    headers: dict[str, str | list[str]] = {"Location": links(request).url(path), **ADMIN_HEADERS}
    if cookie is not None:
        headers["Set-Cookie"] = cookie
    return Response(body="", status_code=303, headers=headers)


def links(request: Request) -> Links:
    return links_for(request, deps.posts().site())


def token_matches(given: str) -> bool:
    """The admin token, compared in constant time; an unset token matches nothing."""
    token = settings.current().admin_token
    return bool(token) and hmac.compare_digest(
        given.encode("utf-8", "replace"), token.encode("utf-8")
    )


def session_cookie(request: Request, value: str, max_age: int = SESSION_SECONDS) -> str:
    """The cookie's attributes: only the screen's paths see it, never a script or another
    site; Secure wherever the site is served over HTTPS (every deployed stage)."""
    path = links(request).url("/admin")
    secure = "; Secure" if settings.current().stage != "local" else ""
    return f"{COOKIE}={value}; Max-Age={max_age}; Path={path}; HttpOnly; SameSite=Strict{secure}"


def new_session_cookie(request: Request) -> str:
    return session_cookie(request, deps.signing().session(settings.current().admin_token))


def ended_session_cookie(request: Request) -> str:
    return session_cookie(request, "", max_age=0)


def current_session(request: Request) -> Session | None:
    """The request's session if its cookie is genuine, unexpired and of the current token."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie", ""))
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    if morsel is None or not morsel.value:
        return None
    signing = deps.signing()
    try:
        session_id = signing.read_session(morsel.value, settings.current().admin_token)
    except InvalidToken:
        return None
    return Session(id=session_id, csrf=signing.csrf(session_id)) if session_id else None


def form_fields(request: Request) -> dict[str, list[str]] | None:
    """A urlencoded body's fields, every value of each; None when it is too large."""
    return parse_form(request, MAX_FORM_BYTES, 1000)


def first(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name) or [""]
    return values[0]


def forbidden(request: Request) -> Response:
    return page(request, "admin_message.html", 403)(
        heading="This form has expired",
        message="Nothing was changed. Go back, reload the page and try again.",
        back="/admin",
    )


def signed_in(request_of: Callable[[], Request]) -> Callable[..., Any]:
    """A view decorator: without a session, GET and POST alike go to the sign-in page; the
    view gets the session as its first argument."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            request = request_of()
            session = current_session(request)
            if session is None:
                return redirect(request, "/admin/login")
            return view(session, *args, **kwargs)

        return guarded

    return decorate


def with_csrf(
    request: Request, session_or_token: str
) -> tuple[dict[str, list[str]] | None, Response | None]:
    """The form's fields if its CSRF token is the one bound to `session_or_token`; else the
    403 to answer (nothing changes)."""
    fields = form_fields(request)
    if fields is None:
        return None, page(request, "admin_message.html", 413)(
            heading="Too large", message="The form is too large.", back="/admin"
        )
    if not deps.signing().check_csrf(session_or_token, first(fields, "csrf")):
        return None, forbidden(request)
    return fields, None
