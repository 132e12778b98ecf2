#!/usr/bin/env python3
"""Process-level tests of Firecrawl as a page source, against the stand-in of the fake internet
(tests/fakenet/README.md, "Firecrawl"): `leadscan analyze --use-firecrawl` finds what the page
the stand-in returns contains while our own fetcher cannot reach the shop; the flags and the
LEADSCAN_FIRECRAWL_* environment; the fallback without a key; each error code; `leadscan
batch` and `leadscan serve` jobs whose Firecrawl quota runs out (402) fail their remaining
items fast; a 429 is retried after Retry-After; and the key appears in no log, result or error.
Real binaries, loopback only.

usage: firecrawl_test.py LEADSCAN FAKENET SITES_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procutil import fakenet_flags, free_port, start_fakenet, wait_for  # noqa: E402

SECRET = "Wq4-DISTINCT-fc-secret-7731"
SHOP = "kaffebonan.test"
# Leads of a job need distinct domains (an import upserts by domain).
SHOPS = [SHOP, "garnkorgen.test", "tepotten.test", "lekladan.test"]


def key(case):
    return "%s-%s" % (case, SECRET)


class Env:
    def __init__(self, leadscan, tmp, ports):
        self.leadscan, self.tmp, self.ports = leadscan, tmp, ports
        self.ca = os.path.join(tmp, "ca.pem")
        self.base = "http://127.0.0.1:%d" % ports[0]
        self.texts = []  # every stdout/stderr/log seen, for the secret check

    def blocked_shop_flags(self):
        """Our own fetcher reaches nothing but Firecrawl: the shop's name resolves to a refused
        documentation address, so a page can only come from the stand-in."""
        flags = []
        for shop in SHOPS:
            flags += ["--resolve", "%s:443:192.0.2.10" % shop,
                      "--resolve", "%s:80:192.0.2.10" % shop]
        return flags + ["--allow-net", "127.0.0.1/32:%d" % self.ports[0], "--ca-file", self.ca,
                        "--timeout", "20000"]

    def run(self, args, env=None, log_level="debug"):
        full_env = dict(os.environ)
        full_env.update(env or {})
        r = subprocess.run([self.leadscan, "--log-level", log_level] + args, capture_output=True,
                           text=True, timeout=300, env=full_env)
        self.texts += [r.stdout, r.stderr]
        return r


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def check_analyze(e):
    # The CLI test of the issue: the page comes from the stand-in, and what it contains is found.
    r = e.run(["analyze", "--use-firecrawl", "--firecrawl-url", e.base,
               "--firecrawl-key", key("fc-ok"), SHOP] + e.blocked_shop_flags())
    assert r.returncode == 0, r.stdout + r.stderr
    out = jsonl(r.stdout)[0]
    assert out["ecommerce_platform"]["name"] == "Shopify", out
    assert out["ecommerce_platform"]["evidence"][0]["source"] == "firecrawl", out
    assert "PostNord" in [c["name"] for c in out["carriers"]], out["pages"]
    fetched = [p for p in out["pages"] if not p.get("error_code")]
    assert fetched and all(p["via"] == "firecrawl" for p in fetched), out["pages"]
    assert not any(x["code"] == "firecrawl_unavailable" for x in out["errors"]), out["errors"]
    print("analyze --use-firecrawl ok:", len(fetched), "pages from firecrawl")

    # The same through the environment instead of the flags.
    r = e.run(["analyze", "--use-firecrawl", SHOP] + e.blocked_shop_flags(),
              env={"LEADSCAN_FIRECRAWL_URL": e.base, "LEADSCAN_FIRECRAWL_KEY": key("fc-env")})
    assert r.returncode == 0, r.stdout + r.stderr
    assert jsonl(r.stdout)[0]["ecommerce_platform"]["name"] == "Shopify"
    print("LEADSCAN_FIRECRAWL_URL / _KEY ok")

    # Without a key: our own fetcher (here the shop is reachable) and a note in errors.
    r = e.run(["analyze", "--use-firecrawl", "--firecrawl-url", e.base, SHOP] +
              fakenet_flags(e.ports, e.ca) + ["--ignore-robots"],
              env={"LEADSCAN_FIRECRAWL_KEY": ""})
    assert r.returncode == 0, r.stdout + r.stderr
    out = jsonl(r.stdout)[0]
    assert any(x["code"] == "firecrawl_unavailable" for x in out["errors"]), out["errors"]
    assert out["pages"][0]["via"] == "https", out["pages"][0]
    print("no key: falls back to plain HTTP and says so")


def check_error_codes(e):
    cases = [("fc-401", "provider_auth", False), ("fc-403", "provider_auth", False),
             ("fc-402", "provider_quota", False), ("fc-500", "provider_unavailable", True),
             ("fc-429", "provider_rate_limited", True),
             ("fc-malformed", "provider_bad_response", False)]
    for case, code, retryable in cases:
        r = e.run(["analyze", "--use-firecrawl", "--firecrawl-url", e.base, "--firecrawl-key",
                   key(case), SHOP] + e.blocked_shop_flags())
        assert r.returncode == 1, (case, r.stdout, r.stderr)
        out = jsonl(r.stdout)[0]
        assert out["error"]["code"] == code, (case, out)
        assert out["error"]["retryable"] == retryable, (case, out)
    # A Firecrawl that never answers: the lead's deadline holds.
    start = time.time()
    r = e.run(["analyze", "--use-firecrawl", "--firecrawl-url", e.base, "--firecrawl-key",
               key("fc-timeout"), SHOP] + e.blocked_shop_flags()[:-2] + ["--timeout", "3000"])
    took = time.time() - start
    out = jsonl(r.stdout)[0]
    assert out["error"]["code"] == "provider_unavailable" and out["error"]["retryable"], out
    assert took < 15, took
    print("error codes ok:", ", ".join(c for _, c, _ in cases), "+ timeout in %.1fs" % took)


def check_batch_quota(e):
    rows = "company_name,domain\n" + "".join("Shop %d,%s\n" % (i, SHOP) for i in range(4))
    path = os.path.join(e.tmp, "leads.csv")
    with open(path, "w") as f:
        f.write(rows)
    r = e.run(["batch", path, "--use-firecrawl", "--firecrawl-url", e.base, "--firecrawl-key",
               key("fc-402"), "--concurrency", "1"] + e.blocked_shop_flags())
    out = jsonl(r.stdout)
    assert len(out) == 4 and all(o["error"]["code"] == "provider_quota" for o in out), out
    fast = [o for o in out if "not sent to Firecrawl" in o["error"]["message"]]
    assert len(fast) == 3, out
    print("batch: 402 fails the remaining rows fast (%d of 4 not sent)" % len(fast))


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
            raw = r.read()
            return raw.decode() if ctype == "text" else json.loads(raw or b"null")


def check_serve(e, case, extra_flags, leads, check):
    db = os.path.join(e.tmp, "%s.db" % case)
    log_path = os.path.join(e.tmp, "serve-%s.log" % case)
    token = subprocess.run([e.leadscan, "token", "create", "--db", "sqlite://" + db, "--org",
                            "fc", "--role", "admin"], check=True, capture_output=True,
                           text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    env = dict(os.environ)
    env.update({"LEADSCAN_FIRECRAWL_URL": e.base, "LEADSCAN_FIRECRAWL_KEY": key(case)})
    log = open(log_path, "w")
    serve = subprocess.Popen(
        [e.leadscan, "--log-level", "debug", "serve", "--db", "sqlite://" + db, "--listen",
         "127.0.0.1:%d" % port, "--rate-limit", "0", "--web-dir", "/nonexistent",
         "--concurrency", "1"] + e.blocked_shop_flags()[:-2] + extra_flags,
        stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        def up():
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1)
                return True
            except Exception:
                return False
        wait_for(up, 30, "serve")
        api = Api("http://127.0.0.1:%d" % port, token)
        csv = "company_name,domain\n" + "".join("Shop %d AB,%s\n" % (i, SHOPS[i])
                                                for i in range(leads))
        api.call("POST", "/api/leads/import", csv, "text/csv")
        ids = [l["id"] for l in api.call("GET", "/api/leads?limit=100")["leads"]]
        job_id = api.call("POST", "/api/batch-analysis/jobs",
                          {"job_name": case, "job_type": "full_analysis", "lead_ids": ids,
                           "analysis_config": {"use_firecrawl": True, "max_retries": 2}})["job_id"]

        def final():
            j = api.call("GET", "/api/batch-analysis/jobs/%s" % job_id)["job"]
            return j if j["status"] in ("completed", "failed", "cancelled") else None
        j = wait_for(final, 120, "job of %s" % case)
        results = api.call("GET", "/api/batch-analysis/jobs/%s/results?format=jsonl" % job_id,
                           ctype="text")
        metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port).read().decode()
        e.texts += [json.dumps(j), results, metrics]
        check(j, metrics)
    finally:
        serve.terminate()
        serve.wait(timeout=60)
        log.close()
        with open(log_path) as f:
            e.texts.append(f.read())


def check_serve_quota(j, metrics):
    items = j["items"]
    assert len(items) == len(SHOPS), items
    assert all(i["status"] == "failed" and i["error_code"] == "provider_quota" for i in items), \
        items
    assert all(i["retry_count"] == 0 for i in items), items
    fast = [i for i in items if "not sent to Firecrawl" in (i["error_message"] or "")]
    assert len(fast) == len(items) - 1, items
    assert 'leadscan_provider_calls_total{outcome="provider_quota",provider="firecrawl"} 1' \
        in metrics, [m for m in metrics.splitlines() if "provider" in m]
    print("serve: 402 failed the job's remaining Firecrawl items fast (%d of %d)"
          % (len(fast), len(items)))


def check_serve_429(j, metrics):
    items = j["items"]
    assert len(items) == 2, items
    assert all(i["status"] == "completed" for i in items), items
    assert any(i["retry_count"] >= 1 for i in items), items
    assert 'outcome="provider_rate_limited",provider="firecrawl"' in metrics, metrics
    assert 'leadscan_provider_quota_remaining{provider="firecrawl"}' in metrics, metrics
    print("serve: 429 retried after Retry-After; quota gauge present")


def main():
    leadscan, fakenet, sites = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="leadscan-firecrawl-")
    net, ports = start_fakenet(fakenet, sites, tmp)
    try:
        e = Env(leadscan, tmp, ports)
        check_analyze(e)
        check_error_codes(e)
        check_batch_quota(e)
        check_serve(e, "fc-402", [], 4, check_serve_quota)
        check_serve(e, "fc-429", ["--firecrawl-daily-quota", "1000"], 2, check_serve_429)
        # Under the sanitizer build (LEADSCAN_SANITIZED=1) a report would be in these texts.
        reports = [t for t in e.texts if "ERROR: AddressSanitizer" in t or "runtime error:" in t]
        assert not reports, reports[0][:3000]
        leaked = [t for t in e.texts if SECRET in t]
        assert not leaked, "the key leaked: " + leaked[0][:2000]
        assert any("provider firecrawl" in t for t in e.texts), "no debug line of a call seen"
        print("the key is in no output, log, result, error or metric (%d texts)" % len(e.texts))
    finally:
        net.terminate()
        net.wait(timeout=30)
    print("firecrawl process test ok")


if __name__ == "__main__":
    main()
