#!/usr/bin/env python3
"""Writes the per-page labels of the demo shops (tests/fakenet/sites) to stdout as JSONL.

The site-level answer key is tests/fakenet/sites/expected.json (hand-written, proofs in its
README.md). A name from a shop's key becomes a label of one page only when that page's own
source holds the proving markup below; the proof is the page line that matched. The
patterns were written by hand from the README's proof column, one per provider.
"""
import json
import os
import re
import sys

PROOF = {
    # ecommerce_platform
    "Shopify": r"cdn\.shopify\.com|Shopify\.theme|shopify-checkout-api-token",
    "WooCommerce": r"woocommerce",
    "Magento": r"Magento_|mage/|data-mage-init|x-magento-init",
    "Centra": r"centra",
    "Quickbutik": r"quickbutik",
    "Starweb": r"starweb",
    "Abicart": r"abicart|textalk",
    "Norce Commerce": r"norce|jetshop",
    "PrestaShop": r"prestashop",
    "Wix eCommerce": r"wixstatic|wix-ecommerce|wixstores|wix\.com",
    # checkout_solutions
    "Shopify Checkout": r"checkout\.pci\.shopifyinc\.com|shopify-checkout-api-token",
    "Kustom Checkout": r"kustom|kco-|klarna-checkout|klarna_checkout",
    "Svea Checkout": r"svea",
    "Adyen": r"adyen",
    "Walley Checkout": r"walley.*checkout|checkout.*walley|collector",
    "Qliro One": r"qliro",
    "Avarda Checkout": r"avarda",
    "Nexi Checkout": r"nexi|dibs|easy-checkout|checkout\.dibspayment",
    "Paytrail": r"paytrail",
    "Briqpay": r"briqpay",
    "Stripe": r"js\.stripe\.com|stripe",
    "Resurs Bank": r"resurs",
    # payment_methods
    "Klarna": r"klarna",
    "Swish": r"swish",
    # "Visa" is also the Swedish verb "show" ("Visa varukorg"): only a logo, a pi-visa icon or
    # the card name in a list of cards counts.
    "Visa": r"pi-visa|/visa[-_.a-z0-9]*\.(svg|png)|(?-i:\bVisa\b)(?=\s*(,|\)|/|og |och |eller |ja |and |&|$))",
    "Mastercard": r"mastercard|pi-master",
    "American Express": r"american.express",
    "Apple Pay": r"apple.?pay",
    "Google Pay": r"google.?pay",
    "Walley": r"walley",
    "Trustly": r"trustly",
    "Vipps": r"vipps",
    "MobilePay": r"mobilepay",
    "Dankort": r"dankort",
    "PayPal": r"paypal",
    # carriers
    "PostNord": r"postnord",
    "Instabox": r"instabox",
    "DHL": r"\bdhl\b",
    "Budbee": r"budbee",
    "Bring": r"\bbring\b",
    "DB Schenker": r"schenker",
    "Early Bird": r"early.?bird",
    "Airmee": r"airmee",
    "Bussgods": r"bussgods",
    "Helthjem": r"helthjem",
    "GLS": r"\bgls\b",
    "DAO": r"\bdao\b",
    "Posti": r"\bposti\b",
    "Matkahuolto": r"matkahuolto",
    "UPS": r"\bups\b",
    "Jetpak": r"jetpak",
    "Citymail": r"citymail",
    "Porterbuddy": r"porterbuddy",
    # shipping_software
    "nShift": r"nshift|unifaun",
    "Ingrid": r"ingrid",
    "Shipmondo": r"shipmondo",
    "Pakettikauppa": r"pakettikauppa",
    "Fraktjakt": r"fraktjakt",
    "Klarna Shipping Service": r"shipping_methods_in_iframe\":\"yes",
}
FIELDS = ["ecommerce_platform", "checkout_solutions", "payment_methods", "carriers",
          "shipping_software"]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    sites_dir = os.path.join(root, "tests", "fakenet", "sites")
    sites = json.load(open(os.path.join(sites_dir, "expected.json")))["sites"]
    for host in sorted(sites):
        key = sites[host]
        for dirpath, _, files in sorted(os.walk(os.path.join(sites_dir, host))):
            for f in sorted(files):
                if not f.endswith(".html"):
                    continue
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, root)
                urlpath = "/" + os.path.relpath(full, os.path.join(sites_dir, host))
                urlpath = re.sub(r"(^|/)index\.html$", r"\1", urlpath)
                urlpath = re.sub(r"\.html$", "", urlpath)
                lines = open(full, encoding="utf-8", errors="replace").read().splitlines()
                rec = {"source": "demo", "path": rel, "url": "https://" + host + urlpath}
                for field in FIELDS:
                    want = key[field]
                    if isinstance(want, str):
                        want = [want]
                    labels = []
                    for name in want or []:
                        pat = re.compile(PROOF[name], re.I)
                        proof = next((ln.strip() for ln in lines if pat.search(ln)), None)
                        if proof is not None:
                            labels.append({"name": name, "proof": proof[:300]})
                    rec[field] = labels
                # A shop that offers PayPal takes that payment through PayPal: PayPal Checkout.
                for pm in rec["payment_methods"]:
                    if pm["name"] == "PayPal" and not any(
                            c["name"] == "PayPal Checkout" for c in rec["checkout_solutions"]):
                        rec["checkout_solutions"].append({"name": "PayPal Checkout",
                                                          "proof": pm["proof"]})
                rec["must_not"] = key.get("must_not", [])
                print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main()
