#!/usr/bin/env python3
"""Service benchmark (issue 3): N leads on the fake internet, one tech_analysis batch through
the HTTP API on SQLite, while C clients poll GET /api/batch-analysis/jobs/:id?items_limit=0.

Starts leadscan-fakenet and `leadscan serve`, imports the leads as CSV, creates the job, polls,
and prints leads/s, the server's peak RSS (VmHWM), poll latency percentiles, the final counts,
a progress timeline and selected /metrics lines. Stdlib only; all traffic stays on 127.0.0.1;
every wait is bounded in time.
"""

import argparse
import http.client
import json
import math
import multiprocessing as mp
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def read_line_matching(proc, pattern, timeout, echo=None):
    """Reads proc.stdout lines until one matches pattern (a regex); returns the match."""
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before '{pattern}'")
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            continue
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode(errors="replace")
            if echo:
                echo.write(text + "\n")
                echo.flush()
            m = re.search(pattern, text)
            if m:
                return m
    raise RuntimeError(f"timed out waiting for '{pattern}'")


def drain(stream, path):
    """Copies a child's remaining stdout to a file so its pipe never fills."""
    def run():
        with open(path, "ab") as f:
            while True:
                chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
                if not chunk:
                    return
                f.write(chunk)
    threading.Thread(target=run, daemon=True).start()


class Api:
    def __init__(self, port, token, timeout=60):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, content_type="application/json"):
        headers = {"Authorization": "Bearer " + self.token}
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            headers["Content-Type"] = content_type
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def json(self, method, path, body=None, content_type="application/json", want=(200, 201)):
        status, data = self.request(method, path, body, content_type)
        if status not in want:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {data[:300]!r}")
        return json.loads(data)


def vm_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmHWM:", "VmRSS:", "Threads:")):
                    k, v = line.split(":", 1)
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def cpu_seconds(pid):
    """utime+stime of a process in seconds (from /proc/<pid>/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / tck
    except OSError:
        return float("nan")


def thread_cpu(pid):
    """CPU seconds per thread name of a process (from /proc/<pid>/task/*/stat)."""
    out = {}
    tck = os.sysconf("SC_CLK_TCK")
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                raw = f.read()
            name = raw[raw.index("(") + 1:raw.rindex(")")]
            fields = raw.rsplit(")", 1)[1].split()
            out[name] = out.get(name, 0) + (int(fields[11]) + int(fields[12])) / tck
        except (OSError, ValueError):
            pass
    return out


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def start_pollers(args, port, token, path, stop_at):
    start_evt, stop_evt = mp.Event(), mp.Event()
    queue = mp.Queue()
    procs = []
    nprocs = max(1, min(args.poll_procs, args.clients)) if args.clients > 0 else 0
    for i in range(nprocs):
        n = args.clients // nprocs + (1 if i < args.clients % nprocs else 0)
        p = mp.Process(target=poller_process,
                       args=(port, token, path, n, args.poll_interval_ms / 1000.0, stop_at,
                             start_evt, stop_evt, queue), daemon=True)
        p.start()
        procs.append(p)
    start_evt.set()
    return procs, stop_evt, queue


def stop_pollers(poll):
    """Stops the pollers; returns (sorted latencies in seconds, error count)."""
    procs, stop_evt, queue = poll
    stop_evt.set()
    lat, errors = [], 0
    for _ in procs:
        try:
            part, errs = queue.get(timeout=60)
            lat += part
            errors += errs
        except Exception:  # a poller that never reported
            errors += 1
    for p in procs:
        p.join(10)
        if p.is_alive():
            p.terminate()
    lat.sort()
    return lat, errors


# ---- pollers: P processes x T threads, each thread one keep-alive connection ----

def poller_process(port, token, path, threads, interval_s, stop_at, start_evt, stop_evt, queue):
    lat = []
    errors = [0]
    lock = threading.Lock()

    def client(idx):
        conn = None
        mine = []
        errs = 0
        headers = {"Authorization": "Bearer " + token}
        # Spread the first polls over one interval so the clients do not march in step.
        if interval_s > 0:
            time.sleep(interval_s * (idx % 50) / 50.0)
        while not stop_evt.is_set() and time.monotonic() < stop_at:
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(HOST, port, timeout=10)
                    t0 = time.perf_counter()  # connection set-up is not poll latency
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                dt = time.perf_counter() - t0
                if resp.status == 200:
                    mine.append(dt)
                else:
                    errs += 1
            except (http.client.HTTPException, OSError):
                errs += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.05)
            if interval_s > 0:
                stop_evt.wait(interval_s)
        if conn is not None:
            conn.close()
        with lock:
            lat.extend(mine)
            errors[0] += errs

    start_evt.wait(60)
    ts = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(max(1.0, stop_at - time.monotonic() + 15))
    queue.put((lat, errors[0]))


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = min(len(sorted_vals) - 1, max(0, math.ceil(p / 100.0 * len(sorted_vals)) - 1))
    return sorted_vals[k]


METRIC_RE = re.compile(
    r"^(http_|jobs?_|batch_|fetch_|analysis_|store_|items?_|leadscan_|process_)")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", required=True, help="build folder")
    ap.add_argument("--leads", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=32, help="leadscan serve --concurrency")
    ap.add_argument("--clients", type=int, default=200, help="concurrent pollers")
    ap.add_argument("--poll-interval-ms", type=float, default=1000,
                    help="pause of each poller between its polls (0: back to back)")
    ap.add_argument("--poll-procs", type=int, default=4, help="poller processes")
    ap.add_argument("--idle-poll-seconds", type=float, default=0,
                    help="after the job ends, poll it this long more (no analysis running)")
    ap.add_argument("--max-seconds", type=float, default=600, help="give up on the job after")
    ap.add_argument("--out", default=None,
                    help="parent folder; each run writes logs, metrics and result.json in a "
                         "subfolder named by time, concurrency and clients")
    ap.add_argument("--serve-arg", action="append", default=[],
                    help="extra argument for leadscan serve (repeatable)")
    args = ap.parse_args()

    leadscan = os.path.join(args.build, "src/cli/leadscan")
    fakenet = os.path.join(args.build, "tests/fakenet/leadscan-fakenet")
    for b in (leadscan, fakenet):
        if not os.access(b, os.X_OK):
            sys.exit(f"missing binary {b}")
    out = args.out or tempfile.mkdtemp(prefix="leadscan-svc-bench-out-")
    out = os.path.join(out, time.strftime("%Y%m%dT%H%M%S") +
                       f"-c{args.concurrency}-clients{args.clients}")
    os.makedirs(out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="leadscan-svc-bench-")
    procs = []

    def cleanup(*_):
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    signal.signal(signal.SIGTERM, lambda *a: (cleanup(), sys.exit(143)))
    result = {"leads": args.leads, "concurrency": args.concurrency, "clients": args.clients,
              "poll_interval_ms": args.poll_interval_ms}
    try:
        # (1) fake internet
        ca = os.path.join(tmp, "ca.pem")
        fn = subprocess.Popen([fakenet, "--address", HOST, "--ca-out", ca],
                              stdout=subprocess.PIPE, stderr=open(os.path.join(out, "fakenet.err"), "wb"))
        procs.append(fn)
        m = read_line_matching(fn, r"fakenet http=127\.0\.0\.1:(\d+) https=127\.0\.0\.1:(\d+)", 30)
        http_port, https_port = int(m.group(1)), int(m.group(2))
        drain(fn.stdout, os.path.join(out, "fakenet.out"))

        # (2) server
        port = free_port()
        cmd = [leadscan, "serve", "--db", f"sqlite://{tmp}/bench.db",
               "--listen", f"{HOST}:{port}",
               "--allow-net", f"127.0.0.1/32:{http_port}",
               "--allow-net", f"127.0.0.1/32:{https_port}",
               "--connect-to", f":443:127.0.0.1:{https_port}",
               "--connect-to", f":80:127.0.0.1:{http_port}",
               "--ca-file", ca, "--politeness-ms", "0", "--ignore-robots", "--rate-limit", "0",
               "--concurrency", str(args.concurrency), "--render-tabs", "0"] + args.serve_arg
        with open(os.path.join(out, "serve.cmd"), "w") as f:
            f.write(" ".join(cmd) + "\n")
        sv = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                              stderr=open(os.path.join(out, "serve.err"), "wb"))
        procs.append(sv)
        with open(os.path.join(out, "serve.out"), "w") as echo:
            # stdout is a pipe: the first-start token goes to a 0600 file, the log names it.
            m = read_line_matching(sv, r"the sign-in link is in (\S+) \(mode 0600\)", 60, echo)
        with open(m.group(1)) as f:
            token = re.search(r"Token \(shown once\): (\S+)", f.read()).group(1)
        drain(sv.stdout, os.path.join(out, "serve.out"))
        api = Api(port, token)
        rss_start = vm_status(sv.pid)

        # (3) import
        csv = "company_name,domain\n" + "".join(
            f"Bench Site {n},site-{n}.bench.test\n" for n in range(args.leads))
        t = time.monotonic()
        imp = api.json("POST", "/api/leads/import", csv, "text/csv")
        result["import_seconds"] = round(time.monotonic() - t, 3)
        result["import_created"] = imp.get("created")
        result["import_rejected"] = imp.get("rejected_count")

        ids = []
        t = time.monotonic()
        while len(ids) < args.leads:
            page = api.json("GET", f"/api/leads?limit=1000&offset={len(ids)}")
            rows = page.get("leads", [])
            if not rows:
                break
            ids += [r["id"] for r in rows]
        result["list_seconds"] = round(time.monotonic() - t, 3)
        if len(ids) != args.leads:
            raise RuntimeError(f"listed {len(ids)} leads, expected {args.leads}")

        # (4) job; (5) pollers start right after it exists
        cpu0 = cpu_seconds(sv.pid)
        fcpu0 = cpu_seconds(fn.pid)
        self0 = os.times()
        result["loadavg_before"] = loadavg()
        t_create = time.monotonic()
        job = api.json("POST", "/api/batch-analysis/jobs",
                       {"job_name": "service bench", "job_type": "tech_analysis", "lead_ids": ids})
        job_id = job["job_id"]
        result["create_seconds"] = round(time.monotonic() - t_create, 3)
        path = f"/api/batch-analysis/jobs/{job_id}?items_limit=0"

        stop_at = time.monotonic() + args.max_seconds
        poll = start_pollers(args, port, token, path, stop_at)

        # Monitor: job state every 0.5 s on its own connection, and the server's memory.
        timeline = []
        mon = Api(port, token, timeout=30)
        final = None
        last_print = 0
        peak_rss = 0
        while time.monotonic() < stop_at:
            j = mon.json("GET", path)["job"]
            vs = vm_status(sv.pid)
            peak_rss = max(peak_rss, vs.get("VmRSS", 0))
            el = time.monotonic() - t_create
            timeline.append({"t": round(el, 2), "done": j["progress"], "ok": j["successful_count"],
                             "failed": j["failed_count"], "rss_kb": vs.get("VmRSS"),
                             "threads": vs.get("Threads")})
            if el - last_print >= 5:
                last_print = el
                print(f"  t={el:6.1f}s status={j['status']} done={j['progress']}/"
                      f"{j['total_leads']} ok={j['successful_count']} failed={j['failed_count']}"
                      f" rss={vs.get('VmRSS', 0) // 1024} MB", flush=True)
            if j["status"] in ("completed", "failed", "cancelled"):
                final = j
                break
            time.sleep(0.5)
        t_done = time.monotonic()
        cpu1 = cpu_seconds(sv.pid)
        fcpu1 = cpu_seconds(fn.pid)
        result["loadavg_after"] = loadavg()
        threads_cpu = thread_cpu(sv.pid)
        lat, poll_errors = stop_pollers(poll)
        self1 = os.times()  # after the joins, so the pollers' CPU is counted
        wall = t_done - t_create
        vs = vm_status(sv.pid)
        lat.sort()
        if final is None:
            final = mon.json("GET", path)["job"]
            result["timed_out"] = True
        result.update({
            "status": final["status"],
            "total_leads": final["total_leads"],
            "completed": final["successful_count"],
            "failed": final["failed_count"],
            "wall_seconds": round(wall, 2),
            "leads_per_second": round(final["total_leads"] / wall, 1) if wall > 0 else None,
            "server_cpu_seconds": round(cpu1 - cpu0, 1),
            "fakenet_cpu_seconds": round(fcpu1 - fcpu0, 1),
            "driver_cpu_seconds": round((self1.user + self1.system + self1.children_user
                                         + self1.children_system) - (self0.user + self0.system
                                         + self0.children_user + self0.children_system), 1),
            "server_threads_cpu_top": dict(sorted(threads_cpu.items(),
                                                  key=lambda kv: -kv[1])[:6]),
            "server_vmhwm_mb": round(vs.get("VmHWM", 0) / 1024, 1),
            "server_rss_start_mb": round(rss_start.get("VmRSS", 0) / 1024, 1),
            "server_rss_peak_sampled_mb": round(peak_rss / 1024, 1),
            "polls": len(lat),
            "poll_errors": poll_errors,
            "polls_per_second": round(len(lat) / wall, 1) if wall > 0 else None,
            "poll_p50_ms": round(pct(lat, 50) * 1000, 2),
            "poll_p95_ms": round(pct(lat, 95) * 1000, 2),
            "poll_p99_ms": round(pct(lat, 99) * 1000, 2),
            "poll_max_ms": round(lat[-1] * 1000, 2) if lat else None,
        })

        if args.idle_poll_seconds > 0 and args.clients > 0:
            cpu_i0 = cpu_seconds(sv.pid)
            t_i0 = time.monotonic()
            poll = start_pollers(args, port, token, path, t_i0 + args.idle_poll_seconds)
            time.sleep(args.idle_poll_seconds)
            ilat, ierr = stop_pollers(poll)
            t_i = time.monotonic() - t_i0
            result.update({
                "idle_polls": len(ilat), "idle_poll_errors": ierr,
                "idle_polls_per_second": round(len(ilat) / t_i, 1),
                "idle_server_cpu_ms_per_poll":
                    round((cpu_seconds(sv.pid) - cpu_i0) * 1000 / max(1, len(ilat)), 2),
                "idle_poll_p50_ms": round(pct(ilat, 50) * 1000, 2),
                "idle_poll_p95_ms": round(pct(ilat, 95) * 1000, 2),
                "idle_poll_p99_ms": round(pct(ilat, 99) * 1000, 2)})

        # Per-item durations (first 1000 completed items): how long one lead keeps a worker.
        st, data = api.request("GET", f"/api/batch-analysis/jobs/{job_id}"
                                      f"?items_limit=1000&item_status=completed")
        if st == 200:
            d = sorted(float(it.get("duration_seconds") or 0)
                       for it in json.loads(data)["job"]["items"])
            if d:
                mean = sum(d) / len(d)
                result["item_seconds_p50"] = round(pct(d, 50), 3)
                result["item_seconds_p95"] = round(pct(d, 95), 3)
                result["item_seconds_mean"] = round(mean, 3)
                # Leads/s the workers could do if they were never idle: concurrency / mean.
                result["worker_bound_leads_per_second"] = round(args.concurrency / mean, 1)
        # Failure reasons (first 1000 failed items) and the server's metrics.
        if final["failed_count"]:
            st, data = api.request("GET", f"/api/batch-analysis/jobs/{job_id}"
                                          f"?items_limit=1000&item_status=failed")
            if st == 200:
                codes = {}
                for it in json.loads(data)["job"]["items"]:
                    c = it.get("error_code") or it.get("error") or "?"
                    codes[c] = codes.get(c, 0) + 1
                result["failed_codes_sample"] = codes
        st, data = api.request("GET", "/metrics")
        if st == 200:
            text = data.decode(errors="replace")
            with open(os.path.join(out, "metrics.txt"), "w") as f:
                f.write(text)
        with open(os.path.join(out, "timeline.json"), "w") as f:
            json.dump(timeline, f)
        with open(os.path.join(out, "result.json"), "w") as f:
            json.dump(result, f, indent=1)
        print(json.dumps(result))
        ok = (result.get("leads_per_second") or 0) >= 300 and result["server_vmhwm_mb"] < 300 \
            and result["poll_p99_ms"] < 20
        print(f"targets (>=300 leads/s, <300 MB, p99 <20 ms): {'met' if ok else 'MISSED'}"
              f"   out: {out}")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
