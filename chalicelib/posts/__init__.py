"""The post wing: model, front matter, Markdown, site config, store and publishing."""
