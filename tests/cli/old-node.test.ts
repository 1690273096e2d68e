// Under a Node.js older than 22 the bin runs itself again on the project's Node 24.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { track } from '../helpers/processes.js'
import { NETNS } from '../helpers/netns.js'
import { serve } from '../helpers/serve.js'

/** The machine's own Node.js when it is older than 22 (Debian's /usr/bin/node here), else undefined. */
function oldNode (): string | undefined {
  const node = '/usr/bin/node'
  if (!existsSync(node)) return undefined
  const major = Number(execFileSync(node, ['-p', 'process.versions.node.split(".")[0]']).toString().trim())
  return major < 22 ? node : undefined
}
const node = oldNode()

describe.skipIf(node == null)('run with a Node.js older than 22', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('gives the same results and exit codes', async () => {
    const ok = await cli(['publish', SAMPLE, '-n', '-q'], { node })
    expect(ok.code).toBe(0)
    expect(ok.stdout.trim()).toBe((await cli(['publish', SAMPLE, '-n', '-q'])).stdout.trim())
    const bad = await cli(['cat', 'not-a-cid'], { node })
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toMatch(/^error: "not-a-cid" is not a valid CID/)
  })

  it('passes SIGTERM on: a serve stopped this way leaves no process behind', async () => {
    const s = await serve(join(tmp.path, 'repo'), [], 30_000, node)
    expect((await fetch(s.gateway)).ok).toBe(true)
    expect(await s.stop('SIGTERM')).toBe(0)
    // the Node 24 process that did the serving is gone too: its gateway refuses connections
    await expect(fetch(s.gateway, { signal: AbortSignal.timeout(5000) })).rejects.toThrow()
  })

  it('one Ctrl-C sent to the whole process group (the terminal does that) reaches serve twice, also through the bin passing it on: it counts once, serve exits 0', async () => {
    const child = track(spawn(node!, [BIN, '--repo', join(tmp.path, 'group'), '--json', 'serve', '--net', 'local', '--gateway-listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }))
    const killer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL') } catch {} }, 120_000)
    let err = ''
    child.stderr!.on('data', (d: Buffer) => { err += d.toString() })
    const closed = new Promise<number | null>(resolve => child.on('close', code => { clearTimeout(killer); resolve(code) }))
    await new Promise<void>((resolve, reject) => {
      let out = ''
      child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('\n')) resolve() })
      child.on('close', () => reject(new Error(`serve exited: ${err}`)))
    })
    process.kill(-child.pid!, 'SIGINT')
    expect(await closed, err).toBe(0)
  }, 180_000)

  // npx in the project (npm itself on the old Node) installs the project into its own cache
  // on first use; npm checked the project's `engines` there and warned, twice, on a path the
  // bin supports. Run with a fresh cache (the path that warned), offline, in a namespace
  // holding only lo: npm needs nothing from the registry here. Scripts off: installing the
  // project folder would run its `prepare` (a build that replaces dist/ in place, under the
  // feet of the tests running beside this one).
  it.skipIf(!NETNS || !existsSync(join(node ?? '', '..', 'npx')))('npx prints no EBADENGINE warning (npm on the old Node, a fresh npx cache)', async () => {
    const npx = realpathSync(join(node!, '..', 'npx'))
    const cache = join(tmp.path, 'npm-cache')
    const PATH = [join(node!, '..'), ...(process.env.PATH ?? '').split(delimiter).filter(d => !d.includes('node_modules'))].join(delimiter)
    const r = spawnSync('unshare', ['--net', node!, npx, 'ipfs-publish', '--version'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, PATH, npm_config_cache: cache, npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_yes: 'true', npm_config_ignore_scripts: 'true' }
    })
    expect(r.stderr).not.toMatch(/EBADENGINE/)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe(JSON.parse(execFileSync(node!, ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: ROOT, encoding: 'utf8' })))
    // the project was indeed installed into that cache (the path that warned)
    expect(existsSync(join(cache, '_npx'))).toBe(true)
  }, 320_000)
})
