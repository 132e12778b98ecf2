#!/usr/bin/env python3
"""Webhooks with real processes: `leadscan serve` (and `leadscan worker`) on a real database, the
fake internet on loopback, and webhook receivers on loopback (procutil.WebhookReceiver) that
the address guard lets through with --allow-net.

usage: webhooks_test.py LEADSCAN FAKENET SITES_DIR sqlite|postgres

sqlite: a receiver that answers 500 twice gets the delivery on the third attempt, with the same
  X-Leadscan-Delivery id and the same signed body each time; a receiver that is down
  (connection refused) gets it after it comes up; a delivery pending when serve is killed -9
  arrives after the restart; the delivery log and /metrics show all of it; the demo shop
  vaxelboden.test switches checkout between two batch runs and a lead.changed receiver gets the
  change, signed, as GET /api/changes shows it; SIGTERM exits 0.
postgres: serve and a `worker` process on one database both send deliveries (each claims with
  FOR UPDATE SKIP LOCKED): every delivery of several webhooks and jobs arrives, none twice.
  Without PostgreSQL 15 binaries this mode skips (exit 77), except under CI=true.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procutil import (Postgres, WebhookReceiver, fakenet_flags, free_port,  # noqa: E402
                      start_fakenet, switch_site, verify_signature, wait_for)

SHOPS = ["kaffebonan.test", "garnkorgen.test", "hundbutiken.test", "tepotten.test"]
SECRET = "process-test-secret-0123"


class Api:
    def __init__(self, port, token):
        self.port, self.token = port, token

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data,
                                     method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")


def token(leadscan, db, org):
    out = subprocess.run([leadscan, "token", "create", "--db", db, "--org", org, "--role",
                          "admin"], check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def healthy(port):
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1)
        return True
    except Exception:
        return False


def start(leadscan, args, log, port=None):
    p = subprocess.Popen([leadscan] + args, stdout=log, stderr=subprocess.STDOUT)
    if port is not None:
        wait_for(lambda: healthy(port), 30, "%s on port %d" % (args[0], port))
    return p


def hook_flags(receivers):
    flags = ["--webhook-poll-ms", "100", "--webhook-retry-first-ms", "400"]
    for r in receivers:
        flags += ["--allow-net", "127.0.0.1/32:%d" % r.port]
    return flags


def run_job(api, lead_ids, name, job_type="ecommerce_detection"):
    job = api.call("POST", "/api/batch-analysis/jobs",
                   {"job_name": name, "job_type": job_type, "lead_ids": lead_ids})
    job_id = job["job_id"]

    def final():
        j = api.call("GET", "/api/batch-analysis/jobs/%s?items_limit=0" % job_id)["job"]
        return j if j["status"] in ("completed", "failed", "cancelled") else None
    return wait_for(final, 120, "job %s to finish" % name)


def deliveries(api, hook_id):
    return api.call("GET", "/api/webhooks/%s/deliveries?limit=100" % hook_id)["deliveries"]


def check_signed(received, event):
    for headers, body, _ in received:
        assert verify_signature(SECRET, body, headers.get("X-Leadscan-Signature")), headers
        assert headers.get("X-Leadscan-Event") == event, headers
        assert headers.get("Content-Type") == "application/json", headers
        payload = json.loads(body)
        assert payload["event"] == event and payload["id"], payload


def lead_changed_phase(api, receiver, http_port):
    """A lead whose shop switches checkout between two runs of a full analysis job: the second
    run's outcome enqueues lead.changed with the switch."""
    receiver.start()
    hook = api.call("POST", "/api/webhooks", {"url": receiver.url("/changes"),
                                              "events": ["lead.changed"], "secret": SECRET})
    lead = api.call("POST", "/api/leads", {"company_name": "Växelboden AB",
                                           "domain": "vaxelboden.test"})["lead"]
    first = run_job(api, [lead["id"]], "baseline", "full_analysis")
    assert first["successful_count"] == 1, first
    time.sleep(1)
    assert not receiver.deliveries(), "the first analysis is a baseline, not a change"
    switch_site(http_port, "vaxelboden.test", "walley")
    second = run_job(api, [lead["id"]], "after the switch", "full_analysis")
    assert second["successful_count"] == 1, second
    got = wait_for(lambda: receiver.deliveries("lead.changed"), 30, "lead.changed")
    check_signed(got, "lead.changed")
    assert len(got) == 1, [json.loads(r[1]) for r in got]
    data = json.loads(got[0][1])["data"]
    assert data["lead_id"] == lead["id"] and data["domain"] == "vaxelboden.test", data
    assert data["company_name"] == "Växelboden AB", data
    assert data["job_id"] == second["id"], data
    seen = sorted((c["change"], c["field"], c["name"]) for c in data["changes"])
    assert ("added", "checkout_solutions", "Walley Checkout") in seen, seen
    assert ("removed", "checkout_solutions", "Kustom Checkout") in seen, seen
    feed = api.call("GET", "/api/changes?lead_id=%s&limit=50" % lead["id"])["changes"]
    assert sorted((c["change"], c["field"], c["name"]) for c in feed) == seen, (feed, seen)
    assert {c["detected_at"] for c in feed} == {data["detected_at"]}, (feed, data)
    wait_for(lambda: deliveries(api, hook["id"])[0]["status"] == "delivered", 30,
             "the lead.changed delivery in the log")
    receiver.stop()
    switch_site(http_port, "vaxelboden.test", "")
    print("lead.changed: %s" % ", ".join("%s %s" % (c[0], c[2]) for c in seen))


def metric(port, name, labels=""):
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(name + labels + " ") or (not labels and line.startswith(name + " ")):
            return float(line.split()[-1])
    return None


def sqlite_mode(leadscan, fakenet, sites, tmp, procs):
    net, ports = start_fakenet(fakenet, sites, tmp)
    procs.append(net)
    ca = os.path.join(tmp, "ca.pem")
    db = "sqlite://" + os.path.join(tmp, "t.db")
    log = open(os.path.join(tmp, "serve.log"), "w")
    tok = token(leadscan, db, "hooks")
    flaky = WebhookReceiver(statuses=(500, 500, 200)).start()
    down = WebhookReceiver()  # not started: connection refused
    changes = WebhookReceiver()  # started for the lead.changed phase
    port = free_port()
    serve_args = ["serve", "--db", db, "--listen", "127.0.0.1:%d" % port, "--rate-limit", "0",
                  "--web-dir", os.path.join(tmp, "no-web"), "--politeness-ms", "0",
                  "--ignore-robots"] + hook_flags([flaky, down, changes]) + fakenet_flags(ports, ca)
    serve = start(leadscan, serve_args, log, port)
    procs.append(serve)
    api = Api(port, tok)
    leads = api.call("POST", "/api/leads", [{"company_name": s, "domain": s} for s in SHOPS])
    lead_ids = [l["id"] for l in leads["leads"]]
    h_flaky = api.call("POST", "/api/webhooks", {"url": flaky.url(), "events": ["job.completed"],
                                                 "secret": SECRET})
    h_down = api.call("POST", "/api/webhooks", {"url": down.url(), "events": ["job.completed"],
                                                "secret": SECRET})
    assert "secret" not in h_flaky and h_flaky["secret_hint"] == "****" + SECRET[-4:]

    job = run_job(api, lead_ids, "first")
    assert job["status"] == "completed", job

    # 500, 500, then 200: three attempts of one delivery, same id, same signed body.
    got = wait_for(lambda: [r for r in flaky.deliveries() if r[2] == 200], 60,
                   "the flaky receiver's third attempt")
    attempts = flaky.deliveries()
    assert [r[2] for r in attempts] == [500, 500, 200], [r[2] for r in attempts]
    assert len({r[0]["X-Leadscan-Delivery"] for r in attempts}) == 1, attempts
    assert len({r[1] for r in attempts}) == 1, "the body changed between attempts"
    check_signed(attempts, "job.completed")
    payload = json.loads(got[0][1])
    assert payload["data"]["job_id"] == job["id"], payload
    assert payload["data"]["successful_count"] == job["successful_count"], payload
    assert payload["data"]["total_items"] == len(SHOPS), payload
    log_flaky = wait_for(lambda: (lambda d: d if d and d[0]["status"] == "delivered" else None)(
        deliveries(api, h_flaky["id"])), 30, "the delivery log to say delivered")
    entry = log_flaky[0]
    assert entry["attempts"] == 3, entry
    assert [a["status_code"] for a in entry["attempt_log"]] == [500, 500, 200], entry
    assert entry["attempt_log"][0]["error"].startswith("HTTP 500"), entry
    assert entry["id"] == attempts[0][0]["X-Leadscan-Delivery"], entry
    print("flaky receiver: delivered on attempt 3 with one delivery id")

    # The receiver that is down: connection refused in the log, then delivered once it is up.
    refused = wait_for(lambda: (lambda d: d if d and d[0]["attempts"] >= 2 else None)(
        deliveries(api, h_down["id"])), 30, "attempts against the receiver that is down")
    assert refused[0]["status"] == "pending", refused[0]
    assert refused[0]["last_error"].startswith("connect_refused"), refused[0]
    assert refused[0]["last_status_code"] is None, refused[0]
    down.start()
    wait_for(lambda: down.deliveries(), 30, "the delivery after the receiver came up")
    check_signed(down.deliveries(), "job.completed")
    assert json.loads(down.deliveries()[0][1])["data"]["job_id"] == job["id"]
    wait_for(lambda: deliveries(api, h_down["id"])[0]["status"] == "delivered", 30,
             "the log to say delivered")
    assert metric(port, "leadscan_webhook_deliveries_total", '{outcome="delivered"}') >= 2
    assert metric(port, "leadscan_webhook_deliveries_total", '{outcome="retry"}') >= 3
    print("receiver that was down: delivered after it came up")

    # A delivery pending when serve dies (kill -9) arrives after the restart.
    down.stop()
    before = len(down.deliveries())
    job2 = run_job(api, lead_ids[:1], "second")
    pending = wait_for(lambda: [d for d in deliveries(api, h_down["id"])
                                if d["status"] == "pending" and d["attempts"] >= 1], 30,
                       "a failed attempt of the second delivery")
    delivery_id = pending[0]["id"]
    serve.send_signal(signal.SIGKILL)
    serve.wait()
    down.start()
    time.sleep(1)
    assert len(down.deliveries()) == before, "delivered while serve was down?"
    serve = start(leadscan, serve_args, log, port)
    procs.append(serve)
    # Within the retry schedule, or after the lease a claim held at the kill runs out (30 s).
    wait_for(lambda: len(down.deliveries()) > before, 90, "the delivery after the restart")
    after = down.deliveries()[before:]
    assert all(r[0]["X-Leadscan-Delivery"] == delivery_id for r in after), after
    assert json.loads(after[0][1])["data"]["job_id"] == job2["id"]
    check_signed(after, "job.completed")
    wait_for(lambda: [d for d in deliveries(api, h_down["id"]) if d["id"] == delivery_id and
                      d["status"] == "delivered"], 30, "the log after the restart")
    # The flaky receiver got the second job too, and nothing twice.
    wait_for(lambda: len({r[0]["X-Leadscan-Delivery"] for r in flaky.deliveries()}) == 2, 30,
             "the second job at the flaky receiver")
    print("delivery pending at kill -9: delivered after the restart")

    for hook in (h_flaky, h_down):
        api.call("DELETE", "/api/webhooks/" + hook["id"])
    lead_changed_phase(api, changes, ports[0])

    serve.send_signal(signal.SIGTERM)
    assert serve.wait(30) == 0, "SIGTERM did not exit 0"
    flaky.stop()
    down.stop()


def postgres_mode(leadscan, fakenet, sites, tmp, procs):
    pg = Postgres()
    db = pg.start()
    procs.append(pg)
    net, ports = start_fakenet(fakenet, sites, tmp)
    procs.append(net)
    ca = os.path.join(tmp, "ca.pem")
    log = open(os.path.join(tmp, "serve.log"), "w")
    tok = token(leadscan, db, "hooks")
    receiver = WebhookReceiver().start()
    port = free_port()
    common = hook_flags([receiver]) + fakenet_flags(ports, ca) + ["--politeness-ms", "0",
                                                                  "--ignore-robots"]
    serve = start(leadscan, ["serve", "--db", db, "--listen", "127.0.0.1:%d" % port,
                             "--rate-limit", "0", "--web-dir", os.path.join(tmp, "no-web")] +
                  common, log, port)
    procs.append(serve)
    wport = free_port()
    worker = start(leadscan, ["worker", "--db", db, "--listen", "127.0.0.1:%d" % wport] + common,
                   log, wport)
    procs.append(worker)
    api = Api(port, tok)
    leads = api.call("POST", "/api/leads", [{"company_name": s, "domain": s} for s in SHOPS])
    lead_ids = [l["id"] for l in leads["leads"]]
    hooks = 12
    for i in range(hooks):
        api.call("POST", "/api/webhooks", {"url": receiver.url("/h%d" % i),
                                           "events": ["job.completed"], "secret": SECRET})
    jobs = 4
    for i in range(jobs):
        run_job(api, lead_ids[i % len(lead_ids):][:2] or lead_ids[:1], "job %d" % i)
    want = hooks * jobs
    wait_for(lambda: len(receiver.deliveries()) >= want, 90, "%d deliveries" % want)
    time.sleep(2)  # anything sent twice would arrive by now
    got = receiver.deliveries()
    ids = [r[0]["X-Leadscan-Delivery"] for r in got]
    assert len(ids) == want, "%d deliveries for %d expected" % (len(ids), want)
    assert len(set(ids)) == want, "a delivery was sent twice"
    check_signed(got, "job.completed")
    sent_by_serve = metric(port, "leadscan_webhook_deliveries_total", '{outcome="delivered"}') or 0
    sent_by_worker = metric(wport, "leadscan_webhook_deliveries_total",
                            '{outcome="delivered"}') or 0
    assert sent_by_serve + sent_by_worker == want, (sent_by_serve, sent_by_worker)
    print("postgres: %d deliveries, none twice (serve sent %d, worker %d)" % (
        want, sent_by_serve, sent_by_worker))
    for p in (worker, serve):
        p.send_signal(signal.SIGTERM)
        assert p.wait(30) == 0
    receiver.stop()


def main():
    leadscan, fakenet, sites, mode = sys.argv[1:5]
    if mode == "postgres" and not Postgres.available():
        if os.environ.get("CI") == "true":
            sys.exit("CI must run the PostgreSQL mode: install postgresql-15")
        print("PostgreSQL 15 binaries not installed: skipped")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="leadscan-webhooks-")
    procs = []
    ok = False
    try:
        if mode == "sqlite":
            sqlite_mode(leadscan, fakenet, sites, tmp, procs)
        else:
            postgres_mode(leadscan, fakenet, sites, tmp, procs)
        ok = True
    finally:
        for p in reversed(procs):
            if isinstance(p, Postgres):
                p.stop()
            elif p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if not ok and os.path.exists(os.path.join(tmp, "serve.log")):
            sys.stderr.write(open(os.path.join(tmp, "serve.log")).read()[-4000:])


if __name__ == "__main__":
    main()
