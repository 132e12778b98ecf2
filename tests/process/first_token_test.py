#!/usr/bin/env python3
"""Process-level test of the first-start admin token of `leadscan serve`.

usage: first_token_test.py LEADSCAN
Checks: with stdout not a terminal (a pipe, as under a service manager) the token never
appears on stdout or stderr; the sign-in link is written to a file of mode 0600 beside the
SQLite database and stdout names that file; the token in it works. With stdout a terminal
(a pseudo-terminal here) the sign-in link is shown there and no file is written.
"""
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procutil import free_port  # noqa: E402


TIMEOUT_S = 30


def read_until(fd, pattern, timeout):
    """Reads fd until `pattern` (a regex) matches the text so far; returns (match, text)."""
    end = time.time() + timeout
    text = ""
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        text += chunk.decode(errors="replace")
        m = re.search(pattern, text)
        if m:
            return m, text
    raise AssertionError("no %r in output: %r" % (pattern, text))


def serve_args(leadscan, db, port):
    return [leadscan, "serve", "--db", "sqlite://" + db, "--listen", "127.0.0.1:%d" % port,
            "--web-dir", "/nonexistent", "--rate-limit", "0", "--concurrency", "1"]


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def piped(leadscan, tmp):
    db = os.path.join(tmp, "piped", "t.db")
    os.makedirs(os.path.dirname(db))
    port = free_port()
    p = subprocess.Popen(serve_args(leadscan, db, port), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        m, text = read_until(p.stdout.fileno(), r"the sign-in link is in (\S+) \(mode 0600\)",
                             TIMEOUT_S)
        path = m.group(1)
        assert os.path.abspath(path) == os.path.join(os.path.dirname(db), "first-admin-token"), path
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == 0o600, oct(mode)
        content = open(path).read()
        token = re.search(r"#token=(lsk_\S+)", content).group(1)
        assert "Token (shown once): " + token in content, content
        assert token not in text and "lsk_" not in text, text
        req = urllib.request.Request("http://127.0.0.1:%d/api/me" % port)
        req.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(req, timeout=10) as r:
            me = json.loads(r.read())
        assert me["role"] == "admin", me
    finally:
        stop(p)
    rest = p.stdout.read().decode(errors="replace")
    assert "lsk_" not in rest, rest


def terminal(leadscan, tmp):
    db = os.path.join(tmp, "tty", "t.db")
    os.makedirs(os.path.dirname(db))
    port = free_port()
    master, slave = pty.openpty()
    p = subprocess.Popen(serve_args(leadscan, db, port), stdout=slave, stderr=subprocess.DEVNULL)
    os.close(slave)
    try:
        read_until(master, r"Sign in: http://127\.0\.0\.1:%d/#token=lsk_\S+" % port, TIMEOUT_S)
        assert not os.path.exists(os.path.join(os.path.dirname(db), "first-admin-token"))
    finally:
        stop(p)
        os.close(master)


def main():
    leadscan = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="leadscan-first-token-")
    try:
        piped(leadscan, tmp)
        terminal(leadscan, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
