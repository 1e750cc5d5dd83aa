"""Templates compiled at packaging render exactly what the template files render; the
repository has none, so under `make run` an edited template shows at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib import rendering

PAGES = ("/", "/posts/machine-learning-skin-cancer-photos", "/feed.xml", "/sitemap.xml", "/nowhere")


FORM_TOKEN = re.compile(rb'name="form_token" value="[^"]*"')  # fresh on every render


def bodies(client) -> list[bytes]:
    rendering.environment.cache_clear()
    return [FORM_TOKEN.sub(b"", client.http.get(path).body) for path in PAGES]


def test_the_repository_renders_from_the_template_files() -> None:
    rendering.environment.cache_clear()
    assert not rendering.COMPILED_DIR.exists()
    assert type(rendering.environment().loader).__name__ == "FileSystemLoader"


def test_compiled_templates_render_the_same_pages_as_the_files(
    client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_files = bodies(client)
    assert rendering.compile_templates(tmp_path / "compiled") == len(
        [p for p in rendering.TEMPLATES_DIR.rglob("*") if p.is_file() and p.parent.name != "static"]
    )
    monkeypatch.setattr(rendering, "COMPILED_DIR", tmp_path / "compiled")
    try:
        compiled = bodies(client)
        assert type(rendering.environment().loader).__name__ == "ModuleLoader"
    finally:
        rendering.environment.cache_clear()
    assert compiled == from_files
    assert all(compiled)
