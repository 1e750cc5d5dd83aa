"""tools.cpu_per_request: the side-by-side figures count the server's CPU, not the client's."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tools.cpu_per_request import cpu_per_request, main, processes_named

_SERVER = """
import http.server, sys
work = int(sys.argv[1])
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        sum(range(work))  # the server's own work for each page
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@pytest.fixture
def servers() -> Iterator[dict[str, tuple[int, str]]]:
    """Two servers, one doing a hundred times the work of the other per request."""
    started = {}
    procs = []
    for label, work in (("light", 2_000), ("heavy", 200_000)):
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(work), f"cpu-test-{label}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        started[label] = (proc.pid, f"http://127.0.0.1:{proc.stdout.readline().strip()}/page")
    yield started
    for proc in procs:
        proc.terminate()
        proc.wait(5)


def test_the_server_that_works_harder_per_request_measures_higher(servers) -> None:
    light = cpu_per_request(servers["light"][1], lambda: [servers["light"][0]], 40, warmup=5)
    heavy = cpu_per_request(servers["heavy"][1], lambda: [servers["heavy"][0]], 40, warmup=5)
    assert heavy > 0
    assert heavy > 5 * light


def test_servers_are_found_by_a_name_in_their_command_line(servers) -> None:
    assert processes_named("cpu-test-heavy") == [servers["heavy"][0]]


def test_a_missing_process_is_a_clear_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--url", "http://127.0.0.1:1/", "--pid", "999999999"])
    assert exit_.value.code == 2
    assert "no process with id 999999999" in capsys.readouterr().err
