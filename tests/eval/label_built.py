#!/usr/bin/env python3
"""Writes the labels of the pages built by hand for the evaluation to stdout as JSONL.

traps/: pages that are no shop and use the ambiguous provider names of issue 5 in their
ordinary meaning (Bring, Early Bird, UPS in "pop-ups", Ingrid as a first name, "resurs", DAO,
Posti, nets, collector, Posten as the mail, carriers' pages that are not tracking pages). Every field is labelled empty, so any commerce
finding on them is a false positive.

mirrors/: single pages written to mirror what a platform's stock templates put in a page
(Shopware 5 Responsive theme: themes/Frontend/Bare/frontend/index/{header,index}.tpl and the
theme compiler's web/cache bundles; OpenCart 3 default theme: catalog/view/theme/default and
index.php?route= links), for platforms the demo shops do not cover. A label's proof is the
first page line its pattern matches.
"""
import json
import os
import re
import sys

TRAPS = {
    "kursgarden-sv.html": "Swedish course centre: Ingrid, resurs, Early bird-pris, 'Bring gärna',"
                          " Posten (the mail), Dao De Jing, pop-ups; payment words nearby",
    "trailnotes-en.html": "English hiking blog: bring, nets, stamp collector, early bird rate,"
                          " Dao, Posti (a name, Italian 'posti'), pop-ups/ups",
    "utlamning-sv.html": "Swedish local news: Postens utlämning (PostNord's, not Bring's), a"
                         " Danish 'Postens udlevering', 'hentested' named as a word, links to"
                         " carriers' own pages that are not their tracking pages",
}
MIRRORS = {
    "shopware5-detail.html": (
        "https://fjallboden.test/vandring/skor/412/vandringskanga-tarfala-gtx",
        {"ecommerce_platform": [("Shopware", r"/web/cache/\d{10}_")],
         "carriers": [("PostNord", r"skickar med PostNord"), ("DHL", r"DHL Service Point")]}),
    "opencart3-product.html": (
        "https://uldstuen.test/uldplaid-skagen",
        {"ecommerce_platform": [("OpenCart", r"catalog/view/theme/")],
         "carriers": [("GLS", r"Sendes med GLS"), ("PostNord", r"PostNord MyPack Home")]}),
}
FIELDS = ["ecommerce_platform", "checkout_solutions", "payment_methods", "carriers",
          "shipping_software"]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    for name in sorted(TRAPS):
        rec = {"source": "demo", "path": os.path.join("tests", "eval", "traps", name),
               "url": "https://" + name.rsplit(".", 1)[0] + ".test/"}
        for field in FIELDS:
            rec[field] = []
        rec["must_not"] = []
        rec["note"] = "no shop: " + TRAPS[name]
        assert os.path.exists(os.path.join(root, rec["path"])), rec["path"]
        print(json.dumps(rec, ensure_ascii=False))
    for name in sorted(MIRRORS):
        url, labels = MIRRORS[name]
        rec = {"source": "demo", "path": os.path.join("tests", "eval", "mirrors", name),
               "url": url}
        lines = open(os.path.join(root, rec["path"]), encoding="utf-8").read().splitlines()
        for field in FIELDS:
            rec[field] = []
            for provider, pat in labels.get(field, []):
                rx = re.compile(pat, re.I)
                proof = next(ln.strip() for ln in lines if rx.search(ln))
                rec[field].append({"name": provider, "proof": proof[:300]})
        rec["must_not"] = []
        print(json.dumps(rec, ensure_ascii=False))


if __name__ == "__main__":
    main()
