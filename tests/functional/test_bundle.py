"""The Lambda bundle from `chalice package` serves pages from its own files alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import CONTENT, ROOT

# Runs inside the unzipped bundle, in a fresh interpreter whose path starts there.
RENDER_FROM_BUNDLE = """
import json, sys
from pathlib import Path
bundle = Path.cwd().resolve()
sys.path.insert(0, str(bundle))
from moto import mock_aws
with mock_aws():
    import app as app_module
    import chalice, chalicelib, jinja2, nh3
    from chalicelib import rendering
    from chalicelib.cli import create_resources
    from chalicelib.publishing import load_content, publish
    from chalicelib import deps
    create_resources()
    publish(deps.posts(), load_content(Path(sys.argv[1])))
    slug = "machine-learning-skin-cancer-photos"
    event = {  # as API Gateway sends GET /api/posts/<slug> (the bundle has no chalice.local)
        "resource": "/posts/{slug}", "path": "/posts/" + slug, "httpMethod": "GET",
        "headers": {}, "multiValueHeaders": {}, "queryStringParameters": None,
        "multiValueQueryStringParameters": None, "pathParameters": {"slug": slug},
        "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"resourcePath": "/posts/{slug}", "httpMethod": "GET",
                           "path": "/api/posts/" + slug, "stage": "api",
                           "identity": {"sourceIp": "203.0.113.9"}},
    }
    response = app_module.app(event, None)
    print(json.dumps({
        "status": response["statusCode"],
        "body": response["body"],
            "modules": [m.__file__ for m in (app_module, chalicelib, jinja2, nh3, chalice)],
        "templates": str(rendering.TEMPLATES_DIR),
    }))
"""


def test_the_packaged_bundle_renders_a_post_page(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        # Offline: chalice's pip takes the Lambda wheels `make` fetched beforehand.
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(ROOT / ".wheelhouse"),
    }
    out = tmp_path / "out"
    chalice = Path(sys.executable).parent / "chalice"
    result = subprocess.run(
        [str(chalice), "package", "--stage", "dev", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    bundle = tmp_path / "bundle"
    with zipfile.ZipFile(out / "deployment.zip") as zf:
        names = set(zf.namelist())
        zf.extractall(bundle)
    assert {
        "app.py",
        "templates/post.html",
        "templates/static/site.css",
        "chalicelib/openapi.yaml",
    } <= names
    assert not any(n.startswith(("tests/", "content/", "tools/")) for n in names)

    run_env = dict(env)
    for name in list(run_env):
        if name.startswith(("AWS_ENDPOINT_URL", "BLOG_")):
            del run_env[name]
    run_env.update(
        {
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "BLOG_SECRET_KEY": "s" * 40,
            "BLOG_BUCKET": "bundle-test",
            "BLOG_TABLE": "bundle-test",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", RENDER_FROM_BUNDLE, str(CONTENT)],
        cwd=bundle,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["status"] == 200
    assert "Dermatologist-level classification" in data["body"]
    assert 'href="/api/tags/skin-cancer"' in data["body"]
    resolved = bundle.resolve()
    for path in [*data["modules"], data["templates"]]:
        assert Path(path).resolve().is_relative_to(resolved), path
