"""`/media/...` under `make run`: the bucket's images through the app, as binary responses.

Deployed, CloudFront serves /media/* from the bucket itself (Origin Access Control), so on
any stage but `local` this route answers 404 and never reads the bucket.
"""

from __future__ import annotations

from botocore.exceptions import ClientError
from chalice import Response

from chalicelib import deps, settings
from chalicelib.posts.media import IMMUTABLE, KEY_RE
from chalicelib.views.site import READ
from chalicelib.views.web import Blueprint, not_found_page

bp = Blueprint(__name__)
# What the route may answer; Chalice base64-encodes these for API Gateway.
IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"]


@bp.route("/media/{digest}/{name}", methods=READ)
def media(digest: str, name: str) -> Response:
    key = f"media/{digest}/{name}"
    if settings.current().stage != "local" or not KEY_RE.match(key):
        return not_found_page(bp.current_request, deps.posts().site())
    s = settings.current()
    try:
        found = deps.client("s3").get_object(Bucket=s.bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return not_found_page(bp.current_request, deps.posts().site())
        raise
    content_type = found.get("ContentType", "")
    if content_type not in IMAGE_TYPES:
        return not_found_page(bp.current_request, deps.posts().site())
    body = found["Body"].read()
    headers = {
        "Content-Type": content_type,
        "Cache-Control": found.get("CacheControl") or IMMUTABLE,
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body=b"" if bp.current_request.method == "HEAD" else body, headers=headers)
