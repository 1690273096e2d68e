import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'

const NO_NET = join(ROOT, 'tests', 'fixtures', 'no-network.mjs')

function run (args: string[]): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, ['--import', NO_NET, BIN, ...args], { encoding: 'utf8', timeout: 30_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('offline by default', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('the network guard itself works', () => {
    const r = spawnSync(process.execPath, ['--import', NO_NET, '-e', "require('node:net').connect(80, '127.0.0.1')"], { encoding: 'utf8' })
    expect(r.stderr).toMatch(/offline command used the network/)
  })

  it('publish, add, get, cat, verify, ls, export, import, pin, gc and stat open no socket', async () => {
    const repo = join(tmp.path, 'repo')
    const cid = run(['--repo', repo, 'publish', SAMPLE, '-q']).stdout.trim()
    expect(cid).toMatch(/^bafy/)
    await writeFile(join(tmp.path, 'f.bin'), 'bytes')
    const car = join(tmp.path, 'x.car')
    for (const args of [['add', join(tmp.path, 'f.bin')], ['get', cid, '-o', join(tmp.path, 'out')], ['cat', cid], ['verify', cid], ['ls'], ['export', cid, '-o', car], ['import', car], ['pin', 'ls'], ['gc'], ['stat'], ['verify', '--all']]) {
      const r = run(['--repo', repo, ...args])
      expect(r.stderr, args.join(' ')).not.toMatch(/network/)
      expect(r.code, args.join(' ')).toBe(0)
    }
  })
})

/** A Node older than 22 on this machine (the system one), outside node_modules/.bin. */
const OLD_NODE = (process.env.PATH ?? '').split(delimiter)
  .filter(dir => !dir.includes('node_modules'))
  .map(dir => join(dir, 'node'))
  .find(p => existsSync(p) && Number(spawnSync(p, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) < 22)

describe('the bin on an old Node', () => {
  it.skipIf(OLD_NODE == null)('re-runs itself on the project\'s Node 24', () => {
    const r = spawnSync(OLD_NODE!, [BIN, 'publish', SAMPLE, '-n', '-q'], { encoding: 'utf8', timeout: 30_000 })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toMatch(/^bafybei/)
  })
})

describe('offline commands do not load the network stack', () => {
  it('publish, add, get, cat, verify and ls load neither libp2p nor its native modules, and little code', async () => {
    const tmp = await tempDir()
    try {
      const { readFile: read, stat } = await import('node:fs/promises')
      const repo = join(tmp.path, 'repo')
      const record = join(tmp.path, 'modules.txt')
      const cid = spawnSync(process.execPath, [BIN, '--repo', repo, 'publish', SAMPLE, '-q'], { encoding: 'utf8' }).stdout.trim()
      for (const args of [['publish', SAMPLE], ['add', SAMPLE], ['get', cid, '-o', join(tmp.path, 'o')], ['cat', cid], ['verify', cid], ['ls']]) {
        const r = spawnSync(process.execPath, ['--import', join(ROOT, 'tests', 'fixtures', 'record-modules.mjs'), BIN, '--repo', repo, ...args], { encoding: 'utf8', env: { ...process.env, RECORD_MODULES: record } })
        expect(r.status, args.join(' ')).toBe(0)
      }
      const loaded = [...new Set((await read(record, 'utf8')).split('\n').filter(Boolean))]
      expect(loaded.filter(u => /libp2p|datachannel|bufferutil|webrtc/i.test(u))).toEqual([])
      let bytes = 0
      for (const u of loaded.filter(u => u.startsWith('file://') && u.includes('/dist/'))) bytes += (await stat(new URL(u))).size
      expect(bytes).toBeLessThan(1_500_000)
    } finally {
      await tmp.cleanup()
    }
  })
})
