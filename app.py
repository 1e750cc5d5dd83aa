"""lambdapress on Chalice: builds the app from blueprints; routes live in chalicelib/views."""

import logging

from chalice import Chalice

from chalicelib import edge
from chalicelib.views import admin, api, post, preview, site, streams

app = Chalice(app_name="lambdapress")
app.log.setLevel(logging.INFO)
logging.getLogger("chalicelib").setLevel(logging.INFO)

app.register_blueprint(api.bp)
app.register_blueprint(admin.bp)
app.register_blueprint(post.bp)
app.register_blueprint(preview.bp)
app.register_blueprint(site.bp)
app.register_blueprint(streams.bp)
edge.register(app)
