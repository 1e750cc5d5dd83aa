"""What every CLI command shares: its error type and how it prints."""

from __future__ import annotations

import sys


class CliError(Exception):
    """A failure to report in one clear line, with exit status 1."""


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def each(label: str, items: list[str], note: str = "") -> None:
    """One aligned line per item of a report: `uploaded   posts/x.md`."""
    for item in items:
        out(f"{label:<10} {item}{note}")
