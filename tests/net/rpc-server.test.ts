// serve --rpc-listen: the Kubo RPC subset that CAR uploads use, so that a throwaway CI runner
// uploads into the newsroom's long-lived node; and the gateway's IPNS PUT, taken only for the
// names the node serves or with the token. Everything on loopback, nodes with --net local.
import { execFile, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cli, ROOT, SAMPLE, tempDir } from '../helpers/cli.js'
import { carBytes } from '../helpers/car.js'
import { serve } from '../helpers/serve.js'
import type { Served } from '../helpers/serve.js'
import type { AddressInfo } from 'node:net'

const IPFS_CAR = join(ROOT, 'node_modules', 'ipfs-car', 'bin.js')

/** A CAR of `file` made by ipfs-car's own CLI (an independent implementation): its bytes and root. */
async function ipfsCar (file: string, out: string): Promise<{ bytes: Buffer, root: string }> {
  await promisify(execFile)(process.execPath, [IPFS_CAR, 'pack', file, '--output', out], { timeout: 60_000 })
  const { stdout } = await promisify(execFile)(process.execPath, [IPFS_CAR, 'roots', out], { timeout: 60_000 })
  return { bytes: await readFile(out), root: stdout.trim() }
}

/** A Kubo error answer, as Kubo shapes it. */
const kuboError = (message: RegExp): unknown => ({ Message: expect.stringMatching(message), Code: expect.any(Number), Type: 'error' })

/** POSTs a CAR to dag/import as one multipart file. */
async function dagImport (rpc: string, car: Uint8Array, token?: string): Promise<Response> {
  const form = new FormData()
  form.append('file', new Blob([car], { type: 'application/vnd.ipld.car' }), 'upload.car')
  return await fetch(`${rpc}/api/v0/dag/import?pin-roots=true`, { method: 'POST', body: form, headers: token != null ? { authorization: `Bearer ${token}` } : {} })
}

describe('serve --rpc-listen: uploads from CI into the newsroom\'s node', () => {
  const token = randomBytes(16).toString('hex')
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let node: Served
  let rpc: string
  let acceptKey: any
  beforeAll(async () => {
    tmp = await tempDir()
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    acceptKey = await generateKeyPair('Ed25519')
    const { base36 } = await import('multiformats/bases/base36')
    node = await serve(join(tmp.path, 'node'), ['--rpc-listen', '127.0.0.1:0', '--accept-name', acceptKey.publicKey.toCID().toString(base36), '--ipns-max-names', '2'], 400_000, process.execPath, { ...process.env, IPFS_PUBLISH_RPC_TOKEN: token })
    rpc = node.rpc!
    expect(rpc).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  }, 120_000)
  afterAll(async () => { await node?.stop('SIGKILL'); await tmp?.cleanup() })

  it('a Kubo client (kubo-rpc-client) imports a CAR made by ipfs-car with the token, and lists the pin; without the token (401) or with another (403) nothing is taken; the gateway then serves the bytes', async () => {
    const file = join(tmp.path, 'upload.txt')
    const text = `An article uploaded from CI ${randomBytes(8).toString('hex')}\n`
    await writeFile(file, text)
    const car = await ipfsCar(file, join(tmp.path, 'upload.car'))
    const { create } = await import('kubo-rpc-client')
    const source = (): AsyncIterable<Uint8Array> => (async function * () { yield car.bytes })()
    const statusOf = async (client: ReturnType<typeof create>): Promise<number | undefined> => {
      try {
        for await (const _ of client.dag.import(source(), { pinRoots: true })) {}
      } catch (err: any) {
        return err?.response?.status
      }
      return 200
    }
    expect(await statusOf(create({ url: `${rpc}/api/v0` }))).toBe(401)
    expect(await statusOf(create({ url: `${rpc}/api/v0`, headers: { authorization: 'Bearer not-the-token' } }))).toBe(403)
    const client = create({ url: `${rpc}/api/v0`, headers: { authorization: `Bearer ${token}` } })
    // nothing of the refused uploads was taken
    const notPinned = await fetch(`${rpc}/api/v0/pin/ls?arg=${car.root}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    expect(notPinned.status).toBe(500)
    expect(await notPinned.json()).toEqual(kuboError(new RegExp(`^path '${car.root}' is not pinned$`)))
    expect((await fetch(`${node.gateway}/ipfs/${car.root}`)).status).toBe(404)

    const results = []
    for await (const r of client.dag.import(source(), { pinRoots: true })) results.push(r)
    expect(results.map(r => r.root.cid.toString())).toEqual([car.root])
    expect(results[0].root.pinErrorMsg).toBe('')
    const pins = []
    for await (const p of client.pin.ls({ paths: [car.root] as any })) pins.push(p)
    expect(pins.map(p => [p.cid.toString(), p.type])).toEqual([[car.root, 'recursive']])
    expect((await client.version()).version).toBeTypeOf('string')
    expect((await client.id()).id.toString()).toBe(node.peerId)
    // ipfs-car wraps the file in a folder
    const served = await fetch(`${node.gateway}/ipfs/${car.root}/upload.txt`)
    expect(served.status).toBe(200)
    expect(await served.text()).toBe(text)
    // the RPC API is POST only, as Kubo's
    const get = await fetch(`${rpc}/api/v0/version`, { headers: { authorization: `Bearer ${token}` } })
    expect(get.status).toBe(405)
    expect(await get.json()).toEqual(kuboError(/POST only/))
  })

  it('publish --pin-remote-url <rpc> --pin-remote-kind kubo-rpc pins into serve; with the publisher\'s repo deleted, the node\'s gateway serves the article', async () => {
    const publisher = join(tmp.path, 'publisher')
    const r = await cli(['--repo', publisher, '--json', 'publish', SAMPLE, '--pin-remote-url', rpc, '--pin-remote-kind', 'kubo-rpc', '--net', 'local'], { timeout: 120_000, env: { IPFS_PINNING_TOKEN: token } })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const [result, report] = r.stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(report).toMatchObject({ cid: result.cid, target: rpc, status: 'pinned' })
    await rm(publisher, { recursive: true, force: true })
    const pins = await (await fetch(`${rpc}/api/v0/pin/ls?arg=${result.cid}&type=recursive`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).json()
    expect(Object.keys(pins.Keys)).toEqual([result.cid])
    const article = await fetch(`${node.gateway}/ipfs/${result.cid}/article.txt`)
    expect(article.status).toBe(200)
    expect(await article.text()).toBe(readFileSync(SAMPLE, 'utf8'))
  })

  it('a CAR with a bad block, or a truncated one, is refused with Kubo\'s error JSON; nothing of it is pinned or stored', async () => {
    const { CID } = await import('multiformats/cid')
    const { sha256 } = await import('multiformats/hashes/sha2')
    const raw = 0x55
    const good = new Uint8Array(randomBytes(300))
    const goodCid = CID.createV1(raw, await sha256.digest(good))
    const claimed = new Uint8Array(randomBytes(300))
    const badCid = CID.createV1(raw, await sha256.digest(claimed))
    const bad = await carBytes([goodCid], [{ cid: goodCid, bytes: good }, { cid: badCid, bytes: new Uint8Array(randomBytes(300)) }])
    const refused = await dagImport(rpc, bad, token)
    expect(refused.status).toBe(400)
    expect(await refused.json()).toEqual(kuboError(new RegExp(badCid.toString())))
    expect((await fetch(`${node.gateway}/ipfs/${goodCid}?format=raw`)).status).toBe(404)

    const file = join(tmp.path, 'big.bin')
    await writeFile(file, randomBytes(600 * 1024))
    const car = await ipfsCar(file, join(tmp.path, 'big.car'))
    const truncated = await dagImport(rpc, car.bytes.subarray(0, car.bytes.length - 1000), token)
    expect(truncated.status).toBe(400)
    expect(await truncated.json()).toEqual(kuboError(/truncated/))
    for (const cid of [goodCid.toString(), car.root]) {
      const ls = await fetch(`${rpc}/api/v0/pin/ls?arg=${cid}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      expect(ls.status).toBe(500)
    }
    // the first block of the truncated CAR (whole in it) was not stored either
    const { CarBlockIterator } = await import('@ipld/car/iterator')
    const iterator = await CarBlockIterator.fromBytes(car.bytes)
    const first = (await iterator[Symbol.asyncIterator]().next()).value
    expect((await fetch(`${node.gateway}/ipfs/${first.cid}?format=raw`)).status).toBe(404)
    // a whole one is taken afterwards (the refusals left the node working), here without pinning its root
    const unpinned = new FormData()
    unpinned.append('file', new Blob([car.bytes]), 'big.car')
    const imported = await fetch(`${rpc}/api/v0/dag/import?pin-roots=false`, { method: 'POST', body: unpinned, headers: { authorization: `Bearer ${token}` } })
    expect(imported.status).toBe(200)
    expect(await imported.text()).toBe('') // as Kubo: roots are reported when pinned
    expect((await fetch(`${node.gateway}/ipfs/${first.cid}?format=raw`)).status).toBe(200)
    // serve holds no writer lease (an import's child holds one while it runs): gc in another process is not blocked,
    // frees the unpinned import, keeps what is pinned
    const gc = await cli(['--repo', join(tmp.path, 'node'), 'gc'], { timeout: 120_000 })
    expect(gc.code).toBe(0)
    expect((await fetch(`${node.gateway}/ipfs/${first.cid}?format=raw`)).status).toBe(404)
    const pinned = await fetch(`${rpc}/api/v0/pin/ls?type=recursive`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    for (const cid of Object.keys((await pinned.json()).Keys)) expect((await fetch(`${node.gateway}/ipfs/${cid}?format=car`)).status).toBe(200)
  })

  it('the gateway\'s IPNS PUT: a record of an unrelated self-signed name is refused (403) without the token or with another, taken with it; a name given with --accept-name is taken without', async () => {
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    const { createIPNSRecord, marshalIPNSRecord } = await import('ipns')
    const { base36 } = await import('multiformats/bases/base36')
    const value = `/ipfs/${(await cli(['--repo', join(tmp.path, 'other'), 'add', '-q', SAMPLE])).stdout.trim()}`
    const stranger = await generateKeyPair('Ed25519')
    const name = stranger.publicKey.toCID().toString(base36)
    const record = marshalIPNSRecord(await createIPNSRecord(stranger, value, 1n, 3_600_000))
    const put = async (n: string, bytes: Uint8Array, auth?: string): Promise<Response> => await fetch(`${node.gateway}/routing/v1/ipns/${n}`, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/vnd.ipfs.ipns-record', ...(auth != null ? { authorization: auth } : {}) } })
    const anon = await put(name, record)
    expect(anon.status).toBe(403)
    expect(await anon.text()).toMatch(/needs the access token/)
    expect((await put(name, record, 'Bearer wrong')).status).toBe(403)
    expect((await fetch(`${node.gateway}/routing/v1/ipns/${name}`)).status).toBe(404)
    expect((await put(name, record, `Bearer ${token}`)).status).toBe(200)
    const got = await fetch(`${node.gateway}/routing/v1/ipns/${name}`, { headers: { Accept: 'application/vnd.ipfs.ipns-record' } })
    expect(got.status).toBe(200)
    expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(record))).toBe(true)
    // a name it now holds a record of: a newer record is taken without the token
    expect((await put(name, marshalIPNSRecord(await createIPNSRecord(stranger, value, 2n, 3_600_000)))).status).toBe(200)
    const accepted = acceptKey.publicKey.toCID().toString(base36)
    expect((await put(accepted, marshalIPNSRecord(await createIPNSRecord(acceptKey, value, 0n, 3_600_000)))).status).toBe(200)
    // it keeps the records of at most --ipns-max-names (here 2) names of others, even with the token
    const third = await generateKeyPair('Ed25519')
    const full = await put(third.publicKey.toCID().toString(base36), marshalIPNSRecord(await createIPNSRecord(third, value, 0n, 3_600_000)), `Bearer ${token}`)
    expect(full.status).toBe(507)
    expect(await full.text()).toMatch(/at most 2 names of others/)
  })
})

describe('the kubo-rpc upload, for IPFS Cluster', () => {
  it('imports without pinning the roots (pin-roots=false), then pins with pin/add, then confirms with pin/ls', async () => {
    const tmp = await tempDir()
    const calls: string[] = []
    let pinned = false
    const server = createServer((req, res) => {
      calls.push(req.url ?? '')
      req.resume()
      req.on('end', () => {
        const cid = new URL(req.url ?? '/', 'http://x').searchParams.get('arg') ?? ''
        res.setHeader('content-type', 'application/json')
        // as Kubo (and a Cluster proxy) answer: no roots reported when they are not pinned
        if (req.url?.startsWith('/api/v0/dag/import') === true) res.end()
        else if (req.url?.startsWith('/api/v0/pin/add') === true) { pinned = true; res.end(JSON.stringify({ Pins: [cid] }) + '\n') }
        // pinned only once pin/add asked for it (the first pin/ls asks what the target holds already)
        else if (pinned) res.end(JSON.stringify({ Keys: { [cid]: { Type: 'recursive' } } }) + '\n')
        else { res.statusCode = 500; res.end(JSON.stringify({ Message: `path '${cid}' is not pinned`, Code: 0, Type: 'error' }) + '\n') }
      })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const repo = join(tmp.path, 'repo')
      const cid = (await cli(['--repo', repo, 'publish', '-q', SAMPLE])).stdout.trim()
      const r = await cli(['--repo', repo, 'pin', 'remote', 'add', cid, '--service-url', url, '--service-kind', 'kubo-rpc'], { timeout: 60_000 })
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(calls).toEqual([
        `/api/v0/pin/ls?arg=${cid}&type=recursive`,
        // the token checked by a small call before the upload (a refusal would otherwise show as a broken pipe)
        '/api/v0/version',
        '/api/v0/dag/import?pin-roots=false',
        `/api/v0/pin/add?arg=${cid}&recursive=true`,
        `/api/v0/pin/ls?arg=${cid}&type=recursive`
      ])
    } finally {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
      await tmp.cleanup()
    }
  })
})

describe('serve --rpc-listen without a token', () => {
  it.skipIf(process.getuid?.() !== 0 || !existsSync('/usr/bin/unshare'))('off loopback: refused with one clear error (exit 2), in a network namespace holding only lo', async () => {
    const tmp = await tempDir()
    try {
      const env = { ...process.env }
      delete env.IPFS_PUBLISH_RPC_TOKEN
      // under --net local the one guard refuses it first
      const local = spawnSync('unshare', ['-n', process.execPath, BIN, '--repo', join(tmp.path, 'node'), 'serve', '--net', 'local', '--gateway-listen', '127.0.0.1:0', '--rpc-listen', '10.1.2.3:5001'], { encoding: 'utf8', timeout: 60_000, env })
      expect(local.status).toBe(2)
      expect(local.stderr).toBe('error: --net local stays on this machine: --rpc-listen 10.1.2.3:5001 is not a loopback address\n')
      // a public node is refused it too, without a token: before any node starts (and inside a
      // namespace that holds only lo, so a missed check could reach nothing)
      const r = spawnSync('unshare', ['-n', process.execPath, BIN, '--repo', join(tmp.path, 'node'), 'serve', '--gateway-listen', '127.0.0.1:0', '--rpc-listen', '10.1.2.3:5001'], { encoding: 'utf8', timeout: 60_000, env })
      expect(r.status).toBe(2)
      expect(r.stderr).toMatch(/error: --rpc-listen 10\.1\.2\.3:5001 is not a loopback address: set IPFS_PUBLISH_RPC_TOKEN to listen there \(without a token the RPC API, which takes uploads and pins, listens on loopback only\)\n$/)
      expect(existsSync(join(tmp.path, 'node'))).toBe(false)
    } finally {
      await tmp.cleanup()
    }
  })

  it('on loopback: listens, and says that it takes no token', async () => {
    const tmp = await tempDir()
    const env = { ...process.env }
    delete env.IPFS_PUBLISH_RPC_TOKEN
    const node = await serve(join(tmp.path, 'node'), ['--rpc-listen', '127.0.0.1:0', '--rpc-max-body', '65536'], 120_000, process.execPath, env)
    try {
      expect(node.stderr()).toMatch(/the RPC API at http:\/\/127\.0\.0\.1:\d+ takes no token: it listens on loopback only/)
      const res = await fetch(`${node.rpc!}/api/v0/version`, { method: 'POST' })
      expect(res.status).toBe(200)
      // a web page may not post to it (no CSRF into the local node)
      const page = await fetch(`${node.rpc!}/api/v0/pin/ls`, { method: 'POST', headers: { origin: 'https://evil.example' } })
      expect(page.status).toBe(403)
      // a body larger than it takes: 413, whether its length is said (refused before reading) or not (refused when reached); nothing stored
      const file = join(tmp.path, 'big.bin')
      await writeFile(file, randomBytes(200 * 1024))
      const car = await ipfsCar(file, join(tmp.path, 'big.car'))
      const said = await dagImport(node.rpc!, car.bytes)
      expect(said.status).toBe(413)
      expect(await said.json()).toEqual(kuboError(/larger than this node takes \(65536 bytes\)/))
      const form = new FormData()
      form.append('file', new Blob([car.bytes]), 'big.car')
      const encoded = new Response(form)
      const streamed = await fetch(`${node.rpc!}/api/v0/dag/import`, { method: 'POST', body: encoded.body, headers: { 'content-type': encoded.headers.get('content-type')! }, duplex: 'half' } as any).catch((err: Error) => err)
      // the node answers 413, or closes the connection as it refuses the rest of the upload
      if (streamed instanceof Response) {
        expect(streamed.status).toBe(413)
        expect(await streamed.json()).toEqual(kuboError(/larger than this node takes/))
      }
      expect((await fetch(`${node.gateway}/ipfs/${car.root}`)).status).toBe(404)
      const ls = await fetch(`${node.rpc!}/api/v0/pin/ls`, { method: 'POST' })
      expect(await ls.json()).toEqual({ Keys: {} })
    } finally {
      await node.stop('SIGKILL')
      await tmp.cleanup()
    }
  })
})
