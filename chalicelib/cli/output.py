"""What every CLI command shares: its error type, how it prints, asks and shows progress.

`rich` draws progress bars on a terminal only, and is imported only then, so the CLI
starts fast and pipes and logs get plain lines.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sized


class CliError(Exception):
    """A failure to report in one clear line, with exit status 1."""


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def each(label: str, items: list[str], note: str = "") -> None:
    """One aligned line per item of a report: `uploaded   posts/x.md`."""
    for item in items:
        out(f"{label:<10} {item}{note}")


def on_terminal(stream: object = None) -> bool:
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def colour(text: str, code: str, stream: object = None) -> str:
    """`text` in an ANSI colour on a terminal, unless NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR") or not on_terminal(stream):
        return text
    return f"\033[{code}m{text}\033[0m"


def error_line(message: str) -> str:
    return f"{colour('error:', '1;31')} {message}\n"


def track[T](items: Iterable[T], what: str) -> Iterator[T]:
    """Yield `items`, drawing a progress bar on stderr when it is a terminal."""
    if not on_terminal():
        yield from items
        return
    from rich.console import Console
    from rich.progress import Progress

    total = len(items) if isinstance(items, Sized) else None
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(what, total=total)
        for item in items:
            yield item
            progress.advance(task)


def confirm(question: str, yes: bool) -> None:
    """Go on only if `--yes` was given or the person at the terminal answers y."""
    if yes:
        return
    if not (on_terminal(sys.stdin) and on_terminal(sys.stdout)):
        raise CliError(f"{question} Refusing without a terminal to ask: pass --yes to confirm")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise CliError("cancelled; nothing was changed")
