#!/usr/bin/env python3
"""Proposes labels for corpus shop pages from their source; the output was reviewed by hand
and committed as part of tests/eval/labels.jsonl (source "corpus").

Only the fields named in a record's "fields" list are labelled (and scored): for corpus pages
that is ecommerce_platform and checkout_solutions. Payment methods, carriers and shipping
software in real pages are mostly brand names in text and images whose meaning needs a human
reading; the demo shops carry those fields.

The markers below are our own (platform asset paths, generator tags, global objects), not
the analyser's rules. A page with no platform marker is not labelled.
"""
import gzip
import json
import os
import re
import sys

PLATFORM = [
    ("Shopify", r"cdn\.shopify\.com|Shopify\.shop\s*="),
    ("WooCommerce", r"wp-content/plugins/woocommerce/|woocommerce_params|woocommerce-inline-inline-css|woocommerce-no-js|name=\"generator\" content=\"WooCommerce"),
    ("Magento", r"skin/frontend/|text/x-magento-init|Mage\.Cookies|/static/version\d+/frontend/|js/mage/|Magento_"),
    ("PrestaShop", r"var prestashop\s*=|name=\"generator\" content=\"PrestaShop|prestashop\.(static|cart|urls)|/modules/ps_[a-z]+/"),
    ("Salesforce Commerce Cloud", r"demandware\.(static|store|net)|/on/demandware"),
    ("BigCommerce", r"cdn\d*\.bigcommerce\.com|bigcommerce\.com/s-"),
    ("Squarespace Commerce", r"static1\.squarespace\.com.*commerce|squarespace-commerce"),
    ("Shopware", r"/engine/Shopware/|/themes/Frontend/"),
    ("Ecwid", r"plugins/ecwid-shopping-cart/|app\.ecwid\.com|ecwid\.com/script"),
    ("SAP Commerce Cloud", r"/_ui/responsive/|/_ui/desktop/|ACC\.config"),
    ("OpenCart", r"catalog/view/theme/|index\.php\?route=product/"),
]
CHECKOUT = [
    ("Shopify Checkout", r"shopify-checkout-api-token|checkout\.shopify\.com"),
    ("Stripe", r"js\.stripe\.com"),
    ("Klarna Checkout", r"klarna_checkout|klarnacheckout|kco-checkout"),
    ("Adyen", r"checkoutshopper-live\.adyen\.com|adyen\.encrypt"),
    ("WooPayments", r"wp-content/plugins/woocommerce-payments/"),
    # PayPal offered on a shop: PayPal is its payment processor for that method (the convention
    # of the blind labels in tests/eval/real, docs/decisions/site-kind.md).
    ("PayPal Checkout", r"paypalobjects\.com|paypal\.com/sdk/js|payment_method_(?:paypal|ppcp)"
                        r"|pi-paypal|<img[^>]+alt=\"[^\"]*paypal|woocommerce-paypal-payments"
                        r"|/paypal[\w-]*\.(?:svg|png)|(?-i:\bPayPal\b)"),
    ("Opayo", r"sage\s?pay|opayo"),
    ("PagSeguro", r"pagseguro"),
]
# Pages read by hand and found to be no shop: WordPress news/blog sites whose theme CSS
# carries WooCommerce selectors, or pages that merely link to a platform's name. Labelled
# with no platform and no checkout (negatives). One line each: path, why.
NEGATIVE = [
    ("pages/readability/spiceworks.html.gz", "theme CSS .woocommerce selectors only"),
    ("pages/trafilatura/boxen.de-staatsanwaltschaft.html.gz", "theme CSS only"),
    ("pages/trafilatura/decohome.de.magenta.html.gz", "Divi theme CSS only"),
    ("pages/trafilatura/madymorrsion.com.energy.html.gz", "theme CSS only"),
    ("pages/trafilatura/mtb-news.de-tubeless.html.gz", "theme CSS only"),
    ("pages/trafilatura/nationwideradiojm.com-caricom.html.gz", "Divi theme CSS only"),
    ("pages/trafilatura/vorangedacht.de.kohleausstieg.html.gz", "Divi theme CSS only"),
    ("pages/trafilatura/werkzeugforum.de-heizjacke.html.gz", "theme CSS only"),
    ("pages/trafilatura/viertausendhertz.de.ddg48.html.gz",
     "WordPress 4.9 podcast site (generator meta); theme CSS only; /themes/<name>/assets/js/theme.js is WordPress"),
    ("pages/formasaurus/forobeta.com-0.html.gz", "forum; a link to a 'Prestashop' forum section"),
    ("pages/trafilatura/Lebensmittelpraxis.de-Stadtzentrum.html.gz", "trade news; an article link mentions Shopware"),
]


def first_line(lines, pat):
    rx = re.compile(pat, re.I)
    for ln in lines:
        m = rx.search(ln)
        if m:
            s = max(0, m.start() - 100)
            return ln[s:m.end() + 100].strip()
    return None


def main():
    corpus = sys.argv[1]
    for row in open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8").read().splitlines()[1:]:
        col = row.split("\t")
        path, url, eco = col[0], col[6], col[10]
        neg = dict(NEGATIVE).get(path)
        if neg:
            print(json.dumps({"source": "corpus", "path": path, "url": url,
                              "fields": ["ecommerce_platform", "checkout_solutions"],
                              "ecommerce_platform": [], "checkout_solutions": [],
                              "note": "no shop: " + neg}, ensure_ascii=False))
            continue
        if eco == "no":
            continue
        text = gzip.open(os.path.join(corpus, path)).read().decode("utf-8", "replace")
        lines = text.splitlines()
        hits = [(n, first_line(lines, p)) for n, p in PLATFORM]
        hits = [(n, pr) for n, pr in hits if pr]
        if not hits:
            continue
        rec = {"source": "corpus", "path": path, "url": url,
               "fields": ["ecommerce_platform", "checkout_solutions"],
               "ecommerce_platform": [{"name": n, "proof": pr} for n, pr in hits],
               "checkout_solutions": []}
        for n, p in CHECKOUT:
            pr = first_line(lines, p)
            if pr:
                rec["checkout_solutions"].append({"name": n, "proof": pr})
        print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main()
