#!/usr/bin/env python3
"""Writes the labels of the trap pages (tests/eval/traps) to stdout as JSONL.

The trap pages were written by hand for the evaluation: pages that are no shop and use the
ambiguous provider names of issue 5 in their ordinary meaning (Bring, Early Bird, UPS in
"pop-ups", Ingrid as a first name, "resurs", DAO, Posti, nets, collector, Posten as the
mail). Every field is labelled empty, so any commerce finding on them is a false positive.
"""
import json
import os
import sys

TRAPS = {
    "kursgarden-sv.html": "Swedish course centre: Ingrid, resurs, Early bird-pris, 'Bring gärna',"
                          " Posten (the mail), Dao De Jing, pop-ups; payment words nearby",
    "trailnotes-en.html": "English hiking blog: bring, nets, stamp collector, early bird rate,"
                          " Dao, Posti (a name, Italian 'posti'), pop-ups/ups",
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


if __name__ == "__main__":
    main()
