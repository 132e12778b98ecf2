#!/usr/bin/env node
// Reference matcher harness: feeds page features (JSON lines written by leadscan_detect_bench
// --features) to wappalyzer-core's analyze() and resolve(), emulating the Wappalyzer driver's
// second pass for `requires` / `requiresCategory`, and prints one JSON line per page with the
// findings and the time analyze+resolve took (node start-up and JSON loading not counted).
//
// usage: node ref_analyze.js --core DIR --rules PATH [--rules PATH]... FEATURES.jsonl
'use strict'

const fs = require('fs')
const path = require('path')
const readline = require('readline')

const args = process.argv.slice(2)
const rules = []
let core = null
let features = null
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rules') rules.push(args[++i])
  else if (args[i] === '--core') core = args[++i]
  else features = args[i]
}
if (!core || !rules.length || !features) {
  console.error('usage: ref_analyze.js --core DIR --rules PATH... FEATURES.jsonl')
  process.exit(2)
}
const Wappalyzer = require(path.resolve(core))

// Same file discovery and merge order as RuleSet::Load: folders give their *.json files
// sorted by path; a later definition of a technology replaces the earlier one.
function expand (p) {
  if (fs.statSync(p).isDirectory()) {
    const out = []
    const walk = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, e.name)
        if (e.isDirectory()) walk(full)
        else if (e.name.endsWith('.json')) out.push(full)
      }
    }
    walk(p)
    return out.sort()
  }
  return [p]
}

const isNumeric = (k) => /^[0-9]+$/.test(k)
let technologies = {}
let categories = {}
const fragments = {}
for (const file of rules.flatMap(expand)) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
  const keys = Object.keys(doc)
  if (path.basename(file) === 'fragments.json') {
    Object.assign(fragments, doc)
    continue
  }
  const isCategories = path.basename(file) === 'categories.json' ||
    (keys.length && keys.every((k) => isNumeric(k) && doc[k] && typeof doc[k] === 'object' && 'name' in doc[k]))
  if (isCategories) {
    categories = { ...categories, ...doc }
  } else if (doc.technologies && typeof doc.technologies === 'object') {
    categories = { ...categories, ...(doc.categories || {}) }
    Object.assign(fragments, doc.fragments || {})
    technologies = { ...technologies, ...doc.technologies }
  } else {
    technologies = { ...technologies, ...doc }
  }
}

// Our fragments (docs/rules-format.md, "Fragments"), expanded as RuleSet::Load does: {{name}}
// in the regex part of a pattern (before its first \;), a backslash escaping the character
// after it. The reference matcher then sees every pattern written out.
function expandFragments (text, depth) {
  if (depth > 8) throw new Error('fragments nest more than 8 levels deep')
  const reference = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/y
  let out = ''
  for (let i = 0; i < text.length;) {
    if (text[i] === '\\') {
      out += text.slice(i, i + 2)
      i += 2
      continue
    }
    reference.lastIndex = i
    const m = reference.exec(text)
    if (!m) {
      out += text[i++]
      continue
    }
    if (!Object.prototype.hasOwnProperty.call(fragments, m[1])) {
      throw new Error('unknown fragment {{' + m[1] + '}}')
    }
    out += expandFragments(fragments[m[1]], depth + 1)
    i += m[0].length
  }
  return out
}
function expandPattern (p) {
  if (typeof p !== 'string' || !p.includes('{{')) return p
  const tags = p.indexOf('\\;')
  return tags < 0 ? expandFragments(p, 0) : expandFragments(p.slice(0, tags), 0) + p.slice(tags)
}
const expandList = (v) => (Array.isArray(v) ? v.map(expandPattern) : expandPattern(v))
const expandKeyed = (o) =>
  o && typeof o === 'object' && !Array.isArray(o)
    ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, expandList(v)]))
    : o
function expandDom (dom) {
  if (!dom || typeof dom !== 'object' || Array.isArray(dom)) return dom
  const spec = (s) => {
    if (!s || typeof s !== 'object') return s
    const out = { ...s }
    for (const k of ['exists', 'text']) if (k in out) out[k] = expandPattern(out[k])
    for (const k of ['attributes', 'properties']) if (k in out) out[k] = expandKeyed(out[k])
    return out
  }
  return Object.fromEntries(Object.entries(dom).map(([sel, s]) => [sel, Array.isArray(s) ? s.map(spec) : spec(s)]))
}
if (Object.keys(fragments).length) {
  for (const t of Object.values(technologies)) {
    if (!t || typeof t !== 'object') continue
    for (const f of ['certIssuer', 'css', 'html', 'robots', 'scriptSrc', 'scripts', 'text', 'url', 'xhr']) {
      if (f in t) t[f] = expandList(t[f])
    }
    for (const f of ['cookies', 'dns', 'headers', 'meta', 'probe', 'js']) if (f in t) t[f] = expandKeyed(t[f])
    if ('dom' in t) t.dom = expandDom(t.dom)
  }
}
Wappalyzer.setCategories(categories)
Wappalyzer.setTechnologies(technologies)

function analyzePage (items) {
  const detections = Wappalyzer.analyze(items)
  let resolved = Wappalyzer.resolve(detections)
  const extra = []
  for (const { name, technologies } of Wappalyzer.requires) {
    if (resolved.some((r) => r.name === name)) extra.push(...Wappalyzer.analyze(items, technologies))
  }
  for (const { categoryId, technologies } of Wappalyzer.categoryRequires) {
    if (resolved.some((r) => r.categories.some((c) => c && c.id === categoryId))) {
      extra.push(...Wappalyzer.analyze(items, technologies))
    }
  }
  if (extra.length) resolved = Wappalyzer.resolve(detections.concat(extra))
  return resolved
}

async function main () {
  const rl = readline.createInterface({ input: fs.createReadStream(features), crlfDelay: Infinity })
  const times = []
  for await (const line of rl) {
    if (!line) continue
    const f = JSON.parse(line)
    const items = {
      url: f.url,
      html: f.html,
      text: f.text,
      css: f.css,
      scripts: f.scripts,
      scriptSrc: f.scriptSrc,
      headers: f.headers,
      cookies: f.cookies,
      meta: f.meta,
      robots: f.robots,
      certIssuer: f.certIssuer
    }
    let findings = []
    let error = null
    const start = process.hrtime.bigint()
    try {
      findings = analyzePage(items)
    } catch (e) {
      error = String(e && e.message ? e.message : e)
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    times.push(ms)
    const out = {
      file: f.file,
      url: f.url,
      ms,
      findings: findings.map((r) => ({ name: r.name, version: r.version, confidence: r.confidence }))
    }
    if (error) out.error = error
    process.stdout.write(JSON.stringify(out) + '\n')
  }
  times.sort((a, b) => a - b)
  const mean = times.reduce((a, b) => a + b, 0) / Math.max(1, times.length)
  process.stderr.write(JSON.stringify({
    summary: true,
    pages: times.length,
    technologies: Object.keys(technologies).length,
    p50_ms: times.length ? times[Math.floor(times.length / 2)] : 0,
    mean_ms: mean,
    max_ms: times.length ? times[times.length - 1] : 0,
    peak_rss_kb: process.resourceUsage().maxRSS
  }) + '\n')
}

main().catch((e) => { console.error(e); process.exit(1) })
