"""Blueprints: site (HTML), api (JSON), admin (JSON, authorised)."""
