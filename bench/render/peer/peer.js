#!/usr/bin/env node
// The peer of bench/render: Wappalyzer's own Puppeteer driver (the npm package `wappalyzer`
// 6.10.66, the last open-source release, with its Puppeteer 19) rendering and analysing the
// same pages as leadscan-render-bench, with T pages at once, in Debian's Chromium. Prints the
// same figures: pages/s, the browser's peak PSS (every process of it, sampled every 100 ms)
// and CPU per page; on stderr what it found on each URL. Bench only, never in the product.
//
// usage: node peer.js --chromium /usr/bin/chromium --http-port P --https-port Q
//                     --url URL... [--pages 40] [--tabs 1] [--fast]
//
// The driver is run as shipped (its request filter: only documents and scripts; its wait: 3 s
// after load, 1 s with --fast, its option for hurried use). Its own browser launch cannot take
// a host-resolver rule (it splits CHROMIUM_ARGS at spaces), so this script launches Chromium
// with Puppeteer, with the driver's default arguments plus the rule that sends every host to
// the fake internet, and hands the driver the browser's WebSocket (CHROMIUM_WEBSOCKET, the
// driver's documented way to use a running browser). TLS: the driver's own
// --ignore-certificate-errors, as it ships.
'use strict'

const fs = require('fs')
const os = require('os')
const path = require('path')

const args = process.argv.slice(2)
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback
}
const urls = args.flatMap((a, i) => (a === '--url' ? [args[i + 1]] : []))
const chromium = opt('chromium', '/usr/bin/chromium')
const pages = Number(opt('pages', '40'))
const tabs = Number(opt('tabs', '1'))
const fast = args.includes('--fast')
const httpPort = opt('http-port')
const httpsPort = opt('https-port')
if (!urls.length || !httpPort || !httpsPort) {
  console.error('usage: peer.js --http-port P --https-port Q --url URL... [--pages N] [--tabs T]')
  process.exit(2)
}

process.env.PUPPETEER_SKIP_DOWNLOAD = '1'
const puppeteer = require('puppeteer')

// Sum over the processes whose command line names `marker`: PSS (kB), and CPU seconds with
// what their reaped children used.
function scan (marker) {
  let pssKb = 0
  let ticks = 0
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) continue
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])
      const m = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+)/m)
      if (m) pssKb += Number(m[1])
    } catch {
      // gone meanwhile
    }
  }
  return { pssKb, cpu: ticks / 100 }
}

async function main () {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscan-peer-chromium-'))
  // The driver's default Chromium arguments (driver.js), plus the fake internet's address.
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    ignoreHTTPSErrors: true,
    args: [
      '--headless', '--single-process', '--no-sandbox', '--no-zygote', '--disable-gpu',
      '--ignore-certificate-errors', '--allow-running-insecure-content', '--disable-web-security',
      `--user-data-dir=${dataDir}`,
      `--host-resolver-rules=MAP *:443 127.0.0.1:${httpsPort}, MAP *:80 127.0.0.1:${httpPort}`
    ]
  })
  process.env.CHROMIUM_WEBSOCKET = browser.wsEndpoint()
  const Wappalyzer = require('wappalyzer')
  const wappalyzer = new Wappalyzer({ fast, recursive: false, maxUrls: 1, probe: false })
  await wappalyzer.init()

  const found = {}
  let failed = 0
  const analyse = async (url) => {
    const site = await wappalyzer.open(url)
    try {
      const results = await site.analyze()
      const status = results.urls[new URL(url).href]
      if (!status || status.error) throw new Error(status ? status.error : 'not analysed')
      if (!(url in found)) found[url] = results.technologies.map((t) => t.name).sort().join(', ')
    } catch (error) {
      failed++
      console.error(`peer: ${url}: ${error.message || error}`)
    } finally {
      await site.destroy()
    }
  }
  await analyse(urls[0]) // the browser is warm, as for leadscan's run

  let peakKb = scan(dataDir).pssKb
  const sampler = setInterval(() => { peakKb = Math.max(peakKb, scan(dataDir).pssKb) }, 100)
  const cpu0 = scan(dataDir).cpu + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6
  const start = process.hrtime.bigint()
  let next = 0
  await Promise.all(Array.from({ length: tabs }, async () => {
    for (let i; (i = next++) < pages;) await analyse(urls[i % urls.length])
  }))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const cpu = scan(dataDir).cpu + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 - cpu0
  clearInterval(sampler)
  for (const [url, names] of Object.entries(found).sort()) console.error(`peer found ${url}: ${names}`)
  console.log(`peer${fast ? ' (fast)' : ''} tabs=${tabs} pages=${pages} failed=${failed} ` +
              `seconds=${seconds.toFixed(2)} pages_per_s=${(pages / seconds).toFixed(2)} ` +
              `peak_pss_mb=${(peakKb / 1024).toFixed(0)} ` +
              `pss_mb_per_tab=${(peakKb / 1024 / tabs).toFixed(0)} ` +
              `cpu_ms_per_page=${(cpu * 1000 / pages).toFixed(0)}`)
  await wappalyzer.destroy()
  await browser.close().catch(() => {})
  fs.rmSync(dataDir, { recursive: true, force: true })
  process.exit(failed === 0 ? 0 : 1)
}

main().catch((error) => {
  console.error(`peer: ${error.stack || error}`)
  process.exit(1)
})
