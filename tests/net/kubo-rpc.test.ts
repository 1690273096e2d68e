// Pinning by CAR upload to a Kubo RPC API: the runner does not have to stay reachable.
// Against js-ipfs 0.66 (an independent implementation of the RPC API, offline, on loopback)
// when it is installed (.ci/run installs it), and against hostile servers of our own always.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verify } from '../../src/index.js'
import { cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { track } from '../helpers/processes.js'
import type { CID } from 'multiformats/cid'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const PEER = join(ROOT, 'tests', 'peers', 'js-ipfs')
const INSTALLED = existsSync(join(PEER, 'node_modules', 'ipfs-core'))
if (!INSTALLED && process.env.CI != null) throw new Error('tests/peers/js-ipfs is not installed: .ci/run installs it (npm ci there)')

/** Blocks read through a Kubo RPC API's block/get, for our own verification of what that node holds. */
function rpcBlocks (api: string): any {
  return {
    async * get (cid: CID) {
      const res = await fetch(`${api}/api/v0/block/get?arg=${cid}`, { method: 'POST' })
      if (!res.ok) throw Object.assign(new Error(`block/get ${cid}: ${res.status}`), { name: 'NotFoundError' })
      yield new Uint8Array(await res.arrayBuffer())
    }
  }
}

describe.skipIf(!INSTALLED)('CAR upload to js-ipfs\'s Kubo RPC API', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let node: { api: string, gateway: string, stop(): Promise<void> }
  beforeAll(async () => {
    tmp = await tempDir()
    const child = track(spawn(process.execPath, [join(PEER, 'node.mjs'), join(tmp.path, 'js-ipfs-repo')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIMIT_MS: '180000' } }))
    let err = ''
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const ready = await new Promise<{ api: string, gateway: string }>((resolve, reject) => {
      let out = ''
      const t = setTimeout(() => reject(new Error(`js-ipfs did not start: ${err}`)), 60_000)
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); const nl = out.indexOf('\n'); if (nl !== -1) { clearTimeout(t); resolve(JSON.parse(out.slice(0, nl))) } })
      child.on('close', () => { clearTimeout(t); reject(new Error(`js-ipfs exited: ${err}`)) })
    })
    node = { ...ready, stop: async () => { child.kill('SIGKILL') } }
  }, 240_000)
  afterAll(async () => { await node?.stop(); await tmp.cleanup() })

  it('publish --pin-remote-url … --pin-remote-kind kubo-rpc: pinned there; after the publisher exits, the article is read back from that node alone and verifies', async () => {
    const r = await cli(['--repo', join(tmp.path, 'publisher'), '--json', 'publish', SAMPLE, '--pin-remote-url', node.api, '--pin-remote-kind', 'kubo-rpc', '--net', 'local'], { timeout: 60_000 })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const [result, report] = r.stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(report).toMatchObject({ cid: result.cid, target: node.api, status: 'pinned' })
    // the publisher has exited: the node answers from its own store
    const pins = await (await fetch(`${node.api}/api/v0/pin/ls?arg=${result.cid}&type=recursive`, { method: 'POST' })).json()
    expect(Object.keys(pins.Keys)).toHaveLength(1)
    const checked = await verify(result.cid, rpcBlocks(node.api))
    expect(checked).toMatchObject({ blocks: 3, bundle: true })
    const article = await (await fetch(`${node.gateway}/ipfs/${result.cid}/article.txt`)).text()
    expect(article).toBe((await import('node:fs')).readFileSync(SAMPLE, 'utf8'))
  })

  it('a named service of kind kubo-rpc (no token): pin remote add uploads a large file streamed, as a CAR', async () => {
    const repo = join(tmp.path, 'named')
    const big = randomBytes(3 * 1024 * 1024 + 9)
    await writeFile(join(tmp.path, 'big.bin'), big)
    const cid = (await cli(['--repo', repo, 'add', '-q', join(tmp.path, 'big.bin')])).stdout.trim()
    expect((await cli(['--repo', repo, 'pin', 'remote', 'service', 'add', 'newsroom-node', node.api, '--kind', 'kubo-rpc'])).code).toBe(0)
    const r = await cli(['--repo', repo, 'pin', 'remote', 'add', cid, '--service', 'newsroom-node', '--background'], { timeout: 60_000 })
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(new RegExp(`^${cid} pinned newsroom-node `))
    expect((await verify(cid, rpcBlocks(node.api))).bytes).toBeGreaterThan(big.length)
  })
})

describe('CAR upload to a Kubo RPC API that fails', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let cid: string
  let repo: string
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
    cid = (await cli(['--repo', repo, 'publish', '-q', SAMPLE])).stdout.trim()
  })
  afterAll(async () => { await tmp.cleanup() })

  const hostile = async (mode: 'refuse' | 'mid-upload' | 'not-pinned'): Promise<{ url: string, server: Server }> => {
    const server = createServer((req, res) => {
      if (mode === 'refuse') { res.writeHead(500, { 'content-type': 'application/json' }); res.end('{"Message":"dag import disabled here","Code":0,"Type":"error"}'); return }
      // what it pins is asked first (pin/ls: nothing here); the upload is cut after its first bytes
      if (mode === 'mid-upload' && req.url?.startsWith('/api/v0/pin/ls') === true) { res.writeHead(500); res.end(JSON.stringify({ Message: `path '${cid}' is not pinned`, Code: 0, Type: 'error' })); return }
      if (mode === 'mid-upload' && req.url?.startsWith('/api/v0/version') === true) { res.end(JSON.stringify({ Version: '0.0.0' })); return }
      if (mode === 'mid-upload') { req.once('data', () => { req.socket.destroy() }); return }
      // not-pinned: takes the upload and the pin/add, but pin/ls says it is not pinned
      if (req.url?.startsWith('/api/v0/dag/import') === true) { req.resume(); req.on('end', () => { res.end(JSON.stringify({ Root: { Cid: { '/': cid }, PinErrorMsg: '' } }) + '\n') }); return }
      if (req.url?.startsWith('/api/v0/pin/add') === true) { res.end(JSON.stringify({ Pins: [cid] })); return }
      res.writeHead(500); res.end(JSON.stringify({ Message: `path '${cid}' is not pinned`, Code: 0, Type: 'error' }))
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
  }

  for (const [mode, message] of [['refuse', /failed dag\/import \(500\): dag import disabled here/], ['mid-upload', /cannot be reached|other side closed|socket|terminated/], ['not-pinned', /does not list it as pinned/]] as const) {
    it(`a server that ${mode === 'refuse' ? 'refuses the upload' : mode === 'mid-upload' ? 'drops the connection mid-upload' : 'does not pin'}: exit 1, one clear error`, async () => {
      const { url, server } = await hostile(mode)
      try {
        const r = await cli(['--repo', repo, 'pin', 'remote', 'add', cid, '--service-url', url, '--service-kind', 'kubo-rpc'], { timeout: 30_000 })
        expect(r.code).toBe(1)
        expect(r.stderr).toMatch(new RegExp(`^error: ${cid} could not be pinned on ${url.replaceAll('.', '\\.')}: `))
        expect(r.stderr.trim().split('\n')).toHaveLength(1)
        expect(r.stdout).toMatch(message)
      } finally {
        server.closeAllConnections()
        await new Promise(resolve => server.close(resolve))
      }
    })
  }
})
