"""The comment wing: model, errors, rules, service, table layout, store and notifications."""
