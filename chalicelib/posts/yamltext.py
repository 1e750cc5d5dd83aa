"""YAML as authors write it: dates kept as text, every failure one ContentError."""

from __future__ import annotations

from typing import Any

import yaml

from chalicelib.posts.model import ContentError


class _TextDatesLoader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as strings: `date: 2026-13-45` is then a field
    error the converters report, not a ValueError deep inside PyYAML."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(text: str, source: str, field_name: str | None) -> Any:
    """Parse YAML text, or raise ContentError(source, field_name, ...) in one line."""
    try:
        return yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        where = f" (line {exc.problem_mark.line + 1})" if exc.problem_mark else ""
        raise ContentError(source, field_name, f"is not valid YAML{where}: {exc.problem}") from exc
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        # ValueError/TypeError: a value PyYAML cannot construct (say, a bad !!binary).
        message = " ".join(str(exc).split())  # one line, whatever PyYAML wrote
        raise ContentError(source, field_name, f"is not valid YAML: {message}") from exc
