"""`chalice local` with API Gateway's greedy routes (see tools/greedy_routes.py)."""

import sys

from chalice.cli import main

from tools import greedy_routes

if __name__ == "__main__":
    greedy_routes.install()
    sys.exit(main())
