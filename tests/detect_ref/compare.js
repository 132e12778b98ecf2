#!/usr/bin/env node
// Compares leadscan_detect_bench output with ref_analyze.js output page by page (technology
// name, version, confidence), prints every difference with its likely cause, and exits 1 when
// a difference has no documented cause.
//
// usage: node compare.js OURS.jsonl REF.jsonl [--label TEXT] [--base OURS_REFERENCE_MODE.jsonl]
// --base names our output without dom rules and words: a finding absent there was enabled by
// a dom or words finding (requires / requiresCategory / implies).
'use strict'

const fs = require('fs')

const args = process.argv.slice(2)
const files = args.filter((a) => !a.startsWith('--'))
const label = args.includes('--label') ? args[args.indexOf('--label') + 1] : ''
const basePath = args.includes('--base') ? args[args.indexOf('--base') + 1] : null
const [oursPath, refPath] = files.filter((f) => f !== label && f !== basePath)

const read = (p) => fs.readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  .filter((j) => !j.summary)
const ours = new Map(read(oursPath).map((j) => [j.file, j]))
const ref = new Map(read(refPath).map((j) => [j.file, j]))
const base = basePath ? new Map(read(basePath).map((j) => [j.file, j])) : null

// Causes we know and document in docs/rules-format.md.
function cause (kind, o, r, file) {
  if (base && base.get(file) && !base.get(file).findings.some((f) => f.name === o.name)) {
    return 'enabled by a dom or words finding (requires/requiresCategory/implies), documented'
  }
  if (o && o.evidence && o.evidence.some((e) => e.field.startsWith('dom'))) {
    return 'dom rule: the reference core does not evaluate dom (documented)'
  }
  if (o && o.evidence && o.evidence.some((e) => e.field === 'text.words' || e.field.startsWith('logo'))) {
    return 'x-leadscan words/logos: our extension (documented)'
  }
  if (o && o.evidence && o.evidence.length && o.evidence.every((e) => e.field === 'implies')) {
    return 'implied by a technology that differs (see its own line)'
  }
  return null
}

let differences = 0
let unexplained = 0
let pages = 0
let agreeing = 0
for (const [file, r] of ref) {
  const o = ours.get(file)
  if (!o) continue
  pages++
  if (r.error) {
    console.log(`${label}${file}: reference failed: ${r.error}`)
    unexplained++
    continue
  }
  const om = new Map(o.findings.map((f) => [f.name, f]))
  const rm = new Map(r.findings.map((f) => [f.name, f]))
  let same = true
  for (const [name, f] of om) {
    const g = rm.get(name)
    let kind = null
    if (!g) kind = 'only ours'
    else if (g.version !== f.version) kind = `version ours "${f.version}" ref "${g.version}"`
    else if (g.confidence !== f.confidence) kind = `confidence ours ${f.confidence} ref ${g.confidence}`
    if (!kind) continue
    same = false
    differences++
    const c = cause(kind, f, g, file)
    if (!c) unexplained++
    console.log(`${label}${file}: ${name}: ${kind}: ${c || 'UNEXPLAINED'}` +
      (f.evidence ? ' evidence ' + JSON.stringify(f.evidence.slice(0, 2)) : ''))
  }
  for (const [name] of rm) {
    if (om.has(name)) continue
    same = false
    differences++
    unexplained++
    console.log(`${label}${file}: ${name}: only reference: UNEXPLAINED`)
  }
  if (same) agreeing++
}
console.log(`${label}pages compared: ${pages}, identical: ${agreeing}, differences: ${differences}, unexplained: ${unexplained}`)
process.exitCode = unexplained ? 1 : 0  // not process.exit(): it would cut piped output
