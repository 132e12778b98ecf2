#!/usr/bin/env python3
"""Scores the analyser's per-page output against tests/eval/labels.jsonl.

usage: score.py LABELS ANALYSER_OUTPUT CORPUS_DIR REPO_DIR
Prints precision and recall per result field and per provider, lists the misses, spot-checks
the corpus pages marked non-commerce, and exits 1 when a target of issue 5 is missed.
"""
import collections
import json
import os
import sys

FIELDS = ["ecommerce_platform", "checkout_solutions", "payment_methods", "carriers",
          "shipping_software"]
TARGETS = {  # field: (precision, recall)
    "ecommerce_platform": (0.95, 0.90),
    "checkout_solutions": (0.95, 0.90),
    "payment_methods": (0.90, 0.80),
    "carriers": (0.90, 0.80),
    "shipping_software": (0.90, 0.80),
}


def names(out, field):
    v = out.get(field)
    if v is None:
        return set()
    if isinstance(v, dict):
        return {v["name"]}
    return {x["name"] for x in v}


def ratio(a, b):
    return a / b if b else 1.0


def main():
    labels_path, out_path, corpus, repo = sys.argv[1:5]
    outs = {}
    for line in open(out_path, encoding="utf-8"):
        line = line.strip()
        if line:
            d = json.loads(line)
            outs[os.path.normpath(d["input"])] = d
    labels = [json.loads(l) for l in open(labels_path, encoding="utf-8") if l.strip()]
    field_c = {f: collections.Counter() for f in FIELDS}
    prov_c = collections.defaultdict(collections.Counter)
    misses = []
    missing_pages = []
    providers = set()
    for rec in labels:
        base = repo if rec["source"] == "demo" else corpus
        key = os.path.normpath(os.path.join(base, rec["path"]))
        out = outs.get(key)
        if out is None:
            missing_pages.append(rec["path"])
            continue
        for f in rec.get("fields", FIELDS):
            exp = {x["name"] for x in rec.get(f, [])}
            got = names(out, f)
            providers |= {(f, n) for n in exp}
            for n in exp & got:
                field_c[f]["tp"] += 1
                prov_c[(f, n)]["tp"] += 1
            for n in got - exp:
                field_c[f]["fp"] += 1
                prov_c[(f, n)]["fp"] += 1
                misses.append(("FP", f, n, rec["url"], rec["path"]))
            for n in exp - got:
                field_c[f]["fn"] += 1
                prov_c[(f, n)]["fn"] += 1
                misses.append(("FN", f, n, rec["url"], rec["path"]))

    print(f"pages labelled: {len(labels)} (demo {sum(r['source'] == 'demo' for r in labels)}, "
          f"corpus {sum(r['source'] == 'corpus' for r in labels)}); "
          f"providers labelled: {len({n for _, n in providers})}")
    ok = not missing_pages
    for p in missing_pages:
        print(f"MISSING analyser output for {p}")
    print("\nper field                  TP   FP   FN  precision  recall  target")
    for f in FIELDS:
        c = field_c[f]
        p, r = ratio(c["tp"], c["tp"] + c["fp"]), ratio(c["tp"], c["tp"] + c["fn"])
        tp_, tr_ = TARGETS[f]
        hit = p >= tp_ and r >= tr_
        ok = ok and hit
        print(f"{f:24} {c['tp']:4} {c['fp']:4} {c['fn']:4}  {p:9.3f}  {r:6.3f}  "
              f"P>={tp_} R>={tr_} {'ok' if hit else 'MISSED'}")
    print("\nper provider                                  TP   FP   FN  precision  recall")
    for (f, n), c in sorted(prov_c.items()):
        p, r = ratio(c["tp"], c["tp"] + c["fp"]), ratio(c["tp"], c["tp"] + c["fn"])
        print(f"{f[:18]:18} {n:26} {c['tp']:4} {c['fp']:4} {c['fn']:4}  {p:9.3f}  {r:6.3f}")
    print("\nmisses (kind field name url path)")
    for m in misses:
        print("  " + "  ".join(m))

    # Spot check: corpus pages the manifest marks non-commerce and that carry no label.
    labelled = {r["path"] for r in labels if r["source"] == "corpus"}
    print("\ncommerce findings on unlabelled non-commerce corpus pages (check each by hand):")
    n = 0
    for row in open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8").read().splitlines()[1:]:
        col = row.split("\t")
        if col[10] != "no" or col[0] in labelled:
            continue
        out = outs.get(os.path.normpath(os.path.join(corpus, col[0])))
        if out is None:
            continue
        for f in FIELDS:
            for name in sorted(names(out, f)):
                ev = out[f] if isinstance(out[f], dict) else next(
                    x for x in out[f] if x["name"] == name)
                m = [e.get("matched", "")[:70] for e in ev.get("evidence", [])][:2]
                print(f"  {col[0]}  {f}  {name}  {m}")
                n += 1
    print(f"  total: {n}")
    print("\nRESULT: " + ("all targets met" if ok else "target MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
