"""Compiled bytecode for the Lambda bundle: a cold start then imports, instead of compiling.

`chalice package` ships sources only, and Lambda's file system is read-only, so every new
container would compile every module of the app and of its libraries before its first
request. This adds `__pycache__/<module>.cpython-313.pyc` beside each source, hash-based and
unchecked (PEP 552): the zip's fixed timestamps cannot invalidate them, and the bundle is
built for exactly one runtime (`tools/infra.py` refuses any other Python).
"""

from __future__ import annotations

import importlib.util
import py_compile
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath


def pyc_name(source: str) -> str:
    """Where Python looks for a source's bytecode, inside the bundle."""
    path = PurePosixPath(source)
    tag = sys.implementation.cache_tag
    return str(path.parent / "__pycache__" / f"{path.stem}.{tag}.pyc")


def entry_like(name: str, stamp: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A new entry of the bundle with `stamp`'s fixed timestamp and permissions, deflated."""
    entry = zipfile.ZipInfo(name, date_time=stamp.date_time)
    entry.external_attr = stamp.external_attr
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def add_bytecode(bundle: Path) -> int:
    """Add the bytecode of every source in the zip that compiles; return how many."""
    added = 0
    with tempfile.TemporaryDirectory() as work:
        rebuilt = Path(work) / "bundle.zip"
        with zipfile.ZipFile(bundle) as old, zipfile.ZipFile(rebuilt, "w") as new:
            names = set(old.namelist())
            for info in old.infolist():
                data = old.read(info)
                new.writestr(info, data)
                target = pyc_name(info.filename)
                if info.filename.endswith(".py") and target not in names:
                    code = _compiled(data, info.filename, Path(work))
                    if code is not None:
                        new.writestr(entry_like(target, info), code)
                        added += 1
        shutil.move(rebuilt, bundle)
    return added


def _compiled(source: bytes, name: str, work: Path) -> bytes | None:
    """The unchecked hash-based .pyc of a source; None when it does not compile here."""
    src, pyc = work / "module.py", work / "module.pyc"
    src.write_bytes(source)
    try:
        py_compile.compile(
            str(src),
            cfile=str(pyc),
            dfile=name,
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
    except py_compile.PyCompileError:
        return None
    return pyc.read_bytes()


def is_current(pyc: bytes, source: bytes) -> bool:
    """A hash-based .pyc made for this source by this Python."""
    magic, flags, stored = pyc[:4], int.from_bytes(pyc[4:8], "little"), pyc[8:16]
    return (
        magic == importlib.util.MAGIC_NUMBER
        and flags & 0b1 == 1
        and stored == importlib.util.source_hash(source)
    )
