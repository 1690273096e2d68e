import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { Busboy } from '@fastify/busboy'
import type { BusboyInstance } from '@fastify/busboy'
import { CID } from 'multiformats/cid'
import { parseCidText } from '../core/cid.js'
import { InvalidArgumentError } from '../errors.js'
import { checkBearer } from './bearer.js'
import { isLoopbackHost, splitListen } from './loopback.js'
import { listenInUse } from './listen-error.js'
import type { ChildProcess } from 'node:child_process'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'
import type { Repo } from '../core/store/repo.js'

/**
 * The part of the Kubo RPC API (`/api/v0/…`) that CAR uploads use, for `serve
 * --rpc-listen`: `dag/import`, `pin/add` (of content already held), `pin/ls`,
 * `version` and `id`, with Kubo's JSON answers and errors (`{"Message","Code","Type"}`),
 * so that Kubo clients (and `--pin-remote-kind kubo-rpc`) work unchanged.
 *
 * Access as Kubo's `API.Authorizations`: `Authorization: Bearer <token>`, checked
 * before any byte of the body is read (401 without it, 403 with another one).
 * Without a token the API listens on loopback only (see {@link checkRpcListen}).
 * A request that carries an `Origin` (a web page) is refused: a page must not
 * upload into the node of the person who opened it.
 *
 * Each uploaded CAR is imported by a child process running this CLI's `import`
 * (every block verified, all or nothing, the pins committed and synced before it
 * exits): it holds the repo's writer lease only while it imports (this process,
 * as any `serve`, holds none, so `gc` in another process is never blocked for
 * long), and its pending writes are its own, so a refused CAR cannot drop, or
 * commit early, what this process writes meanwhile (IPNS records). `pin/add`
 * runs `pin add` the same way.
 */
export interface RpcServerOptions {
  /** `host:port`; port 0 picks a free one. */
  listen: string
  /** The Bearer token every request must carry; none: loopback only. */
  token?: string
  /** This node, for `id`. */
  peerId: string
  publicKey: string
  addresses: () => string[]
  protocols: () => string[]
  version: string
  /** The largest request body, in bytes. @default 8 GiB */
  maxBodyBytes?: number
  /** Requests handled at once (more: 503). @default 8 */
  maxRequests?: number
  /** Imports and pin/adds running at once (more: 503). @default 2 */
  maxWriters?: number
  /** Where failures of the node's own are logged, one line each. */
  log?: (line: string) => void
}

export interface RpcServer {
  url: string
  server: Server
  close(): Promise<void>
}

const DEFAULT_MAX_BODY = 8 * 1024 * 1024 * 1024
/** Kubo's error codes (go-ipfs-cmds): a normal error, and one of the client's request. */
const ERR_NORMAL = 0
const ERR_CLIENT = 1

class RpcError extends Error {
  constructor (readonly status: number, message: string, readonly code = ERR_NORMAL) { super(message) }
}

/** Refuses a non-loopback `--rpc-listen` without a token: the API takes uploads and pins. */
export function checkRpcListen (listen: string, token: string | undefined): void {
  const { host } = splitListen(listen, '--rpc-listen')
  if ((token == null || token === '') && !isLoopbackHost(host)) {
    throw new InvalidArgumentError(`--rpc-listen ${listen} is not a loopback address: set IPFS_PUBLISH_RPC_TOKEN to listen there (without a token the RPC API, which takes uploads and pins, listens on loopback only)`)
  }
}

/** The CLI's bin, to run `import` and `pin add` in a child process (from dist/ or dist/chunks/). */
function cliBin (): string {
  for (const rel of ['../bin/ipfs-publish.js', '../../bin/ipfs-publish.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(path)) return path
  }
  throw new Error('the ipfs-publish bin was not found beside this module')
}

/** Starts the RPC API on its own listener. */
export async function startRpcServer (repo: Repo, options: RpcServerOptions): Promise<RpcServer> {
  const { host, port } = splitListen(options.listen, '--rpc-listen')
  const token = options.token != null && options.token !== '' ? options.token : undefined
  if (token == null && !isLoopbackHost(host)) throw new InvalidArgumentError(`--rpc-listen ${options.listen} is not a loopback address and no token is set`)
  const maxRequests = options.maxRequests ?? 8
  const maxWriters = options.maxWriters ?? 2
  const log = options.log ?? ((line: string) => { process.stderr.write(`${line}\n`) })
  const children = new Set<ChildProcess>()
  let requests = 0
  let writers = 0
  const bin = cliBin()

  /** Runs a CLI command on the repo in a child process; resolves with its stdout, or an RpcError with its one-line error. */
  const runCli = async (args: string[], input: Readable | undefined, req: IncomingMessage): Promise<string> => {
    const child = spawn(process.execPath, [bin, '--repo', repo.path, '--json', ...args], { stdio: [input != null ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, IPFS_PUBLISH_REEXEC: '1' } })
    children.add(child)
    let out = ''
    let err = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d })
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { if (err.length < 64 * 1024) err += d })
    // a client that goes away stops its import: nothing of it is committed
    const onGone = (): void => { if (child.exitCode == null) child.kill('SIGTERM') }
    req.socket.once('close', onGone)
    let inputError: Error | undefined
    if (input != null) {
      child.stdin!.on('error', () => {}) // the child may exit (a refused CAR) before the whole upload is read
      input.on('error', (e: Error) => { inputError = e; child.kill('SIGTERM') })
      input.pipe(child.stdin!)
    }
    const code = await new Promise<number | null>(resolve => {
      child.on('error', (e) => { err += `error: ${e.message}\n`; resolve(1) })
      child.on('close', (c) => { resolve(c) })
    })
    children.delete(child)
    req.socket.off('close', onGone)
    if (inputError != null) throw inputError
    if (code === 0) return out
    if (input != null) input.resume() // the rest of an upload refused midway is discarded
    // the CLI's advice on what to run next means nothing to an RPC client
    const line = err.split('\n').map(l => l.trim()).filter(l => l.startsWith('error: ')).pop()?.slice('error: '.length).replace(/ \(publish or import it first[^)]*\)$/, '') ?? `the command failed (exit ${String(code)})`
    // exit 2 (usage), 3 (incomplete: a block missing), 4 (a bad block, a truncated or malformed CAR): the request's fault
    throw new RpcError(code === 2 || code === 3 || code === 4 ? 400 : 500, line, code === 2 || code === 3 || code === 4 ? ERR_CLIENT : ERR_NORMAL)
  }

  const writer = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (writers >= maxWriters) throw new RpcError(503, `${maxWriters} imports or pins are running: try again shortly`)
    writers++
    try { return await fn() } finally { writers-- }
  }

  const dagImport = async (req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> => {
    const pinRoots = flag(query, 'pin-roots', true)
    const stats = flag(query, 'stats', false)
    const type = req.headers['content-type'] ?? ''
    if (!/^multipart\/form-data\s*;/i.test(type)) throw new RpcError(400, 'dag/import takes the CAR as a multipart/form-data file', ERR_CLIENT)
    const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY
    const length = Number(req.headers['content-length'] ?? 0)
    if (length > maxBody) throw new RpcError(413, `the request is larger than this node takes (${maxBody} bytes)`, ERR_CLIENT)
    await writer(async () => {
      let bb: BusboyInstance
      try {
        bb = Busboy({ headers: req.headers as any, limits: { files: 16, parts: 32, fields: 16, fieldSize: 1024, fileSize: maxBody, headerPairs: 64 } })
      } catch (err: any) {
        throw new RpcError(400, `the multipart body cannot be read: ${err.message}`, ERR_CLIENT)
      }
      const results: Array<{ roots: string[], blocks: number, bytes: number }> = []
      let chain: Promise<void> = Promise.resolve()
      let failure: unknown
      let parts = 0
      let received = 0
      // answered at the first failure: the rest of a refused upload is not waited for
      let end: () => void = () => {}
      const done = new Promise<void>((resolve, reject) => {
        end = resolve
        bb.on('file', (_field: string, file: Readable & { truncated?: boolean }) => {
          parts++
          chain = chain.then(async () => {
            if (failure != null) { file.resume(); return }
            try {
              file.on('limit', () => { file.destroy(new RpcError(413, `a CAR is larger than this node takes (${maxBody} bytes)`, ERR_CLIENT)) })
              const out = await runCli(['import', ...(pinRoots ? [] : ['--no-pin']), '-'], file, req)
              const summary = JSON.parse(out.trim().split('\n').pop() ?? '')
              results.push({ roots: summary.roots, blocks: summary.blocks, bytes: summary.bytes })
            } catch (err) {
              failure ??= err
              file.resume()
              end()
            }
          })
        })
        bb.on('field', () => {})
        bb.on('partsLimit', () => { failure ??= new RpcError(413, 'too many parts in one request', ERR_CLIENT); end() })
        bb.on('filesLimit', () => { failure ??= new RpcError(413, 'too many files in one request (16 at most)', ERR_CLIENT); end() })
        bb.on('finish', () => { chain.then(resolve, reject) })
        bb.on('error', (err: Error) => { failure ??= new RpcError(400, `the multipart body cannot be read: ${err.message}`, ERR_CLIENT); chain.then(resolve, reject) })
      })
      req.on('data', (chunk: Buffer) => {
        received += chunk.byteLength
        if (received > maxBody + 64 * 1024) req.destroy(new RpcError(413, `the request is larger than this node takes (${maxBody} bytes)`, ERR_CLIENT))
      })
      req.on('error', (err) => { failure ??= err; bb.destroy(err) })
      req.pipe(bb)
      await done
      if (failure != null) throw failure
      if (parts === 0) throw new RpcError(400, 'no CAR file in the request (a multipart/form-data file part)', ERR_CLIENT)
      const lines: string[] = []
      // as Kubo: the roots are reported when they were pinned
      if (pinRoots) for (const r of results) for (const cid of r.roots) lines.push(JSON.stringify({ Root: { Cid: { '/': cid }, PinErrorMsg: '' } }))
      if (stats) lines.push(JSON.stringify({ Stats: { BlockCount: sum(results.map(r => r.blocks)), BlockBytesCount: sum(results.map(r => r.bytes)) } }))
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Chunked-Output': '1' })
      res.end(lines.map(l => l + '\n').join(''))
    })
  }

  const pinAdd = async (req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> => {
    const cids = args(query)
    if (cids.length === 0) throw new RpcError(400, 'argument "ipfs-path" is required', ERR_CLIENT)
    if (!flag(query, 'recursive', true)) throw new RpcError(400, 'this node pins recursively only', ERR_CLIENT)
    const want: CID[] = []
    for (const c of cids) if (!(await isPinned(repo, c))) want.push(c)
    if (want.length > 0) await writer(async () => { await runCli(['pin', 'add', ...want.map(String)], undefined, req) })
    json(res, 200, { Pins: cids.map(String) })
  }

  const pinLs = async (res: ServerResponse, query: URLSearchParams): Promise<void> => {
    const type = query.get('type') ?? 'all'
    if (!['all', 'recursive', 'direct', 'indirect'].includes(type)) throw new RpcError(400, `invalid type '${type}', must be one of {direct, indirect, recursive, all}`, ERR_CLIENT)
    const cids = args(query)
    const keys: Record<string, { Type: string }> = {}
    // as Kubo: a direct pin (a partial edition's root) is "direct", and is not one of type=recursive
    const wanted = (t: string): boolean => type === 'all' || type === t
    if (cids.length > 0) {
      for (const cid of cids) {
        const t = await pinType(repo, cid)
        if (t == null || !wanted(t)) throw new RpcError(500, `path '${cid}' is not pinned`)
        keys[cid.toString()] = { Type: t }
      }
    } else {
      for await (const pin of repo.helia.pins.ls()) {
        const t = pin.depth === 0 ? 'direct' : 'recursive'
        if (wanted(t)) keys[pin.cid.toString()] = { Type: t }
      }
    }
    json(res, 200, { Keys: keys })
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // access first: nothing of the body is read before
    if (token != null) {
      const auth = checkBearer(req.headers.authorization, token)
      if (auth === 'missing') throw new RpcError(401, 'this API needs an access token (Authorization: Bearer <token>)', ERR_CLIENT)
      if (auth === 'wrong') throw new RpcError(403, 'the access token is not valid', ERR_CLIENT)
    }
    if (req.headers.origin != null) throw new RpcError(403, 'requests from web pages (with an Origin) are refused', ERR_CLIENT)
    const url = new URL(req.url ?? '/', 'http://rpc')
    const path = url.pathname.replace(/\/+$/, '')
    const routes = ['/api/v0/dag/import', '/api/v0/pin/add', '/api/v0/pin/ls', '/api/v0/version', '/api/v0/id']
    if (!routes.includes(path)) throw new RpcError(404, `${path} is not a command this node serves (it serves ${routes.map(r => r.slice('/api/v0/'.length)).join(', ')})`, ERR_CLIENT)
    if (req.method !== 'POST') { res.setHeader('Allow', 'POST'); throw new RpcError(405, `${req.method ?? ''} not allowed: the RPC API takes POST only`, ERR_CLIENT) }
    if (path === '/api/v0/dag/import') return await dagImport(req, res, url.searchParams)
    // the other commands take no body
    req.resume()
    if (path === '/api/v0/pin/add') return await pinAdd(req, res, url.searchParams)
    if (path === '/api/v0/pin/ls') return await pinLs(res, url.searchParams)
    if (path === '/api/v0/version') {
      return json(res, 200, { Version: options.version, Commit: '', Repo: '3', System: `${process.arch}/${process.platform}`, Golang: `node ${process.version}` })
    }
    if (url.searchParams.has('arg') && url.searchParams.get('arg') !== options.peerId) throw new RpcError(400, 'this node answers id for itself only', ERR_CLIENT)
    return json(res, 200, { ID: options.peerId, PublicKey: options.publicKey, Addresses: options.addresses(), AgentVersion: `ipfs-publish/${options.version}`, Protocols: options.protocols() })
  }

  const server = createServer((req, res) => {
    if (requests >= maxRequests) {
      fail(req, res, new RpcError(503, `${maxRequests} requests are being handled: try again shortly`))
      return
    }
    requests++
    res.once('close', () => { requests-- })
    handle(req, res).catch((err: any) => {
      if (!(err instanceof RpcError)) log(`rpc: ${req.method ?? ''} ${(req.url ?? '').split('?')[0].slice(0, 200)}: ${String(err?.message ?? err)}`)
      fail(req, res, err instanceof RpcError ? err : new RpcError(500, String(err?.message ?? err)))
    })
  })
  // a client that waits for "100 Continue" before sending its body gets it only with the token
  server.on('checkContinue', (req, res) => {
    if (token == null || checkBearer(req.headers.authorization, token) === 'ok') res.writeContinue()
    server.emit('request', req, res)
  })
  // bounded: the headers within 30 s, a stalled upload ends after 5 minutes without a byte
  server.headersTimeout = 30_000
  server.requestTimeout = 0
  server.timeout = 300_000
  server.maxHeadersCount = 100
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: any) => { reject(err?.code === 'EADDRINUSE' ? listenInUse('--rpc-listen', options.listen, err) : new InvalidArgumentError(`cannot listen on --rpc-listen ${options.listen}: ${err.code ?? err.message}`)) })
    server.listen(port, host, () => { resolve() })
  })
  const addr = server.address() as AddressInfo
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  return {
    url: `http://${shown}:${addr.port}`,
    server,
    close: async () => {
      for (const child of children) child.kill('SIGTERM')
      server.closeIdleConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

/** The most bytes of a refused request's body read (and dropped) so that its client can read the answer; past it, the connection is closed. */
const DRAIN_BYTES = 1024 * 1024

/**
 * A Kubo error: `{"Message","Code","Type":"error"}`. The rest of the body is never
 * processed: a small one (said length up to DRAIN_BYTES) is read and dropped, so
 * that the client, still sending, reads the answer; otherwise the connection closes.
 */
function fail (req: IncomingMessage, res: ServerResponse, err: RpcError): void {
  if (res.headersSent) { res.destroy(); return }
  const length = Number(req.headers['content-length'] ?? 'NaN')
  const drain = !req.complete && Number.isInteger(length) && length <= DRAIN_BYTES && req.headers['transfer-encoding'] == null
  if (drain) { req.unpipe(); req.resume() }
  res.writeHead(err.status, {
    'Content-Type': 'application/json',
    ...(drain || req.complete ? {} : { Connection: 'close' }),
    ...(err.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {})
  })
  res.end(JSON.stringify({ Message: err.message, Code: err.code, Type: 'error' }) + '\n')
}

function json (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body) + '\n')
}

/** A boolean option as go-ipfs-cmds reads one: absent is the default; `true`/`false` (or empty: true). */
function flag (query: URLSearchParams, name: string, fallback: boolean): boolean {
  const v = query.get(name)
  if (v == null) return fallback
  if (v === '' || v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw new RpcError(400, `could not convert value "${v}" to type "bool" (for option "-${name}")`, ERR_CLIENT)
}

/** The `arg` values as CIDs (`/ipfs/<cid>` too); 400 for one that is not. */
function args (query: URLSearchParams): CID[] {
  return query.getAll('arg').map(a => {
    const text = a.startsWith('/ipfs/') ? a.slice('/ipfs/'.length) : a
    if (text.includes('/')) throw new RpcError(400, `'${a}': this node pins whole DAGs by CID, not paths inside them`, ERR_CLIENT)
    try { return parseCidText(text) } catch { throw new RpcError(400, `invalid path "${a}": not a CID`, ERR_CLIENT) }
  })
}

async function isPinned (repo: Repo, cid: CID): Promise<boolean> {
  return await pinType(repo, cid) === 'recursive'
}

/** How `cid` is pinned: recursively (the whole DAG held), directly (its root block only), or not. */
async function pinType (repo: Repo, cid: CID): Promise<'recursive' | 'direct' | undefined> {
  try {
    return (await repo.helia.pins.get(cid)).depth === 0 ? 'direct' : 'recursive'
  } catch {
    return undefined
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
