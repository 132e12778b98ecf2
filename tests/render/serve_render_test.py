#!/usr/bin/env python3
"""Rendering in `leadscan serve` with the real Chromium, against the fake internet.

usage: serve_render_test.py LEADSCAN FAKENET SITES_DIR

1. A job with analysis_config {"render": "always"} on the script-built shop finds what only the
   browser sees (the platform from a JS global, carriers written by a script from an XHR), and
   /metrics shows the renderer's tabs, pages and browser starts; a job's render budgets
   (render_max_requests) stop the page where they say.
2. A page whose script never ends hangs its tab: the item is retried and fails with the
   retryable code renderer_crashed; /metrics counts the crashes.
3. SIGTERM while a tab renders: serve drains within its grace period, exits 0, holds no item,
   and leaves no Chromium process.
4. --render-tabs 0: no browser, render always reports renderer_unavailable (HTTP only).
5. kill -9 of serve while its browser runs: no Chromium process survives.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "process"))
from procutil import chromium_processes, fakenet_flags, free_port, start_fakenet, wait_for  # noqa: E402,E501

SHOP = "skriptbutiken.test"
HUNG = "skriptbutiken.test/evig-loop.html"  # its script never ends


class Api:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return json.loads(raw) if r.headers.get_content_type() == "application/json" \
                else raw.decode()


def chromium_processes_after(marker, seconds):
    """Waits (bounded) until no Chromium process names `marker`; those still there."""
    end = time.time() + seconds
    while chromium_processes(marker) and time.time() < end:
        time.sleep(0.2)
    return chromium_processes(marker)


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError("no metric %s in /metrics" % name)


class Serve:
    def __init__(self, leadscan, db, ports, ca, tmp, log, tabs):
        self.port = free_port()
        args = [leadscan, "serve", "--db", "sqlite://" + db, "--listen",
                "127.0.0.1:%d" % self.port] + fakenet_flags(ports, ca) + [
                "--politeness-ms", "0", "--concurrency", "4", "--lease-seconds", "10",
                "--rate-limit", "0", "--web-dir", "/nonexistent", "--render-tabs", str(tabs)]
        # The browser's folder (leadscan-chromium-*) lands in TMPDIR: the test finds its
        # processes by it.
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, TMPDIR=tmp))
        self.base = "http://127.0.0.1:%d" % self.port

        def up():
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return True
            except Exception:
                return False
        wait_for(up, 30, "serve")

    def metrics(self):
        with urllib.request.urlopen(self.base + "/metrics", timeout=10) as r:
            return r.read().decode()


def run_job(api, lead_ids, config, name):
    created = api.call("POST", "/api/batch-analysis/jobs",
                       {"job_name": name, "job_type": "full_analysis", "lead_ids": lead_ids,
                        "analysis_config": config})
    return created["job_id"]


def finished(api, job_id, timeout):
    def done():
        j = api.call("GET", "/api/batch-analysis/jobs/%s" % job_id)["job"]
        return j if j["status"] in ("completed", "failed", "cancelled") else None
    return wait_for(done, timeout, "job %s to finish" % job_id)


def results(api, job_id):
    text = api.call("GET", "/api/batch-analysis/jobs/%s/results?format=jsonl" % job_id)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def main():
    leadscan, fakenet, sites = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="leadscan-serve-render-")
    db = os.path.join(tmp, "t.db")
    ca = os.path.join(tmp, "ca.pem")
    log = open(os.path.join(tmp, "serve.log"), "w")
    net, ports = start_fakenet(fakenet, sites, tmp)
    servers = []
    passed = 0
    try:
        token = subprocess.run([leadscan, "token", "create", "--db", "sqlite://" + db, "--org",
                                "render", "--role", "admin"], check=True, capture_output=True,
                               text=True).stdout.strip().splitlines()[-1]
        serve = Serve(leadscan, db, ports, ca, tmp, log, tabs=2)
        servers.append(serve)
        api = Api(serve.base, token)
        shop = api.call("POST", "/api/leads", {"company_name": "Skriptbutiken",
                                               "domain": SHOP})["lead"]["id"]
        hung = api.call("POST", "/api/leads", {"company_name": "Evig loop",
                                               "domain": HUNG})["lead"]["id"]
        # Before any render the browser is not running (it starts on the first page).
        assert chromium_processes(tmp) == [], "a browser started before any render"

        # 1. What only the browser sees, through the batch runner.
        job = run_job(api, [shop], {"render": "always"}, "rendered")
        j = finished(api, job, 120)
        assert j["status"] == "completed" and j["successful_count"] == 1, j
        [row] = results(api, job)
        r = row["result"]
        platform = r["ecommerce_platform"]
        assert platform and platform["name"] == "Shopify", platform
        fields = {e["field"]: e.get("source") for e in platform["evidence"]}
        assert fields.get("js.Shopify.shop") == "browser", fields
        carriers = {c["name"] for c in r["carriers"]}
        assert {"PostNord", "Budbee"} <= carriers, carriers
        rendered = [p for p in r["pages"] if p["via"] == "browser"]
        assert len(rendered) == 1 and rendered[0]["status"] == 200, r["pages"]
        m = serve.metrics()
        assert metric(m, 'leadscan_render_pages_total{outcome="ok"}') >= 1, m
        assert metric(m, 'leadscan_render_tabs{state="max"}') == 2, m
        assert metric(m, 'leadscan_render_tabs{state="busy"}') == 0, m
        assert metric(m, "leadscan_render_browser_starts_total") == 1, m
        assert metric(m, "leadscan_render_browser_recycles_total") == 0, m
        print("rendered in serve: ok")
        passed += 1

        # 1b. The job's render budgets reach the browser: after two requests (the document and
        # its script) the page is stopped and captured as it is, with a note.
        job = run_job(api, [shop], {"render": "always", "render_max_requests": 2,
                                    "render_navigation_timeout": 5000, "render_timeout": 8000},
                      "budget")
        j = finished(api, job, 120)
        assert j["status"] == "completed", j
        [row] = results(api, job)
        r = row["result"]
        notes = [e["message"] for e in r["errors"] if e["code"] == "render_budget"]
        assert any("request budget of 2 reached" in n for n in notes), r["errors"]
        print("render budgets from analysis_config: ok")
        passed += 1

        # 2. A hung tab: retried, then failed with renderer_crashed.
        job = run_job(api, [hung], {"render": "always", "timeout": 6000, "max_retries": 1},
                      "hung")
        j = finished(api, job, 120)
        [item] = api.call("GET", "/api/batch-analysis/jobs/%s" % job)["job"]["items"]
        assert item["status"] == "failed", item
        assert item["error_code"] == "renderer_crashed", item
        assert item["retry_count"] == 1, item
        m = serve.metrics()
        assert metric(m, "leadscan_render_crashes_total") == 2, m
        assert metric(m, 'leadscan_render_pages_total{outcome="failed"}') == 2, m
        # Only the tab was given up: the same browser goes on.
        assert metric(m, "leadscan_render_browser_starts_total") == 1, m
        print("hung tab -> renderer_crashed after a retry: ok")
        passed += 1

        # 3. SIGTERM while a tab hangs: the runner drains (grace period 20 s, then the render
        # is cancelled), serve exits 0, nothing is held, no Chromium is left.
        job = run_job(api, [hung], {"render": "always", "timeout": 60000}, "drain")
        wait_for(lambda: metric(serve.metrics(), 'leadscan_render_tabs{state="busy"}') == 1, 60,
                 "a busy tab")
        assert chromium_processes(tmp), "no browser while a tab renders"
        serve.proc.send_signal(signal.SIGTERM)
        rc = serve.proc.wait(timeout=60)
        assert rc == 0, "serve exited %d on SIGTERM" % rc
        con = sqlite3.connect(db)
        held = con.execute("SELECT COUNT(*) FROM batch_analysis_items WHERE status = "
                           "'processing'").fetchone()[0]
        con.close()
        assert held == 0, "%d items still processing after a graceful stop" % held
        left = chromium_processes_after(tmp, 20)
        assert left == [], "Chromium processes left after SIGTERM: %s" % left
        print("SIGTERM drains tabs: ok")
        passed += 1

        # 4. --render-tabs 0: plain HTTP, renderer_unavailable in the result's errors.
        serve = Serve(leadscan, db, ports, ca, tmp, log, tabs=0)
        servers.append(serve)
        api = Api(serve.base, token)
        job = run_job(api, [shop], {"render": "always"}, "no browser")
        j = finished(api, job, 60)
        assert j["status"] == "completed", j
        [row] = results(api, job)
        codes = [e["code"] for e in row["result"]["errors"]]
        assert "renderer_unavailable" in codes, codes
        assert row["result"]["ecommerce_platform"] is None, row["result"]["ecommerce_platform"]
        assert "leadscan_render_tabs" not in serve.metrics()
        assert chromium_processes(tmp) == [], "a browser with --render-tabs 0"
        serve.proc.send_signal(signal.SIGTERM)
        assert serve.proc.wait(timeout=60) == 0
        print("--render-tabs 0 -> renderer_unavailable: ok")
        passed += 1

        # 5. kill -9 of serve while its browser runs: no Chromium survives (parent-death
        # signal of the browser, its helpers follow their browser).
        serve = Serve(leadscan, db, ports, ca, tmp, log, tabs=2)
        servers.append(serve)
        api = Api(serve.base, token)
        run_job(api, [hung], {"render": "always", "timeout": 60000}, "kill")
        wait_for(lambda: len(chromium_processes(tmp)) >= 2, 60, "a running browser")
        serve.proc.send_signal(signal.SIGKILL)
        serve.proc.wait()
        left = chromium_processes_after(tmp, 30)
        assert left == [], "Chromium processes survived kill -9 of serve: %s" % left
        print("kill -9 of serve leaves no Chromium: ok")
        passed += 1
        print("%d passed, 0 failed" % passed)
    finally:
        for s in servers:
            if s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        net.terminate()
        net.wait()
        log.close()
        for pid in chromium_processes(tmp):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if passed == 6:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("serve log and database kept in", tmp)


if __name__ == "__main__":
    main()
