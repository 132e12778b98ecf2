#!/usr/bin/env python3
"""Checkout probing (issue 11) with `leadscan analyze` against the fake internet's shops whose
checkout widgets appear only with a product in the cart: kassaprovet.test (Shopify: product
JSON, POST /cart/add.js, /cart, /checkout), vagnen.test (WooCommerce: ?add-to-cart=N,
/varukorg/, /kassan/), hyllvarden.test (Magento 2: POST /checkout/cart/add/product/N/ with a
form key that must match its cookie) and kuddboden.test (PrestaShop: POST to the cart page the
page's `var prestashop` names, with its static token). Without probing no checkout is seen; with it the widget and the carriers
on the checkout page are, every probe request is listed in `pages` with a "checkout probe"
reason, only the add-to-cart request is not a GET, and `auto` probes for checkout_scraping only.

usage: checkout_probe_test.py LEADSCAN FAKENET SITES_DIR
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from procutil import fakenet_flags, start_fakenet  # noqa: E402


def main():
    leadscan, fakenet, sites = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        proc, ports = start_fakenet(fakenet, sites, tmp)
        try:
            flags = fakenet_flags(ports, os.path.join(tmp, "ca.pem")) + [
                "--politeness-ms", "0", "--render", "never"]

            def analyze(host, type_, probe):
                r = subprocess.run([leadscan, "analyze", "--type", type_, "--probe-checkout",
                                    probe] + flags + [host], capture_output=True, text=True,
                                   timeout=120)
                assert r.returncode == 0, (host, probe, r.returncode, r.stdout, r.stderr)
                return json.loads(r.stdout.splitlines()[0])

            def names(d, field):
                return sorted(f["name"] for f in d.get(field, []))

            cases = {
                "kassaprovet.test": ("Kustom Checkout", ["Budbee", "PostNord"], [
                    "checkout probe: product", "checkout probe: add to cart",
                    "checkout probe: cart", "checkout probe: checkout"]),
                "vagnen.test": ("Walley Checkout", ["DHL", "Instabox"], [
                    "checkout probe: add to cart", "checkout probe: cart",
                    "checkout probe: checkout"]),
                "hyllvarden.test": ("Svea Checkout", ["DB Schenker", "PostNord"], [
                    "checkout probe: add to cart", "checkout probe: cart",
                    "checkout probe: checkout"]),
                "kuddboden.test": ("Qliro One", ["Budbee", "Instabox"], [
                    "checkout probe: add to cart", "checkout probe: cart",
                    "checkout probe: checkout"]),
            }
            for host, (checkout, carriers, reasons) in cases.items():
                off = analyze(host, "checkout_scraping", "off")
                assert names(off, "checkout_solutions") == [], (host, off)
                assert not any("probe" in p["reason"] for p in off["pages"]), off["pages"]
                for mode in ("on", "auto"):
                    on = analyze(host, "checkout_scraping", mode)
                    assert names(on, "checkout_solutions") == [checkout], (host, mode, on)
                    assert names(on, "carriers") == carriers, (host, mode, on)
                    probe = [p for p in on["pages"] if p["reason"].startswith("checkout probe")]
                    assert [p["reason"] for p in probe] == reasons, (host, probe)
                    assert all(p["status"] in (200, 302) for p in probe), probe
                    found = on["checkout_solutions"][0]["evidence"]
                    assert any(e["page"].endswith(("/checkout", "/kassan/", "/checkout/",
                                                   "/bestallning")) for e in found), found
                # auto: only checkout_scraping probes.
                tech = analyze(host, "tech_analysis", "auto")
                assert not any("probe" in p["reason"] for p in tech["pages"]), tech["pages"]
            # The fake shops check what real ones check, so the probe's success above means it
            # sent a matching form key (Magento) and the page's static token (PrestaShop).
            def post(host, path, body, cookie=""):
                c = http.client.HTTPConnection("127.0.0.1", ports[0], timeout=10)
                headers = {"Host": host, "Content-Type": "application/x-www-form-urlencoded"}
                if cookie:
                    headers["Cookie"] = cookie
                c.request("POST", path, body, headers)
                r = c.getresponse()
                r.read()
                return r.status, r.getheader("Set-Cookie") or ""

            add = "/checkout/cart/add/product/2047/"
            assert "fakenet_cart" in post("hyllvarden.test", add,
                                          "product=2047&qty=1&form_key=k1", "form_key=k1")[1]
            assert "fakenet_cart" not in post("hyllvarden.test", add,
                                              "product=2047&qty=1&form_key=k1", "form_key=k2")[1]
            assert "fakenet_cart" not in post("hyllvarden.test", add, "product=2047&qty=1")[1]
            good = "token=5b0e3c9d27f14a6e8d2b71c4f0a93e56&id_product=8&add=1&action=update"
            assert "fakenet_cart" in post("kuddboden.test", "/varukorg", good)[1]
            assert "fakenet_cart" not in post("kuddboden.test", "/varukorg",
                                              good.replace("5b0e", "0000"))[1]
            # A shop without a cart mechanism the probe knows is left alone.
            d = analyze("skriptbutiken.test", "checkout_scraping", "on")
            assert not any("probe" in p["reason"] for p in d["pages"]), d["pages"]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print("checkout probe: ok")


if __name__ == "__main__":
    main()
