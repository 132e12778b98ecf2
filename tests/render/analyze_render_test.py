"""`leadscan analyze --render never|auto|always` on the script-built shop of the fake internet:
never finds what curl sees (nothing), always and auto find the platform from the JS global and
the cookie a script set and the carriers a script wrote from an XHR, with evidence that says it
came from the browser; bot challenges are reported as bot_challenge, on the HTTP page (the lead
fails) and in the browser (the rendered page is not analysed); no Chromium is left when analyze
exits."""
import json
import os
import subprocess
import sys
import tempfile
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "process"))
from procutil import chromium_processes, fakenet_flags, start_fakenet, switch_site  # noqa: E402,E501


def main():
    leadscan, fakenet, sites = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="leadscan-render-")
    net, (http_port, https_port) = start_fakenet(fakenet, sites, tmp)
    try:
        base = fakenet_flags((http_port, https_port), os.path.join(tmp, "ca.pem"))
        flags = base + ["--type", "full_analysis"]
        env = dict(os.environ, TMPDIR=tmp)  # the browser's folder lands here, to be looked for

        def analyze(mode):
            r = subprocess.run([leadscan, "analyze", "--render", mode] + flags +
                               ["skriptbutiken.test"], capture_output=True, timeout=120, env=env)
            assert r.returncode == 0, (mode, r.returncode, r.stderr[-500:])
            return json.loads(r.stdout.splitlines()[0])

        never = analyze("never")
        assert never["ecommerce_platform"] is None, never["ecommerce_platform"]
        assert never["carriers"] == [], never["carriers"]
        assert [p["via"] for p in never["pages"]].count("browser") == 0, never["pages"]
        assert never["render"] == {"mode": "never", "rendered": False, "reason": "render never",
                                   "error_code": None}, never["render"]

        for mode in ("always", "auto"):
            d = analyze(mode)
            platform = d["ecommerce_platform"]
            assert platform and platform["name"] == "Shopify", (mode, platform)
            fields = {e["field"]: e.get("source") for e in platform["evidence"]}
            assert fields.get("js.Shopify.shop") == "browser", (mode, fields)
            assert fields.get("cookies._shopify_y") == "browser", (mode, fields)
            origins = {e["field"]: e["origin"] for e in platform["evidence"]}
            assert origins["js.Shopify.shop"] == "js", origins
            assert origins["cookies._shopify_y"] == "network", origins
            carriers = {c["name"]: c for c in d["carriers"]}
            assert {"PostNord", "Budbee"} <= set(carriers), (mode, list(carriers))
            assert all(e.get("source") == "browser" for e in carriers["PostNord"]["evidence"])
            assert all(e["origin"] == "dom" for e in carriers["PostNord"]["evidence"])
            rendered = [p for p in d["pages"] if p["via"] == "browser"]
            assert len(rendered) == 1 and rendered[0]["status"] == 200, (mode, d["pages"])
            want = "render always" if mode == "always" else "auto: script shell"
            assert want in rendered[0]["reason"], (mode, rendered[0])
            assert d["render"]["mode"] == mode and d["render"]["rendered"] is True, d["render"]
            assert d["render"]["reason"].startswith(want), d["render"]
        # A shop whose HTTP page names its platform is not rendered in auto mode.
        r = subprocess.run([leadscan, "analyze", "--render", "auto"] + flags + ["kaffebonan.test"],
                           capture_output=True, timeout=120, env=env)
        d = json.loads(r.stdout.splitlines()[0])
        assert d["ecommerce_platform"]["name"] == "Shopify", d
        assert [p["via"] for p in d["pages"]].count("browser") == 0, d["pages"]
        assert d["render"]["rendered"] is False, d["render"]
        assert d["render"]["reason"].startswith("auto: not needed") and \
            "Shopify" in d["render"]["reason"], d["render"]
        assert all(e["origin"] == "http" for e in d["ecommerce_platform"]["evidence"]), d
        # Bot protection: a challenge on the HTTP page fails the lead with bot_challenge (never
        # analysed as the site); one met only by the browser is reported in errors and the
        # block page adds nothing, while the HTTP page is analysed as usual.
        for host in ("cloudflare-challenge.hostile.test", "datadome-challenge.hostile.test"):
            r = subprocess.run([leadscan, "analyze", "--render", "always"] + flags + [host],
                               capture_output=True, timeout=120, env=env)
            assert r.returncode != 0, (host, r.stdout[:300])
            out = json.loads(r.stdout.splitlines()[0])
            assert out["error"]["code"] == "bot_challenge", (host, out)
            assert out["error"]["retryable"] is False, out
        r = subprocess.run([leadscan, "analyze", "--render", "always"] + flags +
                           ["browser-challenge.hostile.test"], capture_output=True, timeout=120,
                           env=env)
        assert r.returncode == 0, r.stderr[-500:]
        d = json.loads(r.stdout.splitlines()[0])
        assert d["ecommerce_platform"]["name"] == "WooCommerce", d["ecommerce_platform"]
        codes = [e["code"] for e in d["errors"]]
        assert "bot_challenge" in codes, d["errors"]
        rendered = [p for p in d["pages"] if p["via"] == "browser"]
        assert len(rendered) == 1 and rendered[0]["error_code"] == "bot_challenge", d["pages"]
        assert d["render"]["rendered"] is False and \
            d["render"]["error_code"] == "bot_challenge", d["render"]
        for group in ("technologies", "carriers", "payment_methods", "checkout_solutions"):
            for f in d[group]:
                assert all(e.get("source") != "browser" for e in f["evidence"]), (group, f)
        # Scripts held back by a consent banner: nothing clicks it. The HTTP page names the
        # consent manager and the held-back Klarna tag; the browser adds what the one allowed
        # (necessary) script builds, and the held-back scripts stay unrun.
        def analyze_host(mode, host):
            r = subprocess.run([leadscan, "analyze", "--render", mode] + flags + [host],
                               capture_output=True, timeout=120, env=env)
            assert r.returncode == 0, (mode, host, r.stderr[-500:])
            return json.loads(r.stdout.splitlines()[0])

        def names(d, group):
            return {f["name"] for f in d[group]}

        never = analyze_host("never", "samtycket.test")
        assert never["ecommerce_platform"] is None, never["ecommerce_platform"]
        assert never["carriers"] == [], never["carriers"]
        assert "Cookiebot" in names(never, "technologies"), names(never, "technologies")
        assert "Klarna" in names(never, "payment_methods") | names(never, "checkout_solutions"), \
            never
        d = analyze_host("always", "samtycket.test")
        assert d["ecommerce_platform"]["name"] == "Shopify", d["ecommerce_platform"]
        fields = {e["field"] for e in d["ecommerce_platform"]["evidence"]}
        assert "js.Shopify.shop" in fields, fields
        assert {"PostNord", "Budbee"} <= names(d, "carriers"), names(d, "carriers")
        assert "Cookiebot" in names(d, "technologies"), names(d, "technologies")
        assert "Klarna" in names(d, "payment_methods") | names(d, "checkout_solutions"), d
        for group in ("payment_methods", "checkout_solutions"):
            for f in d[group]:
                if f["name"] == "Klarna":
                    # Only the tag: the SDK was never loaded (no global, no request).
                    assert all(e["origin"] in ("http", "dom") for e in f["evidence"]), f
        # Checkout probing in the browser: klickboden.test is built by scripts and no HTTP cart
        # mechanism fits it; the browser clicks "Lägg i varukorgen" (the page's own script puts
        # the product in the cart), opens the cart and follows its "Till kassan" link to the
        # checkout, which shows Avarda and the carriers only with the product in the cart.
        def probe(*extra):
            r = subprocess.run([leadscan, "analyze", "--type", "checkout_scraping",
                                "--politeness-ms", "0"] + list(extra) + base +
                               ["klickboden.test"], capture_output=True, timeout=120, env=env)
            assert r.returncode == 0, (extra, r.stderr[-500:])
            return json.loads(r.stdout.splitlines()[0])

        d = probe()
        assert names(d, "checkout_solutions") == {"Avarda Checkout"}, d
        assert names(d, "carriers") == {"Budbee", "Instabox"}, d["carriers"]
        for f in d["checkout_solutions"] + d["carriers"]:
            assert all(e["page"] == "https://klickboden.test/kassa" and e["source"] == "browser"
                       for e in f["evidence"]), f
        steps = [(p["reason"], p["url"]) for p in d["pages"] if "probe" in p["reason"]]
        assert steps == [
            ('checkout probe (browser): clicked "lägg i varukorgen"', "https://klickboden.test/"),
            ("checkout probe (browser): cart", "https://klickboden.test/varukorg"),
            ("checkout probe (browser): checkout", "https://klickboden.test/kassa")], steps
        # Without probing, or without the browser, the checkout is never seen.
        for extra in (["--probe-checkout", "off"], ["--render", "never"]):
            d = probe(*extra)
            assert d["checkout_solutions"] == [] and d["carriers"] == [], (extra, d)
            assert not any("probe" in p["reason"] for p in d["pages"]), (extra, d["pages"])
        # robots.txt that disallows the checkout: the browser stops at the cart.
        switch_site(http_port, "klickboden.test", "robots")
        try:
            d = probe()
        finally:
            switch_site(http_port, "klickboden.test", "")
        assert d["checkout_solutions"] == [], d["checkout_solutions"]
        reasons = [p["reason"] for p in d["pages"] if "probe" in p["reason"]]
        assert reasons[-1] == "checkout probe (browser): cart", reasons
        # Markup that says Shopify, a checkout of its own (/kassa): the HTTP probe puts the
        # product in the cart, reads the cart, finds no /checkout, and the browser takes over.
        switch_site(http_port, "klickboden.test", "shopify")
        try:
            d = probe()
        finally:
            switch_site(http_port, "klickboden.test", "")
        steps = [(p["reason"], p["url"]) for p in d["pages"] if "probe" in p["reason"]]
        assert steps == [
            ("checkout probe: product", "https://klickboden.test/products/stormlykta.js"),
            ("checkout probe: add to cart", "https://klickboden.test/cart/add.js"),
            ("checkout probe: cart", "https://klickboden.test/varukorg"),
            ("checkout probe: checkout", "https://klickboden.test/checkout"),
            ('checkout probe (browser): clicked "lägg i varukorgen"', "https://klickboden.test/"),
            ("checkout probe (browser): cart", "https://klickboden.test/varukorg"),
            ("checkout probe (browser): checkout", "https://klickboden.test/kassa")], steps
        assert any(e["url"] == "https://klickboden.test/checkout" and e["code"] == "http_404"
                   for e in d["errors"]), d["errors"]
        assert "Avarda Checkout" in names(d, "checkout_solutions"), d["checkout_solutions"]
        left = chromium_processes(tmp)
        assert not left, "Chromium processes left: %s" % left
        print("7 passed, 0 failed")
    finally:
        net.terminate()
        net.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
