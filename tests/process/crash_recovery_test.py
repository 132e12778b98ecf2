#!/usr/bin/env python3
"""Process-level tests of `leadscan serve`: kill -9 in the middle of a batch and start again,
and a graceful SIGTERM. Real binaries, real SQLite file, the fake internet on loopback.

usage: crash_recovery_test.py LEADSCAN FAKENET SITES_DIR
Checks: after the restart the job finishes with every item in exactly one final state and the
counters equal to the items; SIGTERM exits 0 and leaves no item processing.
"""
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procutil import fakenet_flags, free_port, start_fakenet, wait_for  # noqa: E402


LEADS = 600
DEADLINE_S = 240


class Api:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None, ctype="application/json"):
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", ctype)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")


def start_serve(leadscan, db, port, ports, ca, log):
    # No browser (--render-tabs 0): half the bench hosts name no shop platform, and rendering
    # them is not what this test is about.
    args = [leadscan, "serve", "--db", "sqlite://" + db, "--listen", "127.0.0.1:%d" % port
            ] + fakenet_flags(ports, ca) + [
            "--politeness-ms", "0", "--ignore-robots",
            "--concurrency", "8", "--lease-seconds", "5", "--rate-limit", "0",
            "--web-dir", "/nonexistent", "--render-tabs", "0"]
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)

    def up():
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1)
            return True
        except Exception:
            return False
    wait_for(up, 30, "serve")
    return p


def job(api, job_id):
    return api.call("GET", "/api/batch-analysis/jobs/%s?items_limit=%d" % (job_id, LEADS + 10))["job"]


def check_final(j):
    items = j["items"]
    assert len(items) == LEADS, "items %d != %d" % (len(items), LEADS)
    statuses = [i["status"] for i in items]
    assert all(s in ("completed", "failed") for s in statuses), set(statuses)
    done = statuses.count("completed")
    failed = statuses.count("failed")
    assert j["successful_count"] == done, (j["successful_count"], done)
    assert j["failed_count"] == failed, (j["failed_count"], failed)
    assert j["progress"] == done + failed == j["total_leads"] == LEADS, j
    assert j["status"] in ("completed", "failed"), j["status"]


def main():
    leadscan, fakenet, sites = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="leadscan-crash-")
    db = os.path.join(tmp, "t.db")
    log = open(os.path.join(tmp, "serve.log"), "w")
    net, ports = start_fakenet(fakenet, sites, tmp)
    procs = [net]
    try:
        token = subprocess.run([leadscan, "token", "create", "--db", "sqlite://" + db, "--org",
                                "crash", "--role", "admin"], check=True, capture_output=True,
                               text=True).stdout.strip().splitlines()[-1]
        port = free_port()
        serve = start_serve(leadscan, db, port, ports, os.path.join(tmp, "ca.pem"), log)
        procs.append(serve)
        api = Api("http://127.0.0.1:%d" % port, token)
        csv = "company_name,domain\n" + "".join(
            "Bench %d AB,site-%d.bench.test\n" % (n, n) for n in range(LEADS))
        imported = api.call("POST", "/api/leads/import", csv, "text/csv")
        assert imported["created"] == LEADS, imported
        ids = [l["id"] for l in api.call("GET", "/api/leads?limit=1000")["leads"]]
        created = api.call("POST", "/api/batch-analysis/jobs",
                           {"job_name": "crash", "job_type": "full_analysis", "lead_ids": ids})
        job_id = created["job_id"]
        # Kill -9 while items are in flight.
        wait_for(lambda: job(api, job_id)["progress"] >= 20, 60, "some progress")
        serve.send_signal(signal.SIGKILL)
        serve.wait()
        print("killed at progress", "(see restart)")
        serve = start_serve(leadscan, db, port, ports, os.path.join(tmp, "ca.pem"), log)
        procs.append(serve)
        j = wait_for(lambda: (lambda x: x if x["status"] in ("completed", "failed") else None)(
            job(api, job_id)), DEADLINE_S, "job to finish after restart")
        check_final(j)
        print("crash recovery ok:", j["successful_count"], "completed,", j["failed_count"],
              "failed")

        # Graceful SIGTERM in the middle of a second batch: exit 0, no item left processing.
        created = api.call("POST", "/api/batch-analysis/quick-analyze",
                           {"lead_ids": ids, "analysis_type": "full_analysis"})
        job2 = created["job_id"]
        wait_for(lambda: job(api, job2)["progress"] >= 20, 60, "progress of job 2")
        serve.send_signal(signal.SIGTERM)
        rc = serve.wait(timeout=60)
        assert rc == 0, "serve exited %d on SIGTERM" % rc
        # Between the stop and the restart, straight from the database: nothing is held.
        con = sqlite3.connect(db)
        held = con.execute("SELECT COUNT(*) FROM batch_analysis_items WHERE job_id = ? AND "
                           "status = 'processing'", (job2,)).fetchone()[0]
        con.close()
        assert held == 0, "%d items still processing after a graceful stop" % held
        serve = start_serve(leadscan, db, port, ports, os.path.join(tmp, "ca.pem"), log)
        procs.append(serve)
        j2 = wait_for(lambda: (lambda x: x if x["status"] in ("completed", "failed") else None)(
            job(api, job2)), DEADLINE_S, "job 2 to finish")
        check_final(j2)
        print("graceful stop ok")
        print("2 passed, 0 failed")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        log.close()


if __name__ == "__main__":
    main()
