"""`chalice local` with greedy routes (see tools/greedy_routes.py) and a deeper listen backlog."""

import sys

from chalice import local
from chalice.cli import main

from tools import greedy_routes

# socketserver listens with a backlog of 5: a burst of readers (a page and its
# assets, or 30 comment POSTs at once) overflows it and connections are reset.
# moto's werkzeug server listens with 128.
local.ThreadedHTTPServer.request_queue_size = 128

if __name__ == "__main__":
    greedy_routes.install()
    sys.exit(main())
