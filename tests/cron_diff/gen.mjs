// Generates random cron cases with a fixed seed and asks croner for their next runs.
// Output (stdout), one case per line, tab-separated:
//   expr  zone  from_unix_seconds  croner_runs  croner_offsets
// where croner_runs is a comma list of unix seconds (empty if croner found none) or
// "ERR:<message>", and croner_offsets holds, per run, the UTC offset in seconds that Node's own
// time zone data gives for that instant (the C++ driver compares it with the system tzdata).
// Usage: node gen.mjs [cases=12000] [runs=5] [seed=20261128]
import { Cron } from "croner";

const cases = Number(process.argv[2] ?? 12000);
const runsPerCase = Number(process.argv[3] ?? 5);
let seed = Number(process.argv[4] ?? 20261128) >>> 0;

// mulberry32: small, deterministic, good enough for test inputs.
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const ZONES = [
  "UTC", "Europe/Stockholm", "Europe/London", "Europe/Berlin", "Europe/Helsinki",
  "Europe/Oslo", "Europe/Copenhagen", "Europe/Dublin", "Europe/Lisbon", "Europe/Moscow",
  "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
  "America/Phoenix", "America/St_Johns", "America/Sao_Paulo", "America/Santiago",
  "America/Havana", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tokyo", "Asia/Shanghai",
  "Asia/Jerusalem", "Asia/Tehran", "Australia/Sydney", "Australia/Adelaide",
  "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham", "Africa/Cairo",
  "Africa/Johannesburg", "Atlantic/Azores",
];
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MACROS = ["@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"];

function value(lo, hi, names, nameBase, favourites) {
  const v = favourites && rand() < 0.5 ? pick(favourites) : int(lo, hi);
  if (names && rand() < 0.3 && v - nameBase < names.length) {
    const n = names[v - nameBase];
    return [v, rand() < 0.5 ? n : n.toLowerCase()];
  }
  return [v, String(v)];
}

function field(lo, hi, names, nameBase, favourites, starProbability) {
  const r = rand();
  if (r < starProbability) return "*";
  if (r < starProbability + 0.1) return "*/" + int(2, Math.max(2, Math.floor((hi - lo) / 2)));
  const items = [];
  const count = rand() < 0.7 ? 1 : int(2, 3);
  for (let i = 0; i < count; i++) {
    const kind = rand();
    const [a, aText] = value(lo, hi, names, nameBase, favourites);
    if (kind < 0.55 || a === hi) {
      items.push(aText);
      continue;
    }
    const [b0, bText0] = value(a, hi, names, nameBase, null);
    const [b, bText] = b0 === a ? [hi, String(hi)] : [b0, bText0];
    if (kind < 0.8) {
      items.push(`${aText}-${bText}`);
    } else {
      items.push(`${aText}-${bText}/${int(1, Math.max(1, b - a))}`);
    }
  }
  return items.join(",");
}

function expression() {
  if (rand() < 0.04) return pick(MACROS);
  const minute = field(0, 59, null, 0, [0, 0, 15, 30, 45], 0.2);
  // Favour the hours in which DST changes happen so the DST rules get exercised.
  const hour = field(0, 23, null, 0, [0, 1, 2, 2, 2, 3, 4], 0.25);
  const dom = field(1, 31, null, 1, [1, 15, 28, 29, 30, 31], 0.6);
  const month = field(1, 12, MONTHS, 1, null, 0.7);
  const dow = field(0, 7, DAYS, 0, null, 0.6);
  return [minute, hour, dom, month, dow].join(" ");
}

// A start instant: uniform over 2000-2037, or near the usual DST change weeks.
function from() {
  const year = int(2000, 2037);
  let ms;
  if (rand() < 0.5) {
    const [month, day] = pick([[2, 8], [2, 24], [3, 1], [9, 22], [9, 30], [10, 1], [3, 10]]);
    ms = Date.UTC(year, month, day + int(-2, 7), int(0, 23), int(0, 59), rand() < 0.5 ? 0 : int(0, 59));
  } else {
    ms = Date.UTC(year, 0, 1) + Math.floor(rand() * 365 * 86400) * 1000;
  }
  return Math.floor(ms / 1000);
}

const offsetFormatters = new Map();
function offsetSeconds(zone, date) {
  let f = offsetFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
    offsetFormatters.set(zone, f);
  }
  const name = f.formatToParts(date).find((p) => p.type === "timeZoneName").value;
  const m = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(name);
  if (!m || !m[1]) return 0;
  const s = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[1] === "-" ? -s : s;
}

const out = [];
for (let i = 0; i < cases; i++) {
  const expr = expression();
  const zone = pick(ZONES);
  const start = from();
  let runs = "";
  let offsets = "";
  try {
    const job = new Cron(expr, { timezone: zone, paused: true });
    const dates = job.nextRuns(runsPerCase, new Date(start * 1000));
    runs = dates.map((d) => Math.floor(d.getTime() / 1000)).join(",");
    offsets = dates.map((d) => offsetSeconds(zone, d)).join(",");
  } catch (e) {
    runs = "ERR:" + String(e.message).replace(/[\t\n]/g, " ");
  }
  out.push([expr, zone, start, runs, offsets].join("\t"));
}
process.stdout.write(out.join("\n") + "\n");
