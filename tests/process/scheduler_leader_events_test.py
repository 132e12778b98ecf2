#!/usr/bin/env python3
"""Scale-out on one PostgreSQL with real processes: the fake internet on loopback, a throw-away
PostgreSQL 15 (procutil.Postgres) and real `leadscan serve` / `leadscan worker` processes.

usage: scheduler_leader_events_test.py LEADSCAN FAKENET SITES_DIR scheduler|events

scheduler: two serve processes on one database and a job due every minute. Over three due times
  exactly one run exists per due time, all fired by one process (the leader); then the leader is
  killed with -9 and the other serve fires the next due time, once.
events: serve A with --no-workers and one `worker` process. An SSE client on A receives the item
  events of a batch the worker does alone, and the job's completion; a run started on A itself
  (a trigger) reaches A's client once, not twice.

Without PostgreSQL 15 binaries the test skips (exit 77), except under CI=true where it fails.
"""
import datetime
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procutil import (PG_BIN, Postgres, fakenet_flags, free_port,  # noqa: E402
                      start_fakenet, wait_for)

SHOPS = ["kaffebonan.test", "garnkorgen.test", "hundbutiken.test", "tepotten.test",
         "cykelverkstan.test", "lekladan.test", "sybutiken.test", "keramikboden.test"]
# A lead whose domain nothing answers for: its item fails (an item_failed event).
MISSING = "nothing-here.invalid"


def net_flags(ports, ca):
    return fakenet_flags(ports, ca) + ["--politeness-ms", "0", "--ignore-robots"]


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


class EventStream:
    """An SSE client: reads `event:` / `data:` blocks of a text/event-stream response."""

    def __init__(self, port, token, path):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.conn.request("GET", path, headers={"Authorization": "Bearer " + token,
                                                "Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200, "events: HTTP %d" % self.resp.status
        self.events = []
        self.closed = False

    def read_until(self, pred, timeout, what):
        """Reads events until pred(events) holds; fails after `timeout` seconds."""
        end = time.time() + timeout
        name, data = "message", []
        while not pred(self.events):
            if time.time() > end:
                raise AssertionError("timed out waiting for %s; got %s" % (
                    what, [e[0] for e in self.events]))
            if self.closed:
                raise AssertionError("stream closed before %s; got %s" % (
                    what, [e[0] for e in self.events]))
            try:
                line = self.resp.fp.readline()
            except TimeoutError:
                continue
            except OSError as e:
                if "timed out" in str(e):
                    continue
                raise
            if not line:
                self.closed = True
                continue
            line = line.decode().rstrip("\r\n")
            if line == "":
                if data:
                    self.events.append((name, json.loads("\n".join(data))))
                name, data = "message", []
            elif line.startswith(":"):
                continue
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        return self.events

    def close(self):
        self.conn.close()


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


def start_serve(leadscan, db, net, log_path, extra=()):
    port = free_port()
    log = open(log_path, "w")
    p = subprocess.Popen([leadscan, "serve", "--db", db, "--listen", "127.0.0.1:%d" % port,
                          "--concurrency", "4", "--rate-limit", "0", "--web-dir", "/nonexistent"]
                         + list(extra) + net, stdout=log, stderr=subprocess.STDOUT)
    wait_for(lambda: healthy(port) or p.poll() is not None, 30, "serve")
    assert p.poll() is None, "serve exited %s: %s" % (p.returncode, read(log_path)[-2000:])
    return p, port


def metric(port, name, labels):
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    m = re.search(r"^%s\{%s\} (\S+)$" % (re.escape(name), re.escape(labels)), text, re.M)
    assert m, "no %s{%s} in /metrics" % (name, labels)
    return float(m.group(1))


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def iso_minute(text):
    """'2026-12-06T00:10:00Z' (any fraction) -> datetime (UTC)."""
    return datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)


def fired_by(log_path, job_id):
    """Due times (minute precision text 'YYYY-MM-DDTHH:MM') this process' log says it fired:
    a run started, or a skipped row because the previous run was still going."""
    pattern = re.compile(r"scheduler: job %s (?:.* fired for|skipped its occurrence) "
                         r"(\d{4}-\d\d-\d\dT\d\d:\d\d)" % job_id)
    return set(pattern.findall(read(log_path)))


def runs_by_due_time(api, job_id):
    runs = api.call("GET", "/api/batch-analysis/jobs/%s/runs?limit=100" % job_id)["runs"]
    by_due = {}
    for r in runs:
        assert r["trigger"] == "scheduled", r
        assert r["scheduled_for"], r
        by_due.setdefault(r["scheduled_for"][:16], []).append(r)
    return by_due


def scheduler_test(leadscan, db, net, tmp):
    tok = token(leadscan, db, "leader")
    log_a, log_b = os.path.join(tmp, "serve-a.log"), os.path.join(tmp, "serve-b.log")
    # Short item leases: the run the killed leader was analysing is released to the survivor
    # within seconds, so it ends before the next due time (else that one is recorded skipped).
    serve_a, port_a = start_serve(leadscan, db, net, log_a, ["--lease-seconds", "5"])
    serve_b, port_b = start_serve(leadscan, db, net, log_b, ["--lease-seconds", "5"])
    procs = {"a": (serve_a, log_a, port_a), "b": (serve_b, log_b, port_b)}
    try:
        api = Api(port_a, tok)
        lead = api.call("POST", "/api/leads", {"company_name": "Kaffebönan AB",
                                               "domain": SHOPS[0]})
        created = api.call("POST", "/api/batch-analysis/jobs", {
            "job_name": "every minute", "job_type": "tech_analysis",
            "lead_ids": [lead["lead"]["id"]],
            "is_scheduled": True, "schedule_cron": "* * * * *", "timezone": "UTC"})
        job_id = created["job_id"]
        first_due = created["next_run_at"][:16]
        print("job", job_id, "first due", first_due)

        # Three due times with both serves up: one run each, all from one process.
        by_due = wait_for(lambda: (lambda d: d if len(d) >= 3 else None)(
            runs_by_due_time(api, job_id)), 4 * 60, "three due times")
        dues = sorted(by_due)
        for due in dues:
            assert len(by_due[due]) == 1, "due time %s has %d runs" % (due, len(by_due[due]))
        starts = [iso_minute(d + ":00Z") for d in dues]
        assert dues[0] == first_due, (dues, first_due)
        for a, b in zip(starts, starts[1:]):
            assert (b - a).total_seconds() == 60, "a due time was missed: %s" % dues
        fired = {k: fired_by(log, job_id) for k, (_, log, _) in procs.items()}
        leaders = [k for k in fired if fired[k]]
        assert len(leaders) == 1, "more than one process fired: %s" % fired
        leader = leaders[0]
        assert fired[leader] >= set(dues), (fired, dues)
        follower = "b" if leader == "a" else "a"
        assert re.search(r"scheduler: \S+ follows the leader", read(procs[follower][1])), \
            "the follower never said it follows"
        print("due times", dues, "fired once each by serve", leader)

        # kill -9 the leader; the other serve takes over and fires the next due time once.
        killed_at = datetime.datetime.now(datetime.timezone.utc)
        procs[leader][0].send_signal(signal.SIGKILL)
        procs[leader][0].wait()
        survivor = Api(procs[follower][2], tok)
        next_due = (starts[-1] + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
        print("killed serve", leader, "at", killed_at.isoformat(), "waiting for", next_due)
        by_due = wait_for(lambda: (lambda d: d if next_due in d else None)(
            runs_by_due_time(survivor, job_id)), 150, "the survivor to fire " + next_due)
        assert len(by_due[next_due]) == 1, by_due[next_due]
        assert next_due in fired_by(procs[follower][1], job_id), "not fired by the survivor"
        assert re.search(r"scheduler: \S+ leads", read(procs[follower][1])), "no takeover logged"
        for due, runs in by_due.items():
            assert len(runs) == 1, "due time %s has %d runs" % (due, len(runs))
        run = by_due[next_due][0]
        print("the survivor's row for", next_due, "is", run["status"])
        late = (datetime.datetime.strptime(run["started_at"][:19], "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=datetime.timezone.utc) - iso_minute(next_due + ":00Z")).total_seconds()
        print("survivor fired", next_due, "%.1f s after its due time" % late)
        # The lease is 15 s, renewed or tried every 5 s: a killed leader is replaced well
        # within a minute, so the next due time is not fired late.
        assert late < 30, "fired %.1f s late" % late
    finally:
        for p, _, _ in procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=60)


def item_events(events):
    return [d for name, d in events if name in ("item_completed", "item_failed")]


def events_test(leadscan, db, net, tmp):
    tok = token(leadscan, db, "events")
    log_a = os.path.join(tmp, "serve-a.log")
    serve_a, port_a = start_serve(leadscan, db, net, log_a, ["--no-workers"])
    worker = None
    streams = []
    try:
        api = Api(port_a, tok)
        lead_ids = []
        for n, domain in enumerate(SHOPS + [MISSING]):
            lead_ids.append(api.call("POST", "/api/leads", {"company_name": "Shop %d AB" % n,
                                                            "domain": domain})["lead"]["id"])
        created = api.call("POST", "/api/batch-analysis/jobs", {
            "job_name": "worker batch", "job_type": "tech_analysis", "lead_ids": lead_ids})
        job_id = created["job_id"]
        # Nothing processes the job yet: serve A has no workers.
        stream = EventStream(port_a, tok, "/api/batch-analysis/jobs/%s/events" % job_id)
        streams.append(stream)
        stream.read_until(lambda ev: any(n == "snapshot" for n, _ in ev), 10, "the snapshot")
        time.sleep(1)
        job = api.call("GET", "/api/batch-analysis/jobs/%s" % job_id)["job"]
        assert job["progress"] == 0, job
        items = {i["id"] for i in job["items"]}
        assert len(items) == len(lead_ids)

        worker_log = open(os.path.join(tmp, "worker.log"), "w")
        worker = subprocess.Popen([leadscan, "worker", "--db", db, "--concurrency", "4"] + net,
                                  stdout=worker_log, stderr=subprocess.STDOUT)
        final = lambda ev: any(n == "job_status" and d["status"] in ("completed", "failed")
                               for n, d in ev)
        try:
            events = stream.read_until(final, 120, "the job's completion")
        except AssertionError:
            # Which side stalled: items still pending (never claimed), running (claimed, not
            # finished) or done (finished, their events lost between the processes).
            job = api.call("GET", "/api/batch-analysis/jobs/%s" % job_id)["job"]
            print("job at the timeout:", job["status"], "progress", job["progress"], "items",
                  sorted(str((i["status"], i.get("retry_count"), i.get("started_at")))
                         for i in job["items"]))
            print("events received:", [n for n, _ in stream.events])
            raise
        names = [n for n, _ in events]
        done = item_events(events)
        done_ids = [d["item_id"] for d in done]
        assert sorted(done_ids) == sorted(items), "item events %s for items %s" % (
            sorted(done_ids), sorted(items))  # every item once, none twice
        failed = [d for d in done if d["status"] == "failed"]
        assert [d["domain"] for d in failed] == [MISSING], failed
        status = [d for n, d in events if n == "job_status"][-1]
        assert status["status"] == "completed", status
        assert status["progress"] == len(lead_ids) == status["total_leads"], status
        counters = [d for n, d in events if n == "counters"]
        assert counters and counters[-1]["progress"] == len(lead_ids), counters[-1:]
        stream.read_until(lambda ev: True, 1, "")
        # The stream ends after the job's final status (as for local events).
        wait_for(lambda: stream.resp.fp.readline() == b"", 10, "the stream to close")
        job = api.call("GET", "/api/batch-analysis/jobs/%s" % job_id)["job"]
        assert job["status"] == "completed" and job["progress"] == len(lead_ids), job
        # Serve A analysed nothing itself (every item went through the worker) and got the
        # worker's events through the relay.
        assert metric(port_a, "leadscan_runner_items", 'outcome="claimed"') == 0
        received = metric(port_a, "leadscan_event_relay_events", 'outcome="received"')
        assert received >= len(lead_ids), received
        print("events from the worker:", names.count("item_completed"), "item_completed,",
              names.count("item_failed"), "item_failed,", names.count("counters"), "counters,",
              "job_status", status["status"])

        # A run started on serve A (a trigger of a scheduled job) is a local event of A: its
        # client gets run_started once; the worker's item events follow.
        scheduled = api.call("POST", "/api/batch-analysis/jobs", {
            "job_name": "yearly", "job_type": "tech_analysis", "lead_ids": lead_ids[:2],
            "is_scheduled": True, "schedule_cron": "0 0 1 1 *", "timezone": "UTC"})
        sid = scheduled["job_id"]
        stream2 = EventStream(port_a, tok, "/api/batch-analysis/jobs/%s/events" % sid)
        streams.append(stream2)
        stream2.read_until(lambda ev: any(n == "snapshot" for n, _ in ev), 10, "the snapshot")
        api.call("POST", "/api/batch-analysis/jobs/%s/trigger" % sid)
        back = lambda ev: any(n == "job_status" and d["status"] == "scheduled" for n, d in ev)
        events = stream2.read_until(back, 120, "the run's end")
        # Anything doubled by the relay would arrive right behind the original.
        time.sleep(2)
        try:
            stream2.read_until(lambda ev: False, 1, "")
        except AssertionError:
            pass
        events = stream2.events
        names = [n for n, _ in events]
        assert names.count("run_started") == 1, names
        assert len(item_events(events)) == 2, names
        assert len({d["item_id"] for d in item_events(events)}) == 2, names
        seqs = [d["sequence"] for n, d in events if n != "snapshot"]
        assert seqs == sorted(set(seqs)), "sequence numbers repeat or go back: %s" % seqs
        print("trigger on A: run_started once,", len(item_events(events)), "item events")
    finally:
        for s in streams:
            s.close()
        for p in (worker, serve_a):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=60)


def main():
    leadscan, fakenet, sites, mode = sys.argv[1:5]
    if not os.path.exists(PG_BIN + "/initdb"):
        if os.environ.get("CI") == "true":
            raise AssertionError("CI must run the PostgreSQL scale-out tests")
        print("skipped: PostgreSQL 15 binaries not installed")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="leadscan-scaleout-")
    pg = Postgres()
    net_proc = None
    try:
        db = pg.start()
        net_proc, ports = start_fakenet(fakenet, sites, tmp)
        net = net_flags(ports, os.path.join(tmp, "ca.pem"))
        started = time.time()
        {"scheduler": scheduler_test, "events": events_test}[mode](leadscan, db, net, tmp)
        print("%s: passed in %.0f s" % (mode, time.time() - started))
    except BaseException:
        for name in sorted(os.listdir(tmp)):
            if name.endswith(".log"):
                print("---- %s (tail)\n%s" % (name, read(os.path.join(tmp, name))[-3000:]))
        raise
    finally:
        if net_proc is not None:
            net_proc.kill()
            net_proc.wait()
        pg.stop()


if __name__ == "__main__":
    main()
