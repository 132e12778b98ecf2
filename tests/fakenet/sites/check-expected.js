// Compares leadscan_detect_bench output over the demo shop pages with sites/expected.json.
const fs = require('fs');
const E = JSON.parse(fs.readFileSync(process.argv[2])).sites;
const L = fs.readFileSync(process.argv[3], 'utf8').trim().split('\n').map(JSON.parse).filter(x => x.file);
const got = {};
for (const p of L) { const h = p.url.split('/')[2]; got[h] = got[h] || {}; for (const f of p.findings) (got[h][f.group] = got[h][f.group] || new Set()).add(f.name); }
const map = { ecommerce_platform: 'platform', checkout_solutions: 'checkout', payment_methods: 'payment', carriers: 'carrier', shipping_software: 'shipping_software' };
let miss = 0, extra = 0, bad = 0, tot = 0;
for (const [h, e] of Object.entries(E)) {
  const g = got[h] || {};
  for (const [k, grp] of Object.entries(map)) {
    const want = new Set([].concat(e[k] || [])); const have = g[grp] || new Set();
    tot += want.size;
    for (const w of want) if (!have.has(w)) { console.log('MISSING', h, k, w); miss++; }
    for (const x of have) if (!want.has(x)) { console.log('EXTRA', h, k, x); extra++; }
  }
  for (const n of e.must_not) for (const grp of Object.values(map)) if ((g[grp] || new Set()).has(n)) { console.log('MUST-NOT', h, n); bad++; }
}
console.log(`expected ${tot}, missing ${miss}, extra ${extra}, must-not hits ${bad}`);
process.exit(miss + extra + bad ? 1 : 0);
