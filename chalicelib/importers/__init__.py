"""Importers from other platforms: operator tools, never on a request path."""
