"""lambdapress on Chalice: builds the app from blueprints; routes live in chalicelib/views."""

import logging

from chalice import Chalice

from chalicelib import edge
from chalicelib.views import (
    admin,
    admin_actions,
    admin_review,
    admin_screen,
    api,
    comment_feed,
    media,
    post,
    preview,
    site,
    streams,
)

app = Chalice(app_name="lambdapress")
app.log.setLevel(logging.INFO)

app.register_blueprint(api.bp)
app.register_blueprint(admin.bp)
app.register_blueprint(admin_screen.bp)
app.register_blueprint(admin_actions.bp)
app.register_blueprint(admin_review.bp)
app.register_blueprint(comment_feed.bp)
app.register_blueprint(post.bp)
app.register_blueprint(preview.bp)
app.register_blueprint(media.bp)  # answers only under make run (stage local)
app.api.binary_types.extend(t for t in media.IMAGE_TYPES if t not in app.api.binary_types)
app.register_blueprint(site.bp)
app.register_blueprint(streams.bp)
edge.register(app)
