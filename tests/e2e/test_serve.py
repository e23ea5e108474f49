"""``lianrong serve``: one process, or worker processes that each listen on the port (``SO_REUSEPORT``)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from commands import LIANRONG
from commands import clean_env as _env

from lianrong.entrypoints.api.serve import can_reuse_port, listening_socket
from lianrong.kernel.errors import CannotListen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> int:
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    r.read()
    return r.status


def wait_until_serving(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"lianrong serve exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}"
            )
        try:
            if get(port, "/login") == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("lianrong serve did not answer in time")


def children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                out.append(int(entry))
    return out


def test_a_listening_socket_is_tcp_so_asyncio_sets_nodelay():
    sock = listening_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.get_inheritable()
    finally:
        sock.close()


@pytest.mark.skipif(not can_reuse_port(), reason="SO_REUSEPORT balancing is Linux's")
def test_worker_sockets_share_the_port():
    a = listening_socket("127.0.0.1", 0, reuse_port=True)
    try:
        b = listening_socket("127.0.0.1", a.getsockname()[1], reuse_port=True)
        b.close()
        with pytest.raises(CannotListen):  # a socket without SO_REUSEPORT cannot join them
            listening_socket("127.0.0.1", a.getsockname()[1]).close()
    finally:
        a.close()


@pytest.mark.skipif(not can_reuse_port(), reason="SO_REUSEPORT balancing is Linux's")
def test_serve_with_workers_answers_on_every_connection_and_stops_cleanly(tmp_path):
    db = f"sqlite:///{tmp_path / 'serve.db'}"
    port = free_port()
    proc = subprocess.Popen(
        [*LIANRONG, "serve", "--db", db, "--port", str(port), "--workers", "2"],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(port, proc)
        assert len(children_of(proc.pid)) >= 2  # the workers (and multiprocessing's resource tracker)
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(16)]
        for _ in range(3):  # keep-alive connections, spread over the workers by the kernel
            assert {get(port, "/api/v1/openapi.json", c) for c in conns} == {200}
        for c in conns:
            c.close()
        # a second server on the same port is refused at once, not half-started
        second = subprocess.run(
            [*LIANRONG, "serve", "--db", db, "--port", str(port), "--workers", "2"],
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1 and "serve.cannot_listen" in second.stderr, second.stderr
        assert "无法在127.0.0.1" in second.stderr and "Cannot listen on 127.0.0.1" in second.stderr
        assert get(port, "/login") == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert rc == 0, proc.stderr.read() if proc.stderr else ""
    with socket.socket() as s:  # the port is free again
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
