// The steps of the GitHub Action (action.yml): `check` and `publish`. Inputs come as INPUT_*
// variables (set by action.yml from its inputs, never pasted into a script), outputs go to
// $GITHUB_OUTPUT, a table to $GITHUB_STEP_SUMMARY. Every article path and CID is passed to
// ipfs-publish as an argument of its own: no shell ever sees them.
import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'ipfs-publish.js')
const env = process.env
const lines = (v) => (v ?? '').split('\n').map(s => s.trim()).filter(s => s !== '')
const paths = lines(env.INPUT_PATHS)
const manifest = env.INPUT_MANIFEST || 'ipfs-manifest.json'
const profile = env.INPUT_CID_PROFILE || 'unixfs-v1-2025'

/** Runs ipfs-publish with its output on this step's log; returns its exit code and stdout. */
function tool (args, { capture = false } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8', env })
  if (r.error != null) throw r.error
  return { code: r.status ?? 1, stdout: r.stdout ?? '' }
}

function output (name, value) {
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `${name}<<ipfs_publish_eof\n${value}\nipfs_publish_eof\n`)
}

function summary (text) {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, text)
}

/** A cell of a Markdown table: no pipes, no line breaks, no HTML. */
const cell = (s) => String(s ?? '').replace(/[|\n\r<>`]/g, ' ')

/** The manifest as it was at `rev` ({} when there is no such revision, or no manifest in it). */
function manifestAt (rev) {
  if (rev === '' || /^0+$/.test(rev)) return {}
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim()
    const inRepo = relative(top, resolve(manifest)).split('\\').join('/')
    return JSON.parse(execFileSync('git', ['show', `${rev}:${inRepo}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
  } catch {
    console.log(`no manifest at ${rev}: every article counts as new`)
    return {}
  }
}

const step = process.argv[2]
if (step === 'check') {
  const { code } = tool(['publish', ...paths, '--manifest', manifest, '--check', '--cid-profile', profile])
  if (code !== 0) console.log(`::error::${manifest} does not match the articles: run "npx ipfs-publish publish ${paths.join(' ')} --manifest ${manifest}" and commit it`)
  process.exit(code)
} else if (step === 'publish') {
  const current = JSON.parse(readFileSync(manifest, 'utf8'))
  const before = manifestAt(env.INPUT_SINCE ?? '')
  // every article whose CID is not the one the earlier manifest had, over all the commits of the push
  const changed = Object.keys(current).filter(k => before[k]?.cid !== current[k].cid).sort()
  const base = dirname(resolve(manifest))
  if (changed.length === 0) {
    console.log('no article changed since the last published manifest')
    output('cids', '{}')
    output('links', '{}')
    summary('### ipfs-publish\n\nNo article changed.\n')
    process.exit(0)
  }
  const files = changed.map(k => resolve(base, k))
  const args = ['--repo', env.INPUT_REPO || '.ipfs-publish', '--json', 'publish', ...files, '--cid-profile', profile]
  for (const url of lines(env.INPUT_PIN_SERVICES)) args.push('--pin-remote-url', url)
  if (lines(env.INPUT_PIN_SERVICES).length > 0) args.push('--pin-remote-kind', env.INPUT_PIN_KIND || 'psa', '--pin-timeout', env.INPUT_PIN_TIMEOUT || '20m', '--net', env.INPUT_NET || 'public')
  for (const source of lines(env.INPUT_VERIFY_FROM)) args.push('--verify-from', source)
  if (lines(env.INPUT_VERIFY_FROM).length > 0) args.push('--verify-retry-for', env.INPUT_VERIFY_RETRY_FOR || '5m')
  const { code, stdout } = tool(args, { capture: true })
  const records = stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l))
  const results = records.filter(r => r.target == null && r.source == null && r.cid != null)
  const pins = records.filter(r => r.target != null)
  const checks = records.filter(r => r.source != null)
  const key = (path) => relative(base, resolve(path)).split('\\').join('/')
  output('cids', JSON.stringify(Object.fromEntries(results.map(r => [key(r.path), r.cid]))))
  output('links', JSON.stringify(Object.fromEntries(results.map(r => [key(r.path), r.link]))))
  const targets = [...new Set(pins.map(p => p.target))]
  let table = `### ipfs-publish\n\n| article | CID | link |${targets.map((_, i) => ` pin ${i + 1} |`).join('')}\n|---|---|---|${targets.map(() => '---|').join('')}\n`
  for (const r of results) {
    const status = targets.map(t => { const p = pins.find(x => x.cid === r.cid && x.target === t); return ` ${cell(p?.status ?? '–')}${p?.reason ? ` (${cell(p.reason)})` : ''} |` }).join('')
    table += `| ${cell(key(r.path))} | \`${cell(r.cid)}\` | [Download IPFS](${encodeURI(r.link)}) |${status}\n`
  }
  if (checks.length > 0) {
    table += `\n| article | fetched back from | result |\n|---|---|---|\n`
    for (const c of checks) table += `| \`${cell(c.cid)}\` | ${cell(c.source)} | ${cell(c.status)}${c.reason ? ` (${cell(c.reason)})` : ''} |\n`
  }
  summary(table + '\n')
  for (const r of results) console.log(`${r.cid} ${key(r.path)}\n  ${r.link}`)
  process.exit(code)
} else {
  console.error(`error: unknown step ${step}`)
  process.exit(2)
}
