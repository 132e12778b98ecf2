#!/usr/bin/env python3
"""The attacks of the issue "Holes found from outside", run against real processes: `serve` on
SQLite and on PostgreSQL, `worker` on PostgreSQL, and `analyze`. Real binaries, a throw-away
PostgreSQL 15, the fake internet on loopback with hostile sites this test writes itself.

usage: hostile_test.py LEADSCAN FAKENET

Every check asserts what a client or a website must not be able to do: reach a handler without
a token, crash or wedge a process, grow memory or metrics without bound, hold every connection.
Traffic goes to 127.0.0.0/8 only.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procutil import (PG_BIN, Postgres, fakenet_flags, free_port,  # noqa: E402
                      start_fakenet, wait_for)


PASSED = []
FAILED = []


def check(name, fn):
    try:
        fn()
        PASSED.append(name)
        print("ok  ", name, flush=True)
    except Exception as e:  # noqa: BLE001 — every failure is reported, the run goes on
        FAILED.append(name)
        print("FAIL", name, "--", repr(e), flush=True)


# ---- hostile websites, served by the fake internet -------------------------------------------

def write_sites(root):
    """Sites that attack the analyser: bytes that are not UTF-8 in headers, cookies and body,
    and HTML whose parse cost grows with its depth."""
    def site(host, files, headers=None):
        d = os.path.join(root, host)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        if headers:
            with open(os.path.join(d, "_headers"), "wb") as f:
                f.write(headers)

    site("bad-utf8.attack.test",
         {"index.html": b"<html><head><title>\xff\xfe Butik</title></head><body>"
                        b"<p>Frakt med PostNord \xc3\x28 Klarna \xed\xa0\x80</p>"
                        b"<a href=\"/frakt\xff\">frakt</a></body></html>"},
         b"*: Cf-Ray: \xff\xfe\n*: X-Powered-By: Shop\xe9\n"
         b"*: Set-Cookie: sess\xff=\xfe\xfd; Path=/\n")
    site("deep-divs.attack.test",
         {"index.html": b"<html><body>" + b"<div>" * 200000 + b"Frakt PostNord" +
                        b"</div>" * 200000 + b"</body></html>"})
    site("unclosed.attack.test",
         {"index.html": b"<html><body>" + b"<a><div>" * 100000 + b"</body></html>"})
    site("plain.attack.test",
         {"index.html": b"<html><body><p>Vi skickar med PostNord.</p></body></html>"})


def net_flags(ports, ca):
    return fakenet_flags(ports, ca) + ["--politeness-ms", "0", "--ignore-robots"]


# ---- HTTP helpers ----------------------------------------------------------------------------

def raw(port, data, timeout=10, source="127.0.0.1"):
    """Sends raw bytes, returns the status code of the answer (0: closed without one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=(source, 0)) as s:
        s.sendall(data)
        buf = b""
        while b"\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    m = re.match(rb"HTTP/1\.[01] (\d{3})", buf)
    return int(m.group(1)) if m else 0


def call(port, method, path, token=None, body=None, ctype="application/json", source=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                      source_address=(source, 0) if source else None)
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        headers["Content-Type"] = ctype
        if isinstance(body, str):
            body = body.encode()
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data, dict(r.getheaders())


def healthy(port, source="127.0.0.2"):
    try:
        return call(port, "GET", "/healthz", source=source)[0] == 200
    except OSError:
        return False


def assert_valid_utf8_json(data):
    text = data.decode("utf-8")  # raises on invalid UTF-8
    return json.loads(text)


# ---- the attacks -----------------------------------------------------------------------------

def attack_api(label, port, token, member):
    def no_leading_slash():
        for target in ["api/batch-analysis/scheduler/status", "api/me", "api/leads",
                       "api/batch-analysis/jobs"]:
            st = raw(port, b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                     b"Connection: close\r\n\r\n")
            assert st == 400, "%s answered %d" % (target, st)
        for target in ["//api/leads", "/API/leads", "/api/%2e%2e/api/leads", "/api/./leads",
                       "http://x/api/leads"]:
            st = raw(port, b"GET " + target.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                     b"Connection: close\r\n\r\n")
            assert st in (400, 401, 404), "%s answered %d" % (target, st)
        st = call(port, "GET", "/api/leads")[0]
        assert st == 401, st

    def deep_json():
        body = '{"extra":' * 100000 + "1" + "}" * 100000
        st, data, _ = call(port, "POST", "/api/leads", member, body)
        assert st == 400, (st, data[:200])
        assert b"depth" in data or b"deep" in data, data[:200]
        assert healthy(port)

    def csv_with_invalid_utf8_then_writes():
        st, data, _ = call(port, "POST", "/api/leads/import", member,
                           b"company_name,domain,notes\nfoo,foo.se,\xff\n", "text/csv")
        assert st == 400, (st, data[:200])
        assert b"row" in data, data[:200]
        st, data, _ = call(port, "POST", "/api/leads", member,
                           json.dumps({"company_name": "After AB", "domain": "after.se"}))
        assert st == 201, (st, data[:200])
        assert call(port, "GET", "/readyz")[0] == 200

    def metrics_labels_closed():
        before = len(call(port, "GET", "/metrics")[1])
        for n in range(200):
            raw(port, b"FOO%dBAR /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % n)
        after = len(call(port, "GET", "/metrics")[1])
        assert after - before < 4000, "metrics grew by %d bytes" % (after - before)

    def slowloris():
        socks = []
        try:
            for _ in range(300):
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=5)
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-a: ")
                    socks.append(s)
                except OSError:
                    break
            assert healthy(port), "healthz from another address failed while held"
            st, _, _ = call(port, "GET", "/api/leads", member, source="127.0.0.3")
            assert st == 200, st
        finally:
            for s in socks:
                s.close()

    def stream_flood():
        st, data, _ = call(port, "POST", "/api/batch-analysis/jobs", member, json.dumps({
            "job_name": "nightly", "job_type": "tech_analysis", "is_scheduled": True,
            "schedule_cron": "0 3 * * *", "lead_ids": [lead_id(port, member)]}))
        assert st in (200, 201), (st, data[:200])
        job_id = json.loads(data)["job_id"]
        socks, refused = [], 0
        try:
            for _ in range(120):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(("GET /api/batch-analysis/jobs/%s/events HTTP/1.1\r\nHost: x\r\n"
                           "Authorization: Bearer %s\r\n\r\n" % (job_id, member)).encode())
                head = s.recv(200)
                if not head.startswith(b"HTTP/1.1 200"):
                    refused += 1
                socks.append(s)
            assert refused > 0, "120 streams of one token were all accepted"
            assert healthy(port), "healthz failed while streams were held"
            st, _, _ = call(port, "GET", "/api/leads", token, source="127.0.0.4")
            assert st == 200, st
        finally:
            for s in socks:
                s.close()

    for name, fn in [("no_leading_slash", no_leading_slash), ("deep_json", deep_json),
                     ("csv_invalid_utf8", csv_with_invalid_utf8_then_writes),
                     ("metrics_labels", metrics_labels_closed), ("slowloris", slowloris),
                     ("stream_flood", stream_flood)]:
        check("%s: %s" % (label, name), fn)


def lead_id(port, token):
    st, data, _ = call(port, "GET", "/api/leads?limit=1", token)
    return json.loads(data)["leads"][0]["id"]


def attack_sites(label, port, member, hosts, timeout_s, copies=1):
    """A job over hostile sites ends with every item in a final state; the process lives."""
    def run():
        ids = []
        for h in hosts * copies:
            st, data, _ = call(port, "POST", "/api/leads", member,
                               json.dumps({"company_name": h, "domain": h}))
            assert st == 201, (st, data[:200])
            ids.append(json.loads(data)["lead"]["id"])
        st, data, _ = call(port, "POST", "/api/batch-analysis/jobs", member, json.dumps(
            {"job_name": "hostile", "job_type": "full_analysis", "lead_ids": ids,
             "analysis_config": {"timeout": 10000}}))
        assert st in (200, 201), (st, data[:200])
        job_id = json.loads(data)["job_id"]

        def final():
            st, data, _ = call(port, "GET", "/api/batch-analysis/jobs/%s" % job_id, member)
            j = json.loads(data)["job"]
            return j if j["status"] in ("completed", "failed") else None
        j = wait_for(final, timeout_s, "the hostile job to finish")
        for item in j["items"]:
            assert item["status"] in ("completed", "failed"), item
        st, data, _ = call(port, "GET", "/api/batch-analysis/jobs/%s/results?format=jsonl" %
                           job_id, member)
        if st == 200:
            for line in data.splitlines():
                if line.strip():
                    assert_valid_utf8_json(line)
        assert healthy(port)
    check("%s: hostile sites" % label, run)


def start_serve(leadscan, db, port, net, log, concurrency=4):
    p = subprocess.Popen([leadscan, "serve", "--db", db, "--listen", "127.0.0.1:%d" % port,
                          "--concurrency", str(concurrency), "--rate-limit", "0",
                          "--web-dir", "/nonexistent"] + net, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: healthy(port, "127.0.0.1") or p.poll() is not None, 30, "serve")
    finally:
        if p.poll() is not None:
            log.flush()
            with open(log.name) as f:
                print("serve exited %s; log tail:\n%s" % (p.returncode, f.read()[-2000:]))
    assert p.poll() is None, "serve did not start"
    return p


def token(leadscan, db, org, role):
    out = subprocess.run([leadscan, "token", "create", "--db", db, "--org", org, "--role", role],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def stop(p, grace=60):
    p.send_signal(signal.SIGTERM)
    return p.wait(timeout=grace)


def main():
    leadscan, fakenet = sys.argv[1:3]
    tmp = tempfile.mkdtemp(prefix="leadscan-hostile-")
    sites = os.path.join(tmp, "sites")
    write_sites(sites)
    procs = []
    pg = None
    hosts = ["bad-utf8.attack.test", "deep-divs.attack.test", "unclosed.attack.test",
             "plain.attack.test"]
    try:
        netp, ports = start_fakenet(fakenet, sites, tmp)
        procs.append(netp)
        net = net_flags(ports, os.path.join(tmp, "ca.pem"))
        log = open(os.path.join(tmp, "serve.log"), "w")
        stores = [("sqlite", "sqlite://" + os.path.join(tmp, "t.db"))]
        if os.path.exists(PG_BIN + "/initdb"):
            pg = Postgres()
            stores.append(("postgresql", pg.start()))
        elif os.environ.get("CI") == "true":
            raise AssertionError("CI must run the PostgreSQL variant")
        for label, db in stores:
            admin = token(leadscan, db, "attack-" + label, "admin")
            member = token(leadscan, db, "attack-" + label, "member")
            port = free_port()
            serve = start_serve(leadscan, db, port, net, log)
            procs.append(serve)
            call(port, "POST", "/api/leads", member,
                 json.dumps({"company_name": "Seed AB", "domain": "plain.attack.test"}))
            attack_api("serve/" + label, port, admin, member)
            attack_sites("serve/" + label, port, member, hosts, 120)
            check("serve/%s: SIGTERM ends within the grace period" % label,
                  lambda: (lambda rc: None if rc == 0 else (_ for _ in ()).throw(
                      AssertionError("exit %d" % rc)))(stop(serve)))
            if label == "postgresql":
                # A `worker` process beside a serve with one worker: most items go to the
                # worker (three copies of each hostile lead; each copy is its own run item).
                port = free_port()
                serve = start_serve(leadscan, db, port, net, log, concurrency=1)
                procs.append(serve)
                worker = subprocess.Popen([leadscan, "worker", "--db", db, "--concurrency", "4"]
                                          + net, stdout=log, stderr=subprocess.STDOUT)
                procs.append(worker)
                attack_sites("worker/postgresql", port, member, hosts, 180, copies=3)
                check("worker/postgresql: alive after hostile sites",
                      lambda: None if worker.poll() is None else (_ for _ in ()).throw(
                          AssertionError("worker exited %s" % worker.poll())))
                stop(worker)
                stop(serve)

        def analyze():
            for h in hosts:
                t0 = time.time()
                r = subprocess.run([leadscan, "analyze", h, "--type", "full_analysis"] + net,
                                   capture_output=True, timeout=120)
                assert r.returncode in (0, 1), (h, r.returncode, r.stderr[-300:])
                for line in r.stdout.splitlines():
                    assert_valid_utf8_json(line)
                assert time.time() - t0 < 60, "%s took %.0f s" % (h, time.time() - t0)
        check("analyze: hostile sites", analyze)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if pg:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (len(PASSED), len(FAILED)))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
