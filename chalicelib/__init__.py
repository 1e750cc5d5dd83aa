"""lambdapress: a serverless blog platform (Chalice, S3, DynamoDB)."""

import logging

# INFO lines (one per request, one per notification batch) reach the function's log in
# both functions: Lambda imports the notification function's handler module directly
# (chalicelib.views.streams, not app.py), and its runtime leaves the root logger at WARNING.
logging.getLogger("chalicelib").setLevel(logging.INFO)
