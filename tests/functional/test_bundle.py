"""The Lambda bundle from `chalice package` serves pages from its own files alone."""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import CONTENT, ROOT
from tools import bundle_templates, bytecode
from tools.infra import offline_env

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
    from chalicelib.resources import create_resources
    from chalicelib.posts.publishing import load_content, publish
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
        "loader": type(rendering.environment().loader).__name__,
        "compiled": str(rendering.COMPILED_DIR),
    }))
"""


def project_for_this_machine(tmp_path: Path) -> Path:
    """A copy of the project whose dev stage targets this machine's architecture (the real
    stages are arm64), so that the bundle's compiled wheels import here."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("app.py", "requirements.txt", "chalicelib", "templates", "vendor", ".chalice"):
        source = ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "deployments")
            shutil.copytree(source, project / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, project / name)
    config_path = project / ".chalice" / "config.json"
    config = json.loads(config_path.read_text())
    machine = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine()]
    config["stages"]["dev"]["lambda_architecture"] = machine
    config_path.write_text(json.dumps(config))
    return project


def test_the_packaged_bundle_renders_a_post_page(tmp_path: Path) -> None:
    env = offline_env()  # chalice's pip takes the Lambda wheels `make` fetched beforehand
    out = tmp_path / "out"
    chalice = Path(sys.executable).parent / "chalice"
    result = subprocess.run(
        [str(chalice), "package", "--stage", "dev", str(out)],
        cwd=project_for_this_machine(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # As tools.infra.package does: templates compiled, then bytecode for every module.
    assert bundle_templates.add_compiled_templates(out / "deployment.zip") > 10
    assert bytecode.add_bytecode(out / "deployment.zip") > 100
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
    # Every module of the app (and of its libraries) comes compiled for this runtime.
    for source in (
        "app.py",
        "chalicelib/deps.py",
        "chalicelib/comments/store.py",
        "jinja2/runtime.py",
    ):
        compiled = bundle / bytecode.pyc_name(source)
        assert bytecode.is_current(compiled.read_bytes(), (bundle / source).read_bytes()), source

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
    for path in [*data["modules"], data["templates"], data["compiled"]]:
        assert Path(path).resolve().is_relative_to(resolved), path
    # A new container imports the templates compiled at packaging, bytecode included.
    assert data["loader"] == "ModuleLoader"
    compiled = sorted(n for n in names if n.startswith("templates_compiled/tmpl_"))
    assert len(compiled) > 10
    assert bytecode.is_current(
        (bundle / bytecode.pyc_name(compiled[0])).read_bytes(), (bundle / compiled[0]).read_bytes()
    )
