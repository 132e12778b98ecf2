"""Helpers the process tests share: a free loopback port, waiting for a condition, starting
the fake internet (its ports come from the line it prints when ready) and a throw-away
PostgreSQL 15 that can be stopped and started again on the same port."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

PG_BIN = os.environ.get("LEADSCAN_PG_BIN", "/usr/lib/postgresql/15/bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dead_port():
    """A loopback port where connections are refused for as long as the returned socket is
    open: it is bound and never listens, so no other process (tests run in parallel) can take
    the port meanwhile. Returns (port, socket)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s.getsockname()[1], s


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def chromium_processes(marker):
    """Chromium processes leadscan started (their profile folder is named leadscan-chromium-*)
    whose command line also names `marker` (str or bytes: the test's TMPDIR)."""
    want = marker.encode() if isinstance(marker, str) else marker
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if b"leadscan-chromium-" in cmd and want in cmd:
            out.append(int(pid))
    return out


def fakenet_flags(ports, ca):
    """The fetch flags that send every site to the fake internet: its two loopback ports
    allowed, every host's :80 and :443 connected there, its test CA trusted. A test that needs
    more specific --connect-to entries puts them before these (the first match wins)."""
    http_port, https_port = ports
    return ["--allow-net", "127.0.0.1/32:%d" % http_port,
            "--allow-net", "127.0.0.1/32:%d" % https_port,
            "--connect-to", ":443:127.0.0.1:%d" % https_port,
            "--connect-to", ":80:127.0.0.1:%d" % http_port,
            "--ca-file", ca]


def start_fakenet(fakenet, sites, tmp):
    """Starts leadscan-fakenet on loopback; returns (process, (http_port, https_port)). The
    test CA is written to tmp/ca.pem."""
    out = open(os.path.join(tmp, "fakenet.out"), "w+")
    p = subprocess.Popen([fakenet, "--sites", sites, "--ca-out", os.path.join(tmp, "ca.pem")],
                         stdout=out, stderr=subprocess.DEVNULL)

    def ready():
        out.seek(0)
        m = re.search(r"http=127\.0\.0\.1:(\d+) https=127\.0\.0\.1:(\d+)", out.read())
        return m and (int(m.group(1)), int(m.group(2)))
    return p, wait_for(ready, 20, "fakenet")


class Postgres:
    """A throw-away PostgreSQL: initdb in its own folder (the postgres user cannot enter a
    test's 0700 temp folder), listening on 127.0.0.1 only. `stop(keep=True)` and `restart()`
    let a test take the database away mid-run and bring it back on the same port."""

    def __init__(self):
        self.dir = os.path.join(tempfile.mkdtemp(prefix="leadscan-test-pg-"), "data")
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @staticmethod
    def available():
        return os.path.exists(PG_BIN + "/initdb")

    def url(self):
        return "postgresql://postgres@127.0.0.1:%d/postgres" % self.port

    def start(self):
        os.makedirs(self.dir)
        if self.as_user:
            shutil.chown(os.path.dirname(self.dir), "postgres")
            shutil.chown(self.dir, "postgres")
        subprocess.run(self.as_user + [PG_BIN + "/initdb", "-D", self.dir, "-U", "postgres",
                                       "-A", "trust", "-E", "UTF8", "--no-sync",
                                       "--no-instructions"],
                       check=True, capture_output=True)
        self._pg_ctl_start()
        return self.url()

    def _pg_ctl_start(self):
        subprocess.run(self.as_user + [PG_BIN + "/pg_ctl", "-D", self.dir, "-w", "-l",
                                       self.dir + "/log", "-o",
                                       "-h 127.0.0.1 -p %d -k /tmp -F" % self.port, "start"],
                       check=True, capture_output=True)

    def restart(self):
        """Starts a server stopped with stop(keep=True) again, same data, same port."""
        self._pg_ctl_start()

    def stop(self, keep=False):
        subprocess.run(self.as_user + [PG_BIN + "/pg_ctl", "-D", self.dir, "-m", "immediate",
                                       "stop"], capture_output=True)
        if not keep:
            shutil.rmtree(os.path.dirname(self.dir), ignore_errors=True)


class WebhookReceiver:
    """A webhook receiver on 127.0.0.1 for tests: records every POST (headers, raw body) and
    answers with the next status of `statuses` (the last one repeats). `stop()` closes the port
    (a receiver that is down: connection refused) and `start()` opens the same port again."""

    def __init__(self, port=None, statuses=(200,)):
        import threading
        self.port = port or free_port()
        self.statuses = list(statuses)
        self.received = []  # (headers as a dict, raw body bytes, status answered)
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    def start(self):
        import http.server
        import threading
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    status = receiver.statuses[0]
                    if len(receiver.statuses) > 1:
                        receiver.statuses.pop(0)
                    receiver.received.append((dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def url(self, path="/hook"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def deliveries(self, event=None):
        with self.lock:
            return [r for r in self.received if event is None or
                    r[0].get("X-Leadscan-Event") == event]


def verify_signature(secret, body, header):
    """What a receiver does: X-Leadscan-Signature is sha256=<hex HMAC-SHA256 of the raw body>."""
    import hashlib
    import hmac
    want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, header or "")


def switch_site(http_port, host, variant):
    """Switches a fake-internet site to one of its _variants ("" switches back;
    tests/fakenet/README.md)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
    conn.request("GET", "/_fakenet/variant/" + variant, headers={"Host": host})
    status = conn.getresponse().status
    conn.close()
    assert status == 200, "variant %s of %s: HTTP %d" % (variant, host, status)
