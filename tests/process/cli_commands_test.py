#!/usr/bin/env python3
"""Process-level tests of the command line: `leadscan batch` against demo shops of the fake
internet, `leads import` / `leads export`, `backup` of a SQLite store that a running `serve`
keeps writing to, `rules check`, and `analyze --pages` on saved pages (plain, gzip, cut-short
gzip, missing). Real binaries, loopback only.

usage: cli_commands_test.py LEADSCAN FAKENET SITES_DIR
"""
import csv
import gzip
import io
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procutil import dead_port, fakenet_flags, free_port, start_fakenet, wait_for  # noqa: E402


SHOPS = ["kaffebonan.test", "garnkorgen.test", "tepotten.test", "lekladan.test",
         "sybutiken.test"]


class Cli:
    def __init__(self, leadscan, tmp, ports):
        self.leadscan, self.tmp = leadscan, tmp
        dead, self.dead_socket = dead_port()  # connections there are refused
        # The specific dead.test entries come first: curl uses the first --connect-to that matches.
        self.fetch_flags = [
            "--allow-net", "127.0.0.1/32:%d" % dead,
            "--connect-to", "dead.test:443:127.0.0.1:%d" % dead,
            "--connect-to", "dead.test:80:127.0.0.1:%d" % dead,
        ] + fakenet_flags(ports, os.path.join(tmp, "ca.pem")) + [
            "--politeness-ms", "0", "--ignore-robots", "--timeout", "10000"]

    def run(self, *args, fetch=False):
        cmd = [self.leadscan] + list(args) + (self.fetch_flags if fetch else [])
        return subprocess.run(cmd, capture_output=True, text=True, timeout=300)

    def write(self, name, text, bom=False):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        return path


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def check_batch(cli, expected):
    # Swedish headers, ';', a BOM: as a spreadsheet saves it. Row 5 has no domain, row 6 a dead
    # host; the rest are demo shops.
    rows = [("Kaffebönan AB", SHOPS[0]), ("Garnkorgen", SHOPS[1]), ("Tepotten HB", SHOPS[2]),
            ("Inget AB", ""), ("Död AB", "dead.test"), ("Lekladan", SHOPS[3]),
            ("=HYPERLINK(\"x\")", SHOPS[4])]
    text = "Företag;Webbplats\n" + "".join("%s;%s\n" % (n if '"' not in n else
                                                        '"' + n.replace('"', '""') + '"', d)
                                           for n, d in rows)
    path = cli.write("leads.csv", text, bom=True)

    r = cli.run("batch", path, fetch=True)
    assert r.returncode == 1, "some rows fail: exit 1, got %d\n%s" % (r.returncode, r.stderr)
    out = jsonl(r.stdout)
    assert len(out) == len(rows), r.stdout
    assert [o["company_name"] for o in out] == [n for n, _ in rows], "input order"
    assert [o["line"] for o in out] == list(range(2, 2 + len(rows)))
    for o, (name, domain) in zip(out, rows):
        assert o["input"] == domain, o
        if domain in expected:
            assert "error" not in o, o
            platform = o["ecommerce_platform"]
            assert platform and platform["name"] == expected[domain]["ecommerce_platform"], \
                (domain, platform)
    assert out[3]["error"]["code"] == "no_domain", out[3]
    assert out[4]["error"]["code"] not in ("", "no_domain"), out[4]
    assert "failed 2" in r.stderr and "done 7/7" in r.stderr, r.stderr
    print("batch jsonl ok:", out[4]["error"]["code"], "for the dead host")

    # --order done: the same rows, each once.
    r = cli.run("batch", path, "--order", "done", "--concurrency", "4", fetch=True)
    assert r.returncode == 1
    assert sorted(o["line"] for o in jsonl(r.stdout)) == list(range(2, 2 + len(rows)))

    # Only good rows: exit 0.
    good = cli.write("good.csv", "company_name,domain\n" +
                     "".join("Shop %d,%s\n" % (i, d) for i, d in enumerate(SHOPS)))
    r = cli.run("batch", good, fetch=True)
    assert r.returncode == 0, r.stderr
    assert len(jsonl(r.stdout)) == len(SHOPS)

    # --resume from a cut-short previous output: only the rest, nothing repeated.
    first = cli.run("batch", path, fetch=True).stdout.splitlines()
    prev = cli.write("prev.jsonl", "\n".join(first[:3]) + "\n" + first[3][:20])
    r = cli.run("batch", path, "--resume", prev, fetch=True)
    resumed = jsonl(r.stdout)
    assert [o["line"] for o in resumed] == list(range(5, 2 + len(rows))), resumed
    assert r.returncode == 1  # the dead host is among the rest

    # CSV format: header, one row per input, names joined with "; ", formulas guarded.
    r = cli.run("batch", path, "--format", "csv", fetch=True)
    table = list(csv.reader(io.StringIO(r.stdout)))
    assert table[0] == ["company_name", "domain", "platform", "checkout", "payment", "carriers",
                        "shipping_software", "error_code", "error_message",
                        "found_domain"], table[0]
    body = table[1:]
    assert len(body) == len(rows)
    assert body[0][0] == "Kaffebönan AB" and body[0][2] == "Shopify", body[0]
    assert set(body[0][5].split("; ")) == set(expected[SHOPS[0]]["carriers"]), body[0]
    assert body[3][7] == "no_domain" and body[4][7], (body[3], body[4])
    assert body[6][0] == "'=HYPERLINK(\"x\")", body[6]
    for row in body:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", row
    # --resume from that CSV (first four rows): the rest, and no second header.
    prev_csv = cli.write("prev.csv", "".join(
        ",".join('"%s"' % c.replace('"', '""') for c in row) + "\r\n" for row in table[:5]))
    r = cli.run("batch", path, "--format", "csv", "--resume", prev_csv, fetch=True)
    rest = list(csv.reader(io.StringIO(r.stdout)))
    assert [row[0] for row in rest] == [row[0] for row in body[4:]], rest
    # An output of the nine columns before found_domain (an older leadscan) resumes the same.
    prev_old = cli.write("prev-old.csv", "".join(
        ",".join('"%s"' % c.replace('"', '""') for c in row[:9]) + "\r\n" for row in table[:5]))
    r = cli.run("batch", path, "--format", "csv", "--resume", prev_old, fetch=True)
    rest = list(csv.reader(io.StringIO(r.stdout)))
    assert [row[0] for row in rest] == [row[0] for row in body[4:]], rest
    print("batch csv, order, resume ok")


def check_leads(cli, db):
    src = cli.write("import.csv", "company;domain;city\nA AB;https://a.test/;Umeå\n"
                                  "B AB;b.test;\n-Minus AB;c.test;Luleå\n;d.test;\n")
    r = cli.run("leads", "import", src, "--db", "sqlite://" + db, "--org", "acme")
    assert r.stdout.strip() == "created 3, updated 0, rejected 1", r.stdout + r.stderr
    assert r.returncode == 1 and "company_name is empty" in r.stderr
    r = cli.run("leads", "export", "--db", "sqlite://" + db, "--org", "acme")
    assert r.returncode == 0, r.stderr
    table = list(csv.DictReader(io.StringIO(r.stdout)))
    # One import's leads share created_at: compare without order.
    assert sorted((t["company_name"], t["domain"], t["city"]) for t in table) == sorted([
        ("A AB", "https://a.test/", "Umeå"), ("B AB", "b.test", ""), ("'-Minus AB", "c.test", "Luleå")]), \
        table
    # Round trip: the export imports into another organisation as the same leads, and a second
    # import of it updates them by domain.
    exported = cli.write("export.csv", r.stdout)
    r = cli.run("leads", "import", exported, "--db", "sqlite://" + db, "--org", "copy")
    assert r.stdout.strip() == "created 3, updated 0, rejected 0", r.stdout + r.stderr
    r = cli.run("leads", "import", exported, "--db", "sqlite://" + db, "--org", "copy")
    assert r.stdout.strip() == "created 0, updated 3, rejected 0", r.stdout + r.stderr
    r = cli.run("leads", "export", "--db", "sqlite://" + db, "--org", "copy", "--format", "jsonl")
    leads = jsonl(r.stdout)
    assert sorted((l["company_name"], l["domain"], l["extra"].get("city") or "")
                  for l in leads) == sorted([("A AB", "https://a.test/", "Umeå"), ("B AB", "b.test", ""),
                                             ("'-Minus AB", "c.test", "Luleå")]), leads
    print("leads import/export ok")


def check_backup(cli, leadscan, tmp):
    db = os.path.join(tmp, "served.db")
    token = cli.run("token", "create", "--db", "sqlite://" + db, "--org", "busy",
                    "--role", "admin").stdout.strip().splitlines()[-1]
    port = free_port()
    log = open(os.path.join(tmp, "serve.log"), "w")
    serve = subprocess.Popen([leadscan, "serve", "--db", "sqlite://" + db, "--listen",
                              "127.0.0.1:%d" % port, "--rate-limit", "0",
                              "--web-dir", "/nonexistent"], stdout=log, stderr=subprocess.STDOUT)
    stop = threading.Event()
    imported = [0]
    errors = []

    def writer():
        n = 0
        while not stop.is_set():
            body = "company_name,domain\n" + "".join(
                "Busy %d AB,busy-%d.test\n" % (n + i, n + i) for i in range(50))
            req = urllib.request.Request("http://127.0.0.1:%d/api/leads/import" % port,
                                         data=body.encode(), method="POST")
            req.add_header("Authorization", "Bearer " + token)
            req.add_header("Content-Type", "text/csv")
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    imported[0] += json.loads(resp.read())["created"]
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
                return
            n += 50

    try:
        def up():
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=1)
                return True
            except Exception:  # noqa: BLE001
                return False
        wait_for(up, 30, "serve")
        t = threading.Thread(target=writer)
        t.start()
        wait_for(lambda: imported[0] >= 500, 60, "rows written by serve")
        outs = []
        for i in range(3):  # while the writes go on
            before = imported[0]
            out = os.path.join(tmp, "backup-%d.db" % i)
            r = cli.run("backup", "--db", "sqlite://" + db, out)
            assert r.returncode == 0, r.stderr
            outs.append((out, before))
            time.sleep(0.2)
        stop.set()
        t.join()
        assert not errors, errors
        for out, before in outs:
            con = sqlite3.connect(out)
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            n = con.execute("SELECT COUNT(*) FROM leads").fetchone()[0]
            con.close()
            assert before <= n <= imported[0], (before, n, imported[0])
        assert not os.path.exists(outs[0][0] + ".partial")
        # An existing file is not overwritten; PostgreSQL is refused with pg_dump named.
        r = cli.run("backup", "--db", "sqlite://" + db, outs[0][0])
        assert r.returncode == 1 and "already exists" in r.stderr, r.stderr
        r = cli.run("backup", "--db", "postgresql://127.0.0.1/leadscan",
                    os.path.join(tmp, "pg.dump"))
        assert r.returncode == 2 and "pg_dump" in r.stderr, r.stderr
        print("backup under writes ok:", [n for _, n in outs], "rows before each of",
              imported[0])
    finally:
        stop.set()
        serve.terminate()
        serve.wait(timeout=60)
        log.close()


def check_rules_cache(cli, tmp):
    """--rules-cache: the first run leaves the compiled rules there, later runs load them and
    find the same; damaged files are compiled again, and `off` writes nothing."""
    folder = os.path.join(tmp, "rules-cache")

    def analyze(*extra):
        r = cli.run("analyze", "kaffebonan.test", *extra, fetch=True)
        assert r.returncode == 0, r.stderr
        found = jsonl(r.stdout)[0]
        return json.dumps([found.get(k) for k in ("ecommerce_platform", "payment_methods",
                                                  "carriers", "technologies")], sort_keys=True)

    first = analyze("--rules-cache", folder)
    files = sorted(os.listdir(folder))
    assert len(files) >= 4 and all(f.endswith(".hsdb") for f in files), files
    assert analyze("--rules-cache", folder) == first, "loaded rules find the same"
    for f in files:  # damage every file: each is compiled and written again
        with open(os.path.join(folder, f), "r+b") as h:
            h.seek(40)
            h.write(b"\xff\x00\xff")
    assert analyze("--rules-cache", folder) == first, "damaged files are compiled again"
    assert sorted(os.listdir(folder)) == files
    for f in files:
        with open(os.path.join(folder, f), "rb") as h:
            h.seek(40)
            assert h.read(3) != b"\xff\x00\xff", f + " was not written again"
    off = os.path.join(tmp, "rules-cache-off")
    env_off = dict(os.environ, LEADSCAN_RULES_CACHE="off", HOME=off, XDG_CACHE_HOME=off)
    r = subprocess.run([cli.leadscan, "analyze", "kaffebonan.test"] + cli.fetch_flags,
                       capture_output=True, text=True, timeout=300, env=env_off)
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(off), "off writes nothing"


def check_rules_check(cli):
    """`leadscan rules check`: our rules are clean; a file's problems are listed once each, with
    their kind, and --strict fails on a warning."""
    r = cli.run("rules", "check")
    assert r.returncode == 0 and r.stdout.strip().endswith("0 errors, 0 warnings"), r
    categories = cli.write("categories.json", '{"1": {"name": "CMS", "priority": 1}}')
    techs = cli.write("techs.json", json.dumps({
        "Quoted": {"cats": [1], "dom": "p:contains('x')"},
        "Broken": {"cats": [1], "html": "(unclosed"}}))
    r = cli.run("rules", "check", categories, techs)
    lines = r.stdout.splitlines()
    assert r.returncode != 0, r
    assert any(l.startswith("warning: ") and "Quoted" in l and "warning: warning" not in l
               for l in lines), r.stdout
    assert any(l.startswith("error: ") and "Broken" in l for l in lines), r.stdout
    assert lines[-1] == "1 errors, 1 warnings", r.stdout
    with open(techs, "w") as f:
        f.write(json.dumps({"Quoted": {"cats": [1], "dom": "p:contains('x')"}}))
    assert cli.run("rules", "check", categories, techs).returncode == 0
    assert cli.run("rules", "check", "--strict", categories, techs).returncode != 0


def check_saved_pages(cli, tmp):
    """`leadscan analyze --pages`: a plain and a gzip page give the same findings; a gzip page
    cut short and a missing file each give an error line that names the file, in input order,
    and the exit code says a page failed."""
    page = ('<html><head><script src="https://cdn.shopify.com/s/files/1/theme.js"></script>'
            '</head><body><p>Betala med Klarna eller Swish.</p></body></html>')
    plain = cli.write("saved.html", page)
    whole = gzip.compress(page.encode() * 200)
    with open(os.path.join(tmp, "saved.html.gz"), "wb") as f:
        f.write(gzip.compress(page.encode()))
    with open(os.path.join(tmp, "cut.html.gz"), "wb") as f:
        f.write(whole[:len(whole) // 2])
    rows = [(plain, "https://plain.example/"),
            (os.path.join(tmp, "saved.html.gz"), "https://gz.example/"),
            (os.path.join(tmp, "cut.html.gz"), "https://cut.example/"),
            (os.path.join(tmp, "missing.html"), "https://missing.example/")]
    listing = cli.write("pages.tsv", "".join("%s\t%s\n" % r for r in rows))
    r = cli.run("analyze", "--pages", listing, "--type", "full_analysis")
    assert r.returncode != 0, "a failed page makes the exit code non-zero"
    out = jsonl(r.stdout)
    assert [o["input"] for o in out] == [path for path, _ in rows], r.stdout
    assert [o["domain"] for o in out] == ["plain.example", "gz.example", "cut.example",
                                          "missing.example"], r.stdout

    def found(o):
        return {f: sorted(x["name"] for x in (o.get(f) if isinstance(o.get(f), list)
                                              else [o[f]] if o.get(f) else []))
                for f in ("ecommerce_platform", "payment_methods")}

    assert found(out[0]) == {"ecommerce_platform": ["Shopify"],
                             "payment_methods": ["Klarna", "Swish"]}, out[0]
    assert found(out[1]) == found(out[0]), out[1]
    assert out[2]["error"]["code"] == "io_error" and "cut short" in out[2]["error"]["message"]
    assert out[3]["error"]["code"] == "io_error" and "missing.html" in out[3]["error"]["message"]


def main():
    leadscan, fakenet, sites = sys.argv[1:4]
    with open(os.path.join(sites, "expected.json")) as f:
        expected = json.load(f)["sites"]
    tmp = tempfile.mkdtemp(prefix="leadscan-cli-")
    net, ports = start_fakenet(fakenet, sites, tmp)
    try:
        cli = Cli(leadscan, tmp, ports)
        # The example: an option value followed by a positional.
        r = cli.run("analyze", "--allow-net", "10.0.0.0/8", "kaffebonan.test", fetch=True)
        assert r.returncode == 0 and jsonl(r.stdout)[0]["domain"] == "kaffebonan.test", r
        check_batch(cli, expected)
        check_leads(cli, os.path.join(tmp, "leads.db"))
        check_backup(cli, leadscan, tmp)
        check_rules_cache(cli, tmp)
        check_rules_check(cli)
        check_saved_pages(cli, tmp)
        print("7 passed, 0 failed")
    finally:
        net.terminate()
        net.wait()


if __name__ == "__main__":
    main()
