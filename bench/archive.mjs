// npm run bench -- --archive [--sizes 2000,40000,200000] [--runs 3] [--quick]
//
// The cost of a change, not of the archive (#21): for each size N, a fresh repo holding N
// generated articles, then the daily steps measured as whole processes: wall time, peak
// anonymous memory (RssAnon) and peak RSS (VmHWM), both polled from /proc/<pid>/status.
// Writes (or replaces) the "## Archive scale" section of BENCHMARKS.md, keeping the rest.
// Every process gets --net local; serve is bounded in time; nothing leaves loopback.
import { spawn, execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem, tmpdir, release } from 'node:os'
import { join, resolve } from 'node:path'
import { measuredCommit } from './measured-commit.mjs'

const ROOT = resolve(import.meta.dirname, '..')
// the code measured, as it is when the run starts (a later edit does not change what was loaded)
const MEASURED = measuredCommit(ROOT)
const USAGE_HOOK = join(ROOT, 'bench', 'usage-hook.mjs')
const BIN = join(ROOT, 'bin', 'ipfs-publish.js')
const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')
const NODE = process.execPath
const argv = process.argv.slice(2)
const flag = (name, dflt) => { const i = argv.indexOf(name); return i === -1 ? dflt : argv[i + 1] }
const quick = argv.includes('--quick')
const SIZES = flag('--sizes', quick ? '500,2000' : '2000,40000').split(',').map(Number).sort((a, b) => a - b)
const RUNS = Number(flag('--runs', 3))
const SEED = 11
// the corpora are generated once and kept here between runs (hard-linked into each run's work folder)
const CACHE = join(tmpdir(), 'ipfs-publish-bench-cache')
const MB = 1024 * 1024
const ANON_LIMIT = 120 // MB: the issue's bound on every daily step
const POLL_MS = 10

if (Number(process.versions.node.split('.')[0]) < 22) {
  // the bin would re-run itself on Node 24 in a child, and /proc would show the wrapper's memory
  console.error(`error: run the archive bench with the project's Node (npm run bench -- --archive), not ${process.version}`)
  process.exit(1)
}
if (SIZES.some(n => !Number.isInteger(n) || n < 10)) { console.error('error: --sizes takes article counts of 10 or more, e.g. 2000,40000'); process.exit(2) }

const work = join(tmpdir(), `ipfs-publish-archive-${process.pid}`)
mkdirSync(work, { recursive: true })
mkdirSync(CACHE, { recursive: true })

const fmtMs = (ms) => ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`
const fmtMb = (mb) => Number.isFinite(mb) ? `${mb.toFixed(0)} MB` : 'n/a'
const fmtX = (x) => Number.isFinite(x) ? `${x.toFixed(2)}×` : '–'

function readMem (pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8')
    return { anon: Number(/RssAnon:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024, rss: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024 }
  } catch { return { anon: 0, rss: 0 } }
}

/**
 * Runs one whole process (`--net local` added), polling its peak RssAnon and VmHWM.
 * `firstLine`: stop at the first line of stdout (as `| head -1`): the time is to that line,
 * the memory what the process held until then; the process is then closed.
 */
async function sample (args, { firstLine = false, timeoutMs = 600_000, stdout = false } = {}) {
  const usageFile = join(tmpdir(), `ipfs-publish-bench-usage-${process.pid}.json`)
  rmSync(usageFile, { force: true })
  const t = performance.now()
  const child = spawn(NODE, ['--import', USAGE_HOOK, BIN, '--net', 'local', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, IPFS_PUBLISH_BENCH_USAGE: usageFile } })
  const peak = { anon: 0, rss: 0 }
  const poll = () => { const m = readMem(child.pid); peak.anon = Math.max(peak.anon, m.anon); peak.rss = Math.max(peak.rss, m.rss) }
  const timer = setInterval(poll, POLL_MS)
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  let out = ''
  let err = ''
  let ms = null
  child.stderr.on('data', d => { err += d })
  child.stdout.on('data', d => {
    if (ms != null) return
    if (stdout || firstLine) out += d
    if (firstLine && out.includes('\n')) {
      ms = performance.now() - t
      poll()
      clearInterval(timer)
      child.stdout.destroy() // as `head -1` closing the pipe
      child.kill('SIGTERM')
    }
  })
  const [code, signal] = await new Promise(resolve => child.on('close', (c, s) => resolve([c, s])))
  clearInterval(timer)
  clearTimeout(killer)
  if (ms == null) {
    ms = performance.now() - t
    if (code !== 0) throw new Error(`ipfs-publish ${args.join(' ')} exited ${code ?? signal}: ${err.slice(-800)}`)
  }
  // CPU time and major page faults (reads from disk), as the process counted them at its exit
  let usage = { cpuMs: NaN, majflt: NaN }
  try { usage = JSON.parse(readFileSync(usageFile, 'utf8')) } catch {}
  rmSync(usageFile, { force: true })
  return { ms, anon: peak.anon, rss: peak.rss, stdout: out, cpuMs: usage.cpuMs, majflt: usage.majflt }
}

/** Median time; the largest peak memory of the runs. */
function summarize (runs) {
  const median = (key) => { const xs = runs.map(r => r[key]).sort((a, b) => a - b); return xs[Math.floor((xs.length - 1) / 2)] }
  return { ms: median('ms'), cpuMs: median('cpuMs'), majflt: median('majflt'), anon: Math.max(...runs.map(r => r.anon)), rss: Math.max(...runs.map(r => r.rss)), n: runs.length, failed: runs.find(r => r.failed != null)?.failed }
}

/** The corpus of N articles: generated once into the cache, hard-linked into `dir` (a rewrite replaces the link, never the cached file). */
function corpus (n, dir) {
  const cached = join(CACHE, `articles-${n}-seed-${SEED}`)
  if (!existsSync(join(cached, '.complete'))) {
    const t = performance.now()
    rmSync(cached, { recursive: true, force: true })
    rmSync(`${cached}.tmp`, { recursive: true, force: true })
    execFileSync(NODE, [GEN, '--out', `${cached}.tmp`, '--count', String(n), '--seed', String(SEED)], { stdio: 'ignore', timeout: 3_600_000 })
    writeFileSync(join(`${cached}.tmp`, '.complete'), '')
    renameSync(`${cached}.tmp`, cached)
    console.log(`  generated ${n.toLocaleString('en')} articles in ${fmtMs(performance.now() - t)} (cached in ${cached})`)
  }
  execFileSync('cp', ['-al', cached, dir])
  rmSync(join(dir, '.complete'))
  return readdirSync(dir).filter(f => f.endsWith('.txt')).sort().map(f => join(dir, f))
}

/** Rewrites an article's body (a correction) through a new file, so the cached copy it was linked to stays as it was. */
function correct (file, k) {
  const text = readFileSync(file, 'utf8')
  const at = text.indexOf('\n\n\n\n')
  const body = `${text.slice(0, at + 4)}Correction ${k}: an earlier version of this article misstated a figure.\n\n${text.slice(at + 4)}`
  writeFileSync(`${file}.new`, body)
  renameSync(`${file}.new`, file)
}

/** Time to the first byte of a GET on loopback, in ms. */
async function ttfb (url) {
  const { request } = await import('node:http')
  const t = performance.now()
  return await new Promise((resolve, reject) => {
    const req = request(url, { timeout: 60_000 }, res => {
      if (res.statusCode !== 200) { reject(new Error(`GET ${url}: ${res.statusCode}`)); res.destroy(); return }
      res.once('data', () => { resolve(performance.now() - t); res.destroy() })
      res.once('end', () => resolve(performance.now() - t))
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in 60 s`)))
    req.on('error', reject)
    req.end()
  })
}

/** `serve --net local` (killed after 5 minutes regardless): the front page of `edition`, first fetch and a median; serve's peak RssAnon while serving it. */
async function frontPage (repo, edition) {
  const child = spawn(NODE, [BIN, '--repo', repo, '--json', '--net', 'local', 'serve', '--gateway-listen', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const killer = setTimeout(() => child.kill('SIGKILL'), 300_000)
  const closed = new Promise(resolve => child.on('close', resolve))
  try {
    let err = ''
    child.stderr.on('data', d => { err += d })
    const ready = await new Promise((resolve, reject) => {
      let out = ''
      child.stdout.on('data', d => { out += d; const nl = out.indexOf('\n'); if (nl !== -1) resolve(JSON.parse(out.slice(0, nl))) })
      closed.then(() => reject(new Error(`serve exited: ${err.slice(-500)}`)))
    })
    const idle = readMem(child.pid)
    const peak = { anon: idle.anon, rss: idle.rss }
    const timer = setInterval(() => { const m = readMem(child.pid); peak.anon = Math.max(peak.anon, m.anon); peak.rss = Math.max(peak.rss, m.rss) }, POLL_MS)
    const url = `${ready.gateway}/ipfs/${edition}/`
    const first = await ttfb(url)
    const t = []
    for (let i = 0; i < Math.max(RUNS, 5); i++) t.push(await ttfb(url))
    clearInterval(timer)
    const m = readMem(child.pid)
    t.sort((a, b) => a - b)
    return { first, ms: t[Math.floor((t.length - 1) / 2)], anon: Math.max(peak.anon, m.anon), rss: Math.max(peak.rss, m.rss), idleAnon: idle.anon, n: t.length }
  } finally {
    clearTimeout(killer)
    child.kill('SIGTERM')
    await closed
  }
}

/** The steps, in table order: key, label, whether it is a daily step (time target), whether item 4's memory bound applies. */
const STEPS = [
  ['publishNew', '`publish` of one new article', true, true],
  ['publishCorrected', '`publish` of one corrected article', true, true],
  ['edition', 'the next `edition` after one change', true, true],
  ['ls', '`ls \\| head -1` (to the first line)', false, true],
  ['cat', '`cat` of one article', false, true],
  ['get', '`get` of one article', false, true],
  ['front', 'the gateway\'s front page (`serve --net local`, time to first byte; serve\'s memory)', false, true],
  ['gc', '`gc`', false, false],
  ['verify', '`verify --all`', false, false]
]

/** An archive of N articles: its corpus, its repo, the bulk publish, the first edition and the first `ls` (once each). */
async function prepare (n) {
  const label = n.toLocaleString('en')
  console.log(`archive of ${label} articles`)
  const dir = join(work, `a${n}`)
  mkdirSync(dir, { recursive: true })
  const { bavail, bsize } = statfsSync(dir)
  if (bavail * bsize < n * 80 * 1024) throw new Error(`${(bavail * bsize / 2 ** 30).toFixed(1)} GiB free under ${tmpdir()}: ${label} articles need about ${(n * 80 * 1024 / 2 ** 30).toFixed(1)} GiB (set TMPDIR to a larger disk)`)
  const files = corpus(n, join(dir, 'corpus'))
  const repo = join(dir, 'repo')
  const r = { n }
  const long = Math.max(600_000, n * 30) // bulk steps: 30 ms per article at most before the bench gives up
  r.bulk = await sample(['--repo', repo, '-q', 'publish', join(dir, 'corpus')], { timeoutMs: long })
  console.log(`  bulk publish: ${fmtMs(r.bulk.ms)}, ${fmtMb(r.bulk.anon)} anon, ${fmtMb(r.bulk.rss)} RSS`)
  r.firstEdition = await sample(['--repo', repo, '-q', 'edition'], { timeoutMs: long })
  console.log(`  first edition: ${fmtMs(r.firstEdition.ms)}, ${fmtMb(r.firstEdition.anon)} anon, ${fmtMb(r.firstEdition.rss)} RSS`)
  // the first `ls` of a repo made by a bulk publish builds the by-date index (once): reported on its own
  r.lsFirst = await sample(['--repo', repo, 'ls'], { firstLine: true, timeoutMs: long })
  console.log(`  first ls | head -1: ${fmtMs(r.lsFirst.ms)}, ${fmtMb(r.lsFirst.anon)} anon, ${fmtMb(r.lsFirst.rss)} RSS`)
  const pick = (i) => files[Math.floor((i + 1) * n / (RUNS * 3 + 2))] // spread over the archive, each used once
  return { n, dir, repo, r, long, pick, k: 0, cids: [], latest: null, runs: { publishNew: [], publishCorrected: [], edition: [], ls: [], cat: [], get: [], gc: [], verify: [] } }
}

/** Round i of the daily steps on one archive: a new article, a corrected one, the next edition after a correction, then ls, cat and get. */
async function dailyRound (a, i, fresh) {
  const { repo, runs } = a
  const p = await sample(['--repo', repo, '-q', 'publish', fresh[i + RUNS * SIZES.indexOf(a.n)]], { stdout: true })
  runs.publishNew.push(p)
  a.cids.push(p.stdout.trim().split(/\s+/)[0])
  let file = a.pick(a.k++)
  correct(file, i)
  runs.publishCorrected.push(await sample(['--repo', repo, '-q', 'publish', file]))
  file = a.pick(a.k++)
  correct(file, 100 + i)
  await sample(['--repo', repo, '-q', 'publish', file])
  const e = await sample(['--repo', repo, '-q', 'edition'], { stdout: true, timeoutMs: a.long })
  runs.edition.push(e)
  a.latest = e.stdout.trim()
  runs.ls.push(await sample(['--repo', repo, 'ls'], { firstLine: true }))
  runs.cat.push(await sample(['--repo', repo, 'cat', a.cids[i]]))
  const out = join(a.dir, `got-${i}`)
  runs.get.push(await sample(['--repo', repo, 'get', a.cids[i], '-o', out]))
  rmSync(out, { recursive: true, force: true })
}

/** The long steps of one archive (gc, verify --all), the gateway's front page, and its results. */
async function finish (a) {
  const { n, repo, runs, r } = a
  // the daily steps are printed before the long ones (a failure there loses nothing measured)
  console.log(`archive of ${n.toLocaleString('en')} articles: daily steps`)
  for (const [key, what] of STEPS) if (key !== 'gc' && key !== 'verify' && runs[key]?.length > 0) { const m = summarize(runs[key]); console.log(`  ${what}: ${fmtMs(m.ms)}, ${fmtMb(m.anon)} anon, ${fmtMb(m.rss)} RSS`) }
  // gc and verify --all read the whole store: not daily steps, and repeated on the same input; one run from 100,000 articles up
  // a failed gc or verify is reported in the table, not the end of the run
  const orFailed = async (args, opts) => { try { return await sample(args, opts) } catch (err) { console.log(`  FAILED: ${err.message.slice(0, 600)}`); return { ms: NaN, anon: NaN, rss: NaN, failed: err.message.split('\n').find(l => /error|Error/.test(l))?.slice(0, 200) ?? 'failed', stdout: '{}' } } }
  for (let i = 0; i < (n >= 100_000 ? 1 : RUNS); i++) {
    runs.gc.push(await orFailed(['--repo', repo, 'gc'], { timeoutMs: a.long }))
    runs.verify.push(await orFailed(['--repo', repo, '--json', 'verify', '--all'], { timeoutMs: a.long, stdout: true }))
  }
  r.blocks = JSON.parse(runs.verify[0].stdout).blocks ?? NaN
  for (const [key, list] of Object.entries(runs)) r[key] = summarize(list)
  r.front = await frontPage(repo, a.latest)
  r.diskMB = Number(execFileSync('du', ['-sm', repo]).toString().split('\t')[0])
  for (const [key, what] of STEPS) console.log(`  ${what}: ${fmtMs(r[key].ms)}, ${fmtMb(r[key].anon)} anon, ${fmtMb(r[key].rss)} RSS`)
  console.log(`  ${r.blocks.toLocaleString('en')} blocks, repo ${r.diskMB} MB on disk`)
  rmSync(a.dir, { recursive: true, force: true })
  return r
}

function section (results, floor, started) {
  const base = results[0]
  const sizes = results.map(r => r.n.toLocaleString('en'))
  const lines = [
    '## Archive scale',
    '',
    `Written by \`npm run bench -- --archive --sizes ${results.map(r => r.n).join(',')}\` on ${new Date().toISOString().slice(0, 10)}, measuring ${MEASURED} (${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.version}; the whole run took ${fmtMs(Date.now() - started)}; load average ${startLoad.toFixed(1)} at its start, ${loadavg()[0].toFixed(1)} at its end: other work on the machine slows every figure). Issue #21: the daily steps must cost what the change costs, not what the archive holds.`,
    '',
    `For each size a fresh repo: \`tests/fixtures/gen-articles.mjs --count N --seed ${SEED}\` published in one \`publish\`, a first \`edition\`; then the daily steps in ${RUNS} rounds, each round on every size in turn (so that the machine's drift over the run falls on every size alike), each step as a whole process with \`--net local\`, the median of the ${RUNS} runs (\`gc\` and \`verify --all\`: one run from 100,000 articles up), each on a new input (a new article; a corrected article: another file's body rewritten and published again; the next edition after one corrected article is published). Time, then peak anonymous memory (RssAnon) / peak RSS (VmHWM, which also counts the pages of LMDB's memory map the process touched), both polled from /proc every ${POLL_MS} ms; the largest of the runs. \`ls | head -1\` is timed to its first line (its memory until then), then closed. The front page: \`serve --net local\` on the repo, the latest edition's \`/ipfs/<cid>/\`, the median time to first byte of ${Math.max(RUNS, 5)} fetches after a first one, and serve's peak memory from its start through them.`,
    '',
    `The floor: a one-article \`publish\` into an empty repo, in the same run: **${fmtMs(floor.ms)}**, ${fmtMb(floor.anon)} / ${fmtMb(floor.rss)}.`,
    '',
    `| step | ${sizes.map(s => `${s} articles`).join(' | ')} | ${results.slice(1).map(r => `${r.n.toLocaleString('en')} / ${base.n.toLocaleString('en')}: time, RssAnon`).join(' | ')} |`,
    `|---|${results.map(() => '---|').join('')}${results.slice(1).map(() => '---|').join('')}`
  ]
  const cell = (m) => m.failed != null ? `**failed**: ${m.failed}` : `${fmtMs(m.ms)}, ${fmtMb(m.anon)} / ${fmtMb(m.rss)}`
  lines.push(`| bulk \`publish\` of the archive (once) | ${results.map(r => cell(r.bulk)).join(' | ')} | ${results.slice(1).map(r => `${fmtX(r.bulk.ms / base.bulk.ms)} (per article ${fmtX((r.bulk.ms / r.n) / (base.bulk.ms / base.n))}), ${fmtX(r.bulk.anon / base.bulk.anon)}`).join(' | ')} |`)
  lines.push(`| the first \`ls \\| head -1\` after the bulk publish (once) | ${results.map(r => cell(r.lsFirst)).join(' | ')} | ${results.slice(1).map(r => `${fmtX(r.lsFirst.ms / base.lsFirst.ms)}, ${fmtX(r.lsFirst.anon / base.lsFirst.anon)}`).join(' | ')} |`)
  lines.push(`| first \`edition\` (once) | ${results.map(r => cell(r.firstEdition)).join(' | ')} | ${results.slice(1).map(r => `${fmtX(r.firstEdition.ms / base.firstEdition.ms)}, ${fmtX(r.firstEdition.anon / base.firstEdition.anon)}`).join(' | ')} |`)
  for (const [key, what] of STEPS) {
    const extra = (r) => key === 'front' ? ` (first fetch ${fmtMs(r.front.first)}; idle serve ${fmtMb(r.front.idleAnon)})` : ''
    lines.push(`| ${what} | ${results.map(r => cell(r[key]) + extra(r)).join(' | ')} | ${results.slice(1).map(r => `${fmtX(r[key].ms / base[key].ms)}, ${fmtX(r[key].anon / base[key].anon)}`).join(' | ')} |`)
  }
  lines.push(`| blocks in the store; repo on disk | ${results.map(r => `${r.blocks.toLocaleString('en')}; ${r.diskMB.toLocaleString('en')} MB`).join(' | ')} | ${results.slice(1).map(r => fmtX(r.blocks / base.blocks)).join(' | ')} |`)
  lines.push('')
  // work and waiting: the CPU time of each daily step (every thread) and the pages it read from disk
  lines.push('The same daily steps as work and as waiting for the disk: CPU time (user + system, every thread) and major page faults (pages of the store read from disk because the page cache no longer held them), medians of the same runs. A step whose CPU time stays flat while its wall time grows is waiting for the disk, not working more.', '')
  lines.push(`| step | ${sizes.map(s => `${s}: CPU, major faults`).join(' | ')} | ${results.slice(1).map(r => `${r.n.toLocaleString('en')} / ${base.n.toLocaleString('en')}: CPU`).join(' | ')} |`)
  lines.push(`|---|${results.map(() => '---|').join('')}${results.slice(1).map(() => '---|').join('')}`)
  const usageCell = (m) => Number.isFinite(m.cpuMs) ? `${fmtMs(m.cpuMs)}, ${m.majflt}` : 'n/a'
  for (const [key, what] of STEPS) {
    if (key === 'front') continue
    lines.push(`| ${what} | ${results.map(r => usageCell(r[key])).join(' | ')} | ${results.slice(1).map(r => fmtX(r[key].cpuMs / base[key].cpuMs)).join(' | ')} |`)
  }
  lines.push('')
  // the targets
  const targets = []
  for (const r of results.slice(1)) {
    const bound = r.n <= 40_000 ? 1.3 : 1.5
    for (const [key, what, daily] of STEPS) {
      if (!daily) continue
      const x = r[key].ms / base[key].ms
      targets.push([`${what} at ${r.n.toLocaleString('en')}: ≤ ${bound}× its time at ${base.n.toLocaleString('en')}`, fmtX(x), x <= bound])
    }
  }
  for (const r of results.filter(r => r.n >= 40_000)) {
    const x = r.edition.ms / floor.ms
    targets.push([`the next \`edition\` at ${r.n.toLocaleString('en')}: ≤ 2.5× the one-article publish into an empty repo`, `${fmtMs(r.edition.ms)} / ${fmtMs(floor.ms)} = ${fmtX(x)}`, x <= 2.5])
  }
  for (const r of results) {
    const over = STEPS.filter(([key, , , mem]) => mem && r[key].anon >= ANON_LIMIT).map(([key, what]) => `${what} ${fmtMb(r[key].anon)}`)
    const most = Math.max(...STEPS.filter(s => s[3]).map(([key]) => r[key].anon))
    targets.push([`peak RssAnon < ${ANON_LIMIT} MB for every daily step (publish, edition, ls, cat, get, the front page) at ${r.n.toLocaleString('en')}`, over.length === 0 ? `largest ${fmtMb(most)}` : `over: ${over.join('; ')}`, over.length === 0])
  }
  lines.push('| target | measured | met |', '|---|---|---|', ...targets.map(([t, m, ok]) => `| ${t} | ${m} | ${ok ? 'yes' : '**no**'} |`), '')
  // gc and verify --all: what they hold per block
  const last = results[results.length - 1]
  const perBlock = (key) => (last[key].anon - base[key].anon) * MB / (last.blocks - base.blocks)
  lines.push(`\`gc\` and \`verify --all\` grow with the store, as they must (every block is marked or hashed): from ${base.blocks.toLocaleString('en')} to ${last.blocks.toLocaleString('en')} blocks, \`gc\` ${fmtMs(base.gc.ms)} → ${fmtMs(last.gc.ms)} and RssAnon ${fmtMb(base.gc.anon)} → ${fmtMb(last.gc.anon)}: about **${perBlock('gc').toFixed(0)} bytes per block**; \`verify --all\` ${fmtMs(base.verify.ms)} → ${fmtMs(last.verify.ms)}, RssAnon ${fmtMb(base.verify.anon)} → ${fmtMb(last.verify.anon)}: about **${perBlock('verify').toFixed(0)} bytes per block** (RssAnon growth over block growth; see docs/store.md).`)
  lines.push('')
  // the corpus targets of the default bench
  const old = existsSync(join(ROOT, 'BENCHMARKS.md')) ? readFileSync(join(ROOT, 'BENCHMARKS.md'), 'utf8').split('\n') : []
  const find = (re) => old.find(l => re.test(l))
  const bulkRow = find(/^\| `publish` of 10,000 articles into an empty repo, durable/)
  const againRow = find(/^\| publishing the unchanged corpus again/)
  const ratioOf = (l) => l?.split('|')[4]?.trim()
  lines.push(`Durable bulk publish of the 10,000-article corpus (target ≤ 0.5× ipfs-car pack) and publishing it again unchanged (≤ 0.1×) are measured against ipfs-car in the same run by the default \`npm run bench\` (its table above${bulkRow != null ? `: ${ratioOf(bulkRow)} and ${ratioOf(againRow)} in its last run` : ''}).`)
  lines.push('')
  return lines
}

/** Puts the section into BENCHMARKS.md in place of an earlier one (before "## How it is measured", or at the end). */
function merge (lines) {
  const path = join(ROOT, 'BENCHMARKS.md')
  const old = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : ['# Benchmarks', '']
  const start = old.indexOf('## Archive scale')
  let kept = old
  if (start !== -1) {
    let end = old.findIndex((l, i) => i > start && l.startsWith('## '))
    if (end === -1) end = old.length
    kept = [...old.slice(0, start), ...old.slice(end)]
  }
  let at = kept.indexOf('## How it is measured')
  if (at === -1) { at = kept.length; if (kept[at - 1] !== '') kept.push(''), at++ }
  kept.splice(at, 0, ...lines)
  writeFileSync(path, kept.join('\n'))
}

const started = Date.now()
const startLoad = loadavg()[0]
try {
  // new articles to publish, each once: RUNS per size, from a seed of their own
  const freshDir = join(work, 'fresh')
  execFileSync(NODE, [GEN, '--out', freshDir, '--count', String(RUNS * SIZES.length + RUNS), '--seed', String(SEED + 1000)], { stdio: 'ignore' })
  const fresh = readdirSync(freshDir).sort().map(f => join(freshDir, f))
  // the floor: a one-article publish into an empty repo
  const floorRuns = []
  for (let i = 0; i < Math.max(RUNS, 5); i++) {
    const repo = join(work, 'floor')
    rmSync(repo, { recursive: true, force: true })
    floorRuns.push(await sample(['--repo', repo, '-q', 'publish', fresh[fresh.length - 1 - (i % RUNS)]]))
  }
  rmSync(join(work, 'floor'), { recursive: true, force: true })
  const floor = summarize(floorRuns)
  console.log(`floor: one-article publish into an empty repo ${fmtMs(floor.ms)}, ${fmtMb(floor.anon)} anon, ${fmtMb(floor.rss)} RSS`)
  // every archive is made first; then the daily steps run round by round, each round on every size
  // in turn, so that the machine's drift over the run (its speed moves 10–30% over minutes) falls on
  // every size alike instead of on the sizes measured last
  const archives = []
  for (const n of SIZES) archives.push(await prepare(n))
  for (let i = 0; i < RUNS; i++) for (const a of archives) await dailyRound(a, i, fresh)
  const results = []
  for (const a of archives) results.push(await finish(a))
  const lines = section(results, floor, started)
  console.log(lines.join('\n'))
  if (quick) console.log('(--quick: BENCHMARKS.md not written)')
  else { merge(lines); console.log('wrote the archive section into BENCHMARKS.md') }
} finally {
  rmSync(work, { recursive: true, force: true })
}
