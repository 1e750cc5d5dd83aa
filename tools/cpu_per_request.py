"""Server CPU per request of any web application on this machine, for side-by-side figures.

    python -m tools.cpu_per_request --url URL (--pid PID ... | --name NAME) [-n 500]

Sends `-n` GET requests to URL one after another (after a warm-up of 50), and prints the
CPU time (user + system, from /proc) that the server's processes spent, per request. The
server is named by process id, or by a name its command line contains: for PHP-FPM,
whose pool runs in several worker processes, `--name php-fpm` counts them all. Measure
each application on the same machine in one sitting, on a page with the same content.
/proc counts CPU in clock ticks (10 ms here): 500 requests make that 0.02 ms a request.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """Seconds of CPU (user + system, its threads included) a process has used."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces and ")"
    return (int(fields[11]) + int(fields[12])) / _TICKS


def processes_named(name: str) -> list[int]:
    """Every process whose command line contains `name`, this one excepted."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile
        if name in cmdline:
            found.append(int(entry.name))
    return found


def cpu_by_process(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        try:
            found[pid] = process_cpu(pid)
        except OSError:
            continue  # a worker that exited: its time is gone with it
    return found


def _get(conn: http.client.HTTPConnection, path: str) -> None:
    conn.request("GET", path, headers={"Accept-Encoding": "identity"})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        where = response.getheader("Location")
        hint = f" (to {where}: measure that address)" if where else ""
        raise SystemExit(f"GET {path} answered {response.status}{hint}: measure a page that works")


def cpu_per_request(
    url: str, servers: Callable[[], list[int]], requests: int, warmup: int = 50
) -> float:
    """Seconds of the servers' CPU per GET of `url`. `servers()` lists their processes; it
    is asked again at the end, so a worker started meanwhile counts in full."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80)
    for _ in range(warmup):
        _get(conn, path)
    before = cpu_by_process(servers())
    for _ in range(requests):
        _get(conn, path)
    after = cpu_by_process(servers())
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items()) / requests


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", required=True, help="the page to GET, e.g. a post with 50 comments"
    )
    parser.add_argument("--pid", type=int, action="append", default=[], help="a server process")
    parser.add_argument("--name", help="count every process whose command line contains this")
    parser.add_argument("-n", type=int, default=500, help="requests measured (default 500)")
    args = parser.parse_args(argv)

    def servers() -> list[int]:
        return args.pid + (processes_named(args.name) if args.name else [])

    if not servers():
        parser.error("no server process: give --pid, or a --name that a running process has")
    missing = [p for p in args.pid if not Path(f"/proc/{p}").exists()]
    if missing:
        parser.error(f"no process with id {', '.join(map(str, missing))}")
    seconds = cpu_per_request(args.url, servers, args.n)
    counted = f"{len(servers())} process(es), {args.n} GETs"
    print(f"{seconds * 1e3:.2f} ms of server CPU per request ({counted})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
