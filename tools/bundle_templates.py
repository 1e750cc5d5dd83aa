"""Compiled templates for the Lambda bundle: a cold start then imports them, instead of
lexing, parsing and generating Python for each template on its first render.

Adds `templates_compiled/tmpl_<sha1 of the name>.py` for every template (Jinja2's
`compile_templates`, with the app's own environment, so its options match), which
`chalicelib.rendering` loads with Jinja2's ModuleLoader when that folder exists. Run before
`tools.bytecode.add_bytecode`, which then adds their bytecode too. The repository has no such
folder: under `make run` templates are read from their files, so an edit shows at once.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from chalicelib import rendering
from tools.bytecode import entry_like

FOLDER = PurePosixPath(rendering.COMPILED_DIR.name)


def add_compiled_templates(bundle: Path) -> int:
    """Add every template of the repository, compiled, to the zip; return how many."""
    with tempfile.TemporaryDirectory() as work:
        target = Path(work)
        count = rendering.compile_templates(target)
        with zipfile.ZipFile(bundle) as zf:
            stamp = zf.getinfo("app.py")  # the zip's fixed timestamps and permissions
        with zipfile.ZipFile(bundle, "a") as zf:
            for path in sorted(target.glob("*.py")):
                zf.writestr(entry_like(str(FOLDER / path.name), stamp), path.read_bytes())
    return count
