// The steps of the GitHub Action (action.yml): `check` and `publish`. Inputs come as INPUT_*
// variables (set by action.yml from its inputs, never pasted into a script), outputs go to
// $GITHUB_OUTPUT, a table to $GITHUB_STEP_SUMMARY. Every article path and CID is passed to
// ipfs-publish as an argument of its own: no shell ever sees them.
import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
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
  const base = dirname(resolve(manifest))
  // every article whose CID is not the one the earlier manifest had, over all the commits of the push
  const changed = Object.keys(current).filter(k => before[k]?.cid !== current[k].cid).sort()
  // the others (still in the repository): asked for on every target, so that a pin that failed before is retried
  const others = Object.keys(current).filter(k => !changed.includes(k) && existsSync(resolve(base, k))).sort()
  const services = lines(env.INPUT_PIN_SERVICES)
  const pinArgs = []
  for (const url of services) pinArgs.push('--pin-remote-url', url)
  if (services.length > 0) pinArgs.push('--pin-remote-kind', env.INPUT_PIN_KIND || 'psa', '--pin-timeout', env.INPUT_PIN_TIMEOUT || '20m', '--net', env.INPUT_NET || 'public')
  const key = (path) => relative(base, resolve(path)).split('\\').join('/')
  const publish = (keys, extra) => {
    const { code, stdout } = tool(['--repo', env.INPUT_REPO || '.ipfs-publish', '--json', 'publish', ...keys.map(k => resolve(base, k)), '--cid-profile', profile, ...pinArgs, ...extra], { capture: true })
    const records = stdout.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l))
    return { code, results: records.filter(r => r.target == null && r.source == null && r.cid != null), pins: records.filter(r => r.target != null), checks: records.filter(r => r.source != null) }
  }
  let code = 0
  let results = []
  let pins = []
  let checks = []
  if (changed.length > 0) {
    const verify = []
    for (const source of lines(env.INPUT_VERIFY_FROM)) verify.push('--verify-from', source)
    if (verify.length > 0) verify.push('--verify-retry-for', env.INPUT_VERIFY_RETRY_FOR || '5m')
    ;({ code, results, pins, checks } = publish(changed, verify))
  } else {
    console.log('no article changed since the last published manifest')
  }
  // the targets are asked what they hold (GET /pins?cid=…, pin/ls): what they pin already is not sent again
  const retried = []
  let held = 0
  let earlier = { pins: [] }
  if (services.length > 0 && others.length > 0) {
    earlier = publish(others, [])
    for (const r of earlier.results) {
      // a retry: an article that some target did not hold pinned when this run asked
      if (earlier.pins.some(p => p.cid === r.cid && p.before !== 'pinned')) retried.push(r)
      else held++
    }
    if (code === 0) code = earlier.code
  }
  output('cids', JSON.stringify(Object.fromEntries(results.map(r => [key(r.path), r.cid]))))
  output('links', JSON.stringify(Object.fromEntries(results.map(r => [key(r.path), r.link]))))
  const targets = [...new Set([...pins, ...earlier.pins].map(p => p.target))]
  const table = (rows, all) => {
    let t = `| article | CID | link |${targets.map((_, i) => ` pin ${i + 1} |`).join('')}\n|---|---|---|${targets.map(() => '---|').join('')}\n`
    for (const r of rows) {
      const status = targets.map(t => { const p = all.find(x => x.cid === r.cid && x.target === t); return ` ${cell(p?.status ?? '–')}${p?.reason ? ` (${cell(p.reason)})` : ''} |` }).join('')
      t += `| ${cell(key(r.path))} | \`${cell(r.cid)}\` | [Download IPFS](${encodeURI(r.link)}) |${status}\n`
    }
    return t
  }
  let text = '### ipfs-publish\n\n'
  text += results.length > 0 ? table(results, pins) : 'No article changed.\n'
  if (retried.length > 0) text += `\n#### Retried\n\nPublished before, and not pinned on every target when this run asked: asked for again.\n\n${table(retried, earlier.pins)}`
  if (held > 0) text += `\n${held} other article(s) of the manifest already pinned on every target.\n`
  if (checks.length > 0) {
    text += `\n| article | fetched back from | result |\n|---|---|---|\n`
    for (const c of checks) text += `| \`${cell(c.cid)}\` | ${cell(c.source)} | ${cell(c.status)}${c.reason ? ` (${cell(c.reason)})` : ''} |\n`
  }
  summary(text + '\n')
  for (const r of results) console.log(`${r.cid} ${key(r.path)}\n  ${r.link}`)
  for (const r of retried) console.log(`retried ${r.cid} ${key(r.path)}`)
  process.exit(code)
} else {
  console.error(`error: unknown step ${step}`)
  process.exit(2)
}
