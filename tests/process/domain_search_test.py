#!/usr/bin/env python3
"""`leadscan domain find` against the web-search stand-ins of the fake internet (Brave, Google,
SearXNG; tests/fakenet/search_apis.h): the company's own site is picked over directories,
social sites and a decoy whose home page does not name the company, with every provider's
answer shape; each error answer maps to its code; the key never reaches the output or the log;
the flags' environment variables work; `--db` reuses a stored search; a real `serve` fills in
missing domains in a batch, fails the unknown company with domain_not_found and its candidates,
reuses cached searches, shows the remaining daily quota on /metrics and takes the user's
decision. Real binaries, loopback only.

usage: domain_search_test.py LEADSCAN FAKENET SITES_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procutil import fakenet_flags, free_port, start_fakenet, wait_for  # noqa: E402

BRAVE_KEY = "brave-test-key-4f1c9e"
GOOGLE_KEY = "google-test-key-8a27d3"
GOOGLE_CX = "fakenet-engine-1"

PROVIDERS = {
    "brave": ["--search-provider", "brave", "--search-url", "https://brave.search-api.test",
              "--search-key", BRAVE_KEY],
    "google": ["--search-provider", "google", "--search-url", "https://google.search-api.test",
               "--search-key", GOOGLE_KEY, "--search-cx", GOOGLE_CX],
    "searxng": ["--search-provider", "searxng", "--search-url",
                "https://searxng.search-api.test"],
}


class Finder:
    def __init__(self, leadscan, tmp, ports):
        self.leadscan = leadscan
        self.fetch = fakenet_flags(ports, os.path.join(tmp, "ca.pem")) + ["--politeness-ms", "0"]

    def run(self, name, provider_flags, *extra, env=None, log_level=None):
        cmd = [self.leadscan] + (["--log-level", log_level] if log_level else []) + [
            "domain", "find", name] + list(extra) + provider_flags + self.fetch
        full_env = dict(os.environ)
        for k in list(full_env):
            if k.startswith("LEADSCAN_SEARCH_"):
                del full_env[k]
        full_env.update(env or {})
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=full_env)
        out = json.loads(r.stdout) if r.stdout.strip().startswith("{") else None
        return r, out


def check_own_site_is_chosen(f, provider):
    r, out = f.run("Kaffebönan AB", PROVIDERS[provider], "--country", "se")
    assert r.returncode == 0, (provider, r.returncode, r.stdout, r.stderr)
    assert out["domain"] == "kaffebonan.test", (provider, out)
    assert out["provider"] == provider, out
    assert out["confidence"] >= out["min_confidence"] >= 60, out
    by_domain = {c["domain"]: c for c in out["candidates"]}
    chosen = out["candidates"][0]
    assert chosen["chosen"] and chosen["domain"] == "kaffebonan.test", out["candidates"]
    assert chosen["home_page"] in ("title", "og:site_name"), chosen
    assert any("names the company" in w for w in chosen["why"]), chosen
    for c in out["candidates"]:
        assert set(["url", "title", "score", "why"]) <= set(c), c
    assert by_domain["allabolag.se"]["skipped"] == "business directory", by_domain
    assert by_domain["se.linkedin.com"]["skipped"] == "social network", by_domain
    assert by_domain["hitta.se"]["skipped"] == "business directory", by_domain
    assert by_domain["facebook.com"]["skipped"] == "social network", by_domain
    decoy = by_domain["kaffebonan-recensioner.test"]
    assert decoy["home_page"] == "silent" and not decoy["chosen"], decoy
    assert decoy["score"] < chosen["score"], (decoy, chosen)
    # Another shop whose name has two words and a company form.
    r, out = f.run("Nordvind Studio AB", PROVIDERS[provider])
    assert r.returncode == 0 and out["domain"] == "nordvindstudio.test", (r.stderr, out)


def check_unknown_company(f):
    r, out = f.run("Okänt Företag AB", PROVIDERS["brave"], "--country", "se")
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert out["domain"] is None and out["confidence"] == 0, out
    assert len(out["candidates"]) == 3, out
    assert {c["domain"] for c in out["candidates"]} == {
        "allabolag.se", "proff.se", "okantforetag-recensioner.test"}, out


def check_error_codes(f):
    expected = {
        "error-401": ("provider_auth", False),
        "error-402": ("provider_quota", False),
        "error-429": ("provider_rate_limited", True),
        "error-500": ("provider_unavailable", True),
        "error-malformed": ("provider_bad_response", False),
        "error-shape": ("provider_bad_response", False),
    }
    for provider in PROVIDERS:
        for query, (code, retryable) in expected.items():
            r, out = f.run("Firma " + query, PROVIDERS[provider])
            assert r.returncode == 1, (provider, query, r.returncode, r.stderr)
            assert out["error"]["code"] == code, (provider, query, out)
            assert out["error"]["retryable"] == retryable, (provider, query, out)
            if query == "error-429":
                assert "retry-after=2s" in out["error"]["message"], out
    # Wrong credentials, in each provider's own way (Google: 400 "API key not valid").
    bad = {
        "brave": ["--search-provider", "brave", "--search-url", "https://brave.search-api.test",
                  "--search-key", "wrong-brave-key"],
        "google": ["--search-provider", "google", "--search-url",
                   "https://google.search-api.test", "--search-key", "wrong-google-key",
                   "--search-cx", GOOGLE_CX],
    }
    for provider, flags in bad.items():
        r, out = f.run("Kaffebönan AB", flags)
        assert out["error"]["code"] == "provider_auth", (provider, out)
        assert "wrong-" not in r.stdout + r.stderr, (provider, r.stdout, r.stderr)
    # A base URL with a wrong path: the API's 404 is provider_rejected.
    r, out = f.run("Kaffebönan AB", ["--search-provider", "searxng", "--search-url",
                                     "https://searxng.search-api.test/wrong"])
    assert out["error"]["code"] == "provider_rejected", out


def check_no_key_is_logged(f):
    for provider, key in (("google", GOOGLE_KEY), ("brave", BRAVE_KEY)):
        for name in ("Kaffebönan AB", "Firma error-500", "Firma error-401"):
            r, out = f.run(name, PROVIDERS[provider], log_level="trace")
            text = r.stdout + r.stderr
            assert key not in text, (provider, name, text)
            assert key.replace("-", "%2D") not in text, (provider, name)
        if provider == "google":
            # The call was logged (so the check above could fail) and the key left out.
            assert "customsearch/v1" in r.stderr and "[redacted]" in r.stderr, r.stderr


def check_environment(f):
    env = {"LEADSCAN_SEARCH_PROVIDER": "google",
           "LEADSCAN_SEARCH_URL": "https://google.search-api.test",
           "LEADSCAN_SEARCH_KEY": GOOGLE_KEY, "LEADSCAN_SEARCH_CX": GOOGLE_CX}
    r, out = f.run("Tepotten HB", [], env=env)
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert out["provider"] == "google" and out["domain"] == "tepotten.test", out
    r, _ = f.run("Tepotten HB", [])
    assert r.returncode == 2 and "--search-provider" in r.stderr, (r.returncode, r.stderr)


def check_cache(f, tmp):
    db = "sqlite://" + os.path.join(tmp, "cache.db")
    r, first = f.run("Garnkorgen", PROVIDERS["brave"], "--country", "se", "--db", db)
    assert r.returncode == 0 and not first["cached"], (r.stderr, first)
    # The same company under another spelling comes from the store, even with a broken key.
    broken = PROVIDERS["brave"][:-1] + ["wrong-key"]
    r, second = f.run("GARNKORGEN AB", broken, "--country", "SE", "--db", db)
    assert r.returncode == 0 and second["cached"], (r.stderr, second)
    assert second["domain"] == "garnkorgen.test", second
    r, other = f.run("Garnkorgen", broken, "--country", "no", "--db", db)
    assert other["error"]["code"] == "provider_auth", other


def api(port, token, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=data,
                                 method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
            try:
                return r.status, json.loads(text)
            except ValueError:
                return r.status, text  # JSON lines, metrics
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode() or "null")


def check_serve_batch(leadscan, tmp, ports):
    """A real `serve` with the Brave stand-in: a batch fills in a missing domain, fails the
    unknown company with domain_not_found and its candidates, caches the searches, shows the
    remaining daily quota on /metrics, and the user accepts the suggestion."""
    db = "sqlite://" + os.path.join(tmp, "serve.db")
    token = subprocess.run([leadscan, "token", "create", "--db", db, "--org", "acme", "--role",
                            "admin"], check=True, capture_output=True,
                           text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    log_path = os.path.join(tmp, "serve.log")
    log = open(log_path, "w")
    serve = subprocess.Popen(
        [leadscan, "--log-level", "debug", "serve", "--db", db, "--listen",
         "127.0.0.1:%d" % port, "--web-dir", os.path.join(tmp, "no-web"), "--politeness-ms", "0",
         "--first-token-file", os.path.join(tmp, "first-token"), "--search-daily-quota", "10",
         "--search-country", "se"] + PROVIDERS["brave"] +
        fakenet_flags(ports, os.path.join(tmp, "ca.pem")),
        stdout=log, stderr=subprocess.STDOUT)
    try:
        def up():
            try:
                return api(port, token, "GET", "/api/me")[0] == 200
            except OSError:
                return False
        wait_for(up, 30, "serve")
        status, made = api(port, token, "POST", "/api/leads", [
            {"company_name": "Kaffebönan AB"}, {"company_name": "Okänt Företag AB"},
            {"company_name": "Garnkorgen", "domain": "garnkorgen.test"}])
        assert status == 201, made
        kaffe, okant, garn = [l["id"] for l in made["leads"]]

        def run_job():
            status, job = api(port, token, "POST", "/api/batch-analysis/jobs", {
                "job_name": "hitta", "job_type": "ecommerce_detection",
                "lead_ids": [kaffe, okant, garn]})
            assert status == 201, job

            def final():
                _, j = api(port, token, "GET", "/api/batch-analysis/jobs/%s" % job["job_id"])
                return j["job"] if j["job"]["status"] in ("completed", "failed") else None
            detail = wait_for(final, 120, "the job")
            return {i["lead_id"]: i for i in detail["items"]}, job["job_id"]

        items, job_id = run_job()
        assert items[kaffe]["status"] == "completed", items[kaffe]
        assert items[garn]["status"] == "completed", items[garn]
        assert items[okant]["error_code"] == "domain_not_found", items[okant]
        cands = items[okant]["error_details"]["candidates"]
        assert {c["domain"] for c in cands} == {
            "allabolag.se", "proff.se", "okantforetag-recensioner.test"}, cands
        _, results = api(port, token, "GET",
                         "/api/batch-analysis/jobs/%s/results" % job_id)
        lines = {l["lead_id"]: l for l in map(json.loads, results.strip().splitlines())}
        found = lines[kaffe]["result"]
        assert found["domain"] == "kaffebonan.test" and found["domain_source"] == "search", found
        assert found["domain_confidence"] >= 60, found
        assert found["ecommerce_platform"]["name"] == "Shopify", found
        assert "domain_source" not in lines[garn]["result"], lines[garn]
        _, lead = api(port, token, "GET", "/api/leads/%s" % kaffe)
        assert lead["lead"]["domain"] is None, lead
        assert lead["lead"]["domain_suggestion"]["domain"] == "kaffebonan.test", lead

        def quota_left():
            _, metrics = api(port, token, "GET", "/metrics")
            m = re.search(r'leadscan_provider_quota_remaining\{provider="brave"\} (\d+)', metrics)
            return int(m.group(1)) if m else None
        assert quota_left() == 8, quota_left()  # two searches of ten
        # The same leads again: the searches come from the store, no call is spent.
        items, _ = run_job()
        assert items[kaffe]["status"] == "completed", items
        assert quota_left() == 8, quota_left()

        status, decided = api(port, token, "POST", "/api/leads/%s/domain-suggestion" % kaffe,
                              {"decision": "accept"})
        assert status == 200 and decided["lead"]["domain"] == "kaffebonan.test", decided
    finally:
        serve.terminate()
        serve.wait(timeout=30)
        log.close()
    text = open(log_path).read()
    assert "provider brave: GET /res/v1/web/search" in text, text[-2000:]
    assert BRAVE_KEY not in text, "the key is in the serve log"


def check_cli_batch(leadscan, tmp, ports):
    """`leadscan batch` with the Brave stand-in: a row without a domain gets one found from its
    company name (the row's country column used), an unknown company fails domain_not_found
    with the candidates, a row with a domain is analysed as given; the CSV output's last column
    is the found domain and --resume of it skips every row; without a provider the row still
    fails no_domain."""
    csv_in = os.path.join(tmp, "leads.csv")
    with open(csv_in, "w", encoding="utf-8") as f:
        f.write("company_name;domain;country\nKaffebönan AB;;SE\nOkänt Företag AB;;se\n"
                "Garnkorgen;garnkorgen.test;\n")
    base = [leadscan, "batch", csv_in, "--politeness-ms", "0", "--type", "ecommerce_detection"] + \
        fakenet_flags(ports, os.path.join(tmp, "ca.pem"))
    r = subprocess.run(base + PROVIDERS["brave"], capture_output=True, text=True, timeout=180)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)  # one row failed
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    assert [row["company_name"] for row in rows] == [
        "Kaffebönan AB", "Okänt Företag AB", "Garnkorgen"], rows
    kaffe, okant, garn = rows
    assert kaffe["domain_source"] == "search" and kaffe["input"] == "", kaffe
    assert kaffe["domain_search"]["domain"] == "kaffebonan.test", kaffe["domain_search"]
    assert kaffe["domain_confidence"] >= 60, kaffe
    assert kaffe["ecommerce_platform"]["name"] == "Shopify", kaffe
    assert okant["error"]["code"] == "domain_not_found", okant
    assert {c["domain"] for c in okant["domain_search"]["candidates"]} == {
        "allabolag.se", "proff.se", "okantforetag-recensioner.test"}, okant
    assert "domain_source" not in garn and garn["ecommerce_platform"]["name"] == "Quickbutik", garn
    assert BRAVE_KEY not in r.stdout + r.stderr
    # CSV: the found domain in the last column; resuming from it skips all three rows.
    r = subprocess.run(base + PROVIDERS["brave"] + ["--format", "csv"], capture_output=True,
                       text=True, timeout=180)
    lines = r.stdout.splitlines()
    assert lines[0].endswith(",found_domain"), lines[0]
    assert lines[1].startswith("Kaffebönan AB,,Shopify") and \
        lines[1].endswith(",kaffebonan.test"), lines[1]
    out_csv = os.path.join(tmp, "out.csv")
    with open(out_csv, "w", encoding="utf-8") as f:
        f.write(r.stdout)
    r = subprocess.run(base + PROVIDERS["brave"] + ["--format", "csv", "--resume", out_csv],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0 and r.stdout == "", (r.returncode, r.stdout, r.stderr)
    assert "skipping 3 rows" in r.stderr, r.stderr
    # No provider: no search, as before.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSCAN_SEARCH_")}
    r = subprocess.run(base, capture_output=True, text=True, timeout=180, env=env)
    assert json.loads(r.stdout.splitlines()[0])["error"]["code"] == "no_domain", r.stdout


def main():
    leadscan, fakenet, sites = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        proc, ports = start_fakenet(fakenet, sites, tmp)
        try:
            f = Finder(leadscan, tmp, ports)
            for provider in PROVIDERS:
                check_own_site_is_chosen(f, provider)
            check_unknown_company(f)
            check_error_codes(f)
            check_no_key_is_logged(f)
            check_environment(f)
            check_cache(f, tmp)
            check_serve_batch(leadscan, tmp, ports)
            check_cli_batch(leadscan, tmp, ports)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print("domain search: ok")


if __name__ == "__main__":
    main()
