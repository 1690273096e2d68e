import { BUNDLE_FILES } from '../core/article/bundle-files.js'
import { gatewayInUse } from './listen-error.js'
import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { extname } from 'node:path'
import { isUtf8 } from 'node:buffer'
import { MIMEType } from 'node:util'
import { exporter } from 'ipfs-unixfs-exporter'
import { Mime } from 'mime'
import standardTypes from 'mime/types/standard.js'
import otherTypes from 'mime/types/other.js'
import { CID } from 'multiformats/cid'
import { exportCar } from '../core/car/export.js'
import { parseCidText } from '../core/cid.js'
import { listStories } from '../core/ls.js'
import { readAll } from '../core/unixfs/walk.js'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileContent } from '../core/read/file-content.js'
import { isNotUnixFS, resolvePath } from '../core/read/resolve.js'

/** What the gateway serves from: the repo's verifying blockstore and its article index. */
export interface GatewayStore {
  blockstore: Pick<Blockstore, 'get' | 'has'>
  datastore: Datastore
  /** A number that changes with every commit (the index page is rebuilt only then); without it, on every request. */
  generation?: () => number
}

/** Articles on one page of the index. */
export const INDEX_PAGE_SIZE = 100

export interface GatewayOptions {
  /** `host:port`; port 0 picks a free one. @default '127.0.0.1:8080' */
  listen?: string
  /** Where a request that fails for a reason of the node's own (a corrupt block, a bug) is logged, one line each. @default a line on stderr */
  log?: (line: string) => void
  /** How `/ipns/<name>` is answered: the signed record of a name and what it points to (none: `/ipns/` is not served). */
  names?: GatewayNames
}

/** A name's current record, as the gateway serves it: already validated, not expired. */
export interface GatewayNames {
  /** The record of a name or DNSLink domain: its signed bytes (none for a domain), the `/ipfs/…` path it points to and how long it may be cached (s); undefined when unknown. */
  resolve(name: string, options?: { signal?: AbortSignal }): Promise<{ bytes?: Uint8Array, value: string, ttl: number } | undefined>
  /** Takes a signed record of a name (the Delegated Routing API's IPNS PUT): kept when valid and newer; refused (an error) when its signature is bad or its sequence number lower. */
  put?(name: string, bytes: Uint8Array, request?: { authorization?: string }): Promise<void>
  /** Whether a PUT of a record of `name` is taken (asked before its body is read): undefined when it is, else the status and why not. */
  refusePut?(name: string, request: { authorization?: string }): Promise<{ status: number, message: string } | undefined>
}

export interface Gateway {
  /** `http://host:port` */
  url: string
  server: Server
  /** Requests being handled now (a client that went away ends its request's handling). */
  inflight(): number
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>
}

const IMMUTABLE = 'public, max-age=29030400, immutable'
const MAX_PATH = 4096
/** Media types by file name: the `mime` package's table (from mime-db), with `.car` an IPLD CAR, as on IPFS it is (IANA gives `.car` to a CURL format). */
const MIME = new Mime(standardTypes, otherTypes).define({ 'application/vnd.ipld.car': ['car'] }, true)

/** The media type of a file named `name` by its extension (text declared UTF-8, as the articles are), or undefined when it has none or an unknown one. */
function typeOfName (name: string): string | undefined {
  const ext = extname(name)
  const type = ext === '' ? null : MIME.getType(ext)
  if (type == null) return undefined
  return type.startsWith('text/') ? `${type}; charset=utf-8` : type
}

class HttpError extends Error {
  constructor (readonly status: number, message: string) { super(message) }
}

/** A string for one line of a log: control characters shown as escapes. */
const sanitize = (s: string): string => s.replace(/[\x00-\x1f\x7f]/g, c => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).slice(0, 500)

/**
 * Content under /ipfs/ is served in a sandbox (an opaque origin, no scripts): a
 * pinned page cannot script the index page or anything else on the gateway's own
 * origin. (A subdomain gateway would give each CID an origin of its own instead.)
 */
/** The media type of a signed IPNS record, and the most bytes a PUT of one may carry (the record specification's limit). */
const IPNS_RECORD = 'application/vnd.ipfs.ipns-record'
const MAX_RECORD_BODY = 10 * 1024

const CONTENT_SECURITY = 'sandbox allow-downloads allow-popups allow-popups-to-escape-sandbox'

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!))

/** `filename*` per RFC 6266 plus an ASCII fallback. */
function disposition (kind: 'attachment' | 'inline', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}

/**
 * Splits `/ipfs/<cid>/<path…>` as sent (not as a URL parser normalises it: that
 * resolves `..`, `%2e%2e` and `\\` before anything could refuse them), refusing
 * segments that would climb out of the CID, encoded or not.
 */
function parsePath (pathname: string): { cid: CID, segments: string[] } {
  if (pathname.length > MAX_PATH) throw new HttpError(414, 'path too long')
  const raw = pathname.split('/').slice(2)
  let cid: CID
  try {
    cid = parseCidText(decodeURIComponent(raw[0] ?? ''))
  } catch {
    throw new HttpError(400, `invalid CID "${raw[0] ?? ''}"`)
  }
  const segments: string[] = []
  for (const part of raw.slice(1)) {
    if (part === '') continue
    let seg: string
    try { seg = decodeURIComponent(part) } catch { throw new HttpError(400, 'malformed path') }
    if (seg === '.' || seg === '..' || part.includes('\\') || seg.includes('/') || seg.includes('\\') || seg.includes('\0')) throw new HttpError(400, `invalid path segment "${part}"`)
    segments.push(seg)
  }
  return { cid, segments }
}

/** The CID of a subdomain request on localhost (`<cid>.ipfs.localhost[:port]`), or undefined. */
function subdomainCid (host: string | undefined): string | undefined {
  const m = /^([a-z0-9]+)\.ipfs\.localhost(:\d+)?$/i.exec(host ?? '')
  if (m == null) return undefined
  try {
    // base32 and base36 CIDv1s only (a host name is case-insensitive); the path form takes the rest
    return CID.parse(m[1].toLowerCase()).toString()
  } catch {
    throw new HttpError(400, `invalid CID "${m[1]}" in the host name`)
  }
}

/** The CAR this gateway writes: version 1, blocks depth first, each once. */
const CAR_TYPE = 'application/vnd.ipld.car; version=1; order=dfs; dups=n'
/** The values of each CAR parameter (IPIP-412) that {@link CAR_TYPE} satisfies. */
const CAR_PARAMS: Record<string, string[]> = { version: ['1'], order: ['dfs', 'unk'], dups: ['n'] }

/** A response in a verifiable format (trustless gateway specification), or undefined for the deserialized one (a file's bytes, a folder's listing). */
type ResponseFormat = 'raw' | 'car' | 'ipns-record' | undefined

/**
 * The format a request asks for: `?format=` first, else `Accept` (most preferred
 * first), as the path and trustless gateway specifications say. `?format=` or a
 * `car-*` parameter this gateway does not serve is 400; an `Accept` naming only
 * IPFS formats it does not write (a CAR of another version, order or dups) is
 * 406; an IPNS record asked of anything but `/ipns/<name>` is 400.
 */
function responseFormat (req: IncomingMessage, url: URL, record: 'no' | 'name' | 'path'): ResponseFormat {
  const ipnsRecord = (): 'ipns-record' => {
    if (record !== 'name') throw new HttpError(400, record === 'no' ? 'an IPNS record is served for /ipns/<name> only' : 'an IPNS record is served for /ipns/<name> only, without a path')
    return 'ipns-record'
  }
  const param = url.searchParams.get('format') ?? ''
  const carQuery = (): void => {
    for (const [name, allowed] of Object.entries(CAR_PARAMS)) {
      const value = url.searchParams.get(`car-${name}`)
      if (value != null && !allowed.includes(value.toLowerCase())) throw new HttpError(400, `unsupported car-${name}=${value.slice(0, 20)}: this gateway writes ${CAR_TYPE.slice('application/vnd.ipld.car; '.length)}`)
    }
  }
  if (param !== '') {
    if (param === 'raw') return 'raw'
    if (param === 'car') { carQuery(); return 'car' }
    if (param === 'ipns-record') return ipnsRecord()
    throw new HttpError(400, `unsupported format=${param.slice(0, 50)}: this gateway serves format=raw, format=car and, for /ipns/<name>, format=ipns-record`)
  }
  const ranges = (req.headers.accept ?? '').split(',').flatMap((text, i) => {
    try {
      const type = new MIMEType(text.trim())
      const q = Number(type.params.get('q') ?? '1')
      return Number.isFinite(q) && q > 0 ? [{ type, q, i }] : []
    } catch {
      return [] // not a media range: ignored, as an unknown one is
    }
  }).sort((a, b) => b.q - a.q || a.i - b.i)
  let refused: string | undefined
  let deserialized = false
  for (const { type } of ranges) {
    const essence = type.essence
    if (essence === 'application/vnd.ipld.raw') return 'raw'
    if (essence === 'application/vnd.ipfs.ipns-record') return ipnsRecord()
    if (essence === 'application/vnd.ipld.car') {
      if (Object.entries(CAR_PARAMS).every(([name, allowed]) => { const v = type.params.get(name); return v == null || allowed.includes(v.toLowerCase()) })) { carQuery(); return 'car' }
      refused ??= type.toString()
    } else if (essence.startsWith('application/vnd.ipld.') || essence.startsWith('application/vnd.ipfs.') || essence === 'application/x-tar') {
      refused ??= type.toString() // an IPFS format this gateway does not write
    } else {
      deserialized = true // */*, text/html, …: a file's bytes or a folder's listing will do
    }
  }
  if (refused != null && !deserialized) throw new HttpError(406, `this gateway does not write ${refused.slice(0, 100)}: it writes application/vnd.ipld.raw, ${CAR_TYPE} and application/vnd.ipfs.ipns-record`)
  return undefined
}

/**
 * An HTTP gateway over the repo, following the IPFS path and trustless gateway
 * specifications for what it serves: `/ipfs/<cid>[/<path>]` (a folder lists its
 * entries; a file is sent with a media type from its name or its bytes),
 * `?filename=…&download=true`, raw blocks and CARs (`?format=` or `Accept`),
 * `HEAD`, `ETag`, immutable caching, `nosniff`. It serves only what is in the
 * store: it never fetches other CIDs. `/` lists the published articles with
 * their Download IPFS links.
 */
export async function startGateway (store: GatewayStore, options: GatewayOptions = {}): Promise<Gateway> {
  const [host, portText] = splitHostPort(options.listen ?? '127.0.0.1:8080')
  const log = options.log ?? ((line: string) => { process.stderr.write(`${line}\n`) })
  let inflight = 0
  const server = createServer((req, res) => {
    inflight++
    handle(req, res, store, options.names).finally(() => { inflight-- }).catch((err: any) => {
      if (err?.code === 'ERR_STREAM_PREMATURE_CLOSE' || res.destroyed) return // the client went away
      const corrupt = err?.code === 'ERR_VERIFICATION_FAILED'
      const status = err instanceof HttpError ? err.status : err?.code === 'ERR_NOT_FOUND' ? 404 : err?.code === 'ERR_INVALID_CID' ? 400 : corrupt ? 502 : 500
      if (status >= 500) log(`gateway: ${req.method} ${sanitize(req.url ?? '')}: ${status} ${sanitize(err?.message ?? String(err))}`)
      if (!res.headersSent) {
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
        res.end(req.method === 'HEAD' ? undefined : `${status === 500 ? 'internal error' : corrupt ? 'this node\'s copy of the content is corrupt' : err.message}\n`)
      } else {
        res.destroy(err)
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void => { reject(err.code === 'EADDRINUSE' ? gatewayInUse(options.listen ?? '127.0.0.1:8080', err) : err) }
    server.once('error', failed)
    server.listen(Number(portText), host, () => { server.off('error', failed); resolve() })
  })
  const addr = server.address() as AddressInfo
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`
  return {
    url,
    server,
    inflight: () => inflight,
    close: async () => new Promise<void>(resolve => {
      server.close(() => resolve())
      server.closeIdleConnections()
    })
  }
}

function splitHostPort (listen: string): [string, string] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(listen)
  if (m == null) throw new HttpError(400, `--gateway-listen "${listen}" is not host:port`)
  return [m[1], m[2]]
}

async function handle (req: IncomingMessage, res: ServerResponse, store: GatewayStore, names?: GatewayNames): Promise<void> {
  const common = { 'X-Content-Type-Options': 'nosniff' }
  if ((req.url ?? '').startsWith('/routing/v1/ipns/') && names != null) {
    await routingIpns(req, res, names)
    return
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...common, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
    res.end('method not allowed\n')
    return
  }
  // a subdomain request (<cid>.ipfs.localhost:<port>, the form of the links made for a
  // localhost gateway) is the path request /ipfs/<cid>/<path>, as Kubo answers on localhost
  const sub = subdomainCid(req.headers.host)
  const sentPath = (req.url ?? '/').split('?')[0]
  // read the path as sent: URL parsing would resolve `..` before we could refuse it
  let rawPath = sub == null ? sentPath : `/ipfs/${sub}${sentPath === '/' ? '' : sentPath}`
  let ipnsPath: string | undefined
  let ttl: number | undefined
  let format: ResponseFormat
  if (sub == null && rawPath.startsWith('/ipns/')) {
    // a name: its record (?format=ipns-record, as the trustless gateway spec says), or what it points to, served as that path
    const [nameText, ...rest] = rawPath.slice('/ipns/'.length).split('/')
    format = responseFormat(req, new URL(req.url ?? '/', 'http://gateway.invalid'), rest.some(seg => seg !== '') ? 'path' : 'name')
    const record = names != null && nameText !== '' ? await resolveName(names, decodeURIComponent(nameText)) : undefined
    if (record == null) throw new HttpError(404, `no record of /ipns/${nameText} here`)
    if (format === 'ipns-record') {
      if (record.bytes == null) throw new HttpError(400, `/ipns/${nameText} is a DNSLink name: it has no signed record`)
      sendRecord(req, res, record as Required<typeof record>, { 'Content-Disposition': disposition('attachment', `${nameText}.ipns-record`) })
      return
    }
    ipnsPath = `/ipns/${nameText}`
    ttl = record.ttl
    rawPath = `${record.value}${rest.length > 0 ? '/' + rest.join('/') : ''}`
  }
  if (rawPath.length > MAX_PATH) throw new HttpError(414, 'path too long')
  if (rawPath.split('/').some(seg => { try { const d = decodeURIComponent(seg); return d === '.' || d === '..' || /(^|[\\/])\.\.?([\\/]|$)/.test(d) } catch { return true } }) || rawPath.includes('\\')) {
    throw new HttpError(400, 'a path may not contain . or .. segments (encoded or not) or backslashes')
  }
  const url = new URL(sub == null ? (ipnsPath != null ? rawPath + new URL(req.url ?? '/', 'http://gateway.invalid').search : (req.url ?? '/')) : `/ipfs/${sub}${req.url ?? '/'}`, 'http://gateway.invalid')
  const head = req.method === 'HEAD'
  if (url.pathname === '/' && sub == null) {
    const rows = await indexRows(store)
    const pages = Math.max(1, Math.ceil(rows.length / INDEX_PAGE_SIZE))
    const pageText = url.searchParams.get('page') ?? '1'
    const page = /^[1-9]\d{0,6}$/.test(pageText) ? Number(pageText) : NaN
    if (!(page >= 1 && page <= pages)) throw new HttpError(404, `no page ${pageText.slice(0, 20)}: pages 1 to ${pages}`)
    const nav = pages === 1
      ? ''
      : `<nav>${page > 1 ? `<a rel="prev" href="/?page=${page - 1}">newer</a> ` : ''}page ${page} of ${pages}${page < pages ? ` <a rel="next" href="/?page=${page + 1}">older</a>` : ''}</nav>`
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Articles</title></head><body><h1>Articles</h1><p>${rows.length} article(s), newest first</p><ul>${rows.slice((page - 1) * INDEX_PAGE_SIZE, page * INDEX_PAGE_SIZE).map(r => r.html).join('\n')}</ul>${nav}</body></html>\n`
    res.writeHead(200, { ...common, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'" })
    res.end(head ? undefined : html)
    return
  }
  if (!url.pathname.startsWith('/ipfs/')) throw new HttpError(404, 'not found: this gateway serves /ipfs/<cid>')
  if (ipnsPath == null) format = responseFormat(req, url, 'no')
  const { cid, segments } = parsePath(rawPath)
  if (!(await store.blockstore.has(cid))) throw new HttpError(404, `${cid} is not in this node's store`)
  // a raw block or a CAR of the CID itself is sent whatever its blocks decode to: only a path is read as UnixFS
  // (a path that goes on past a file is 404, "no such path", as a missing name is)
  let entry = format != null && segments.length === 0
    ? undefined
    : await resolvePath(cid, segments, store.blockstore).catch((err: unknown) => {
      if (isNotUnixFS(err)) throw new HttpError(400, `${url.pathname} is not UnixFS data: fetch it with ?format=raw or ?format=car`)
      throw err
    })
  if (entry?.type === 'directory' && format == null) {
    // a folder with an index.html is a web site (an edition): its page is served for the folder, at a path ending in /
    const index = await exporter(`${entry.cid}/index.html`, store.blockstore).catch(() => undefined)
    if (index != null && (index.type === 'file' || index.type === 'raw')) {
      const shown = sub == null ? sentPath : (req.url ?? '/').split('?')[0]
      if (!shown.endsWith('/')) {
        res.writeHead(301, { ...common, Location: `${shown}/${url.search}` })
        res.end()
        return
      }
      entry = index
      segments.push('index.html')
    }
  }
  const target = entry?.cid ?? cid
  const headers: Record<string, string> = { ...common, 'Cache-Control': ttl != null ? `public, max-age=${ttl}` : IMMUTABLE, 'X-Ipfs-Path': `/ipfs/${cid}${segments.map(seg => `/${encodeURIComponent(seg)}`).join('')}`, 'Content-Security-Policy': CONTENT_SECURITY }
  if (ipnsPath != null) headers['X-Ipfs-Roots'] = cid.toString()
  if (format === 'raw') {
    const bytes = await readAll(store.blockstore.get(target))
    const etag = `"${target}.raw"`
    if (req.headers['if-none-match'] === etag) { res.writeHead(304, { ...headers, ETag: etag }); res.end(); return }
    res.writeHead(200, { ...headers, ETag: etag, 'Content-Type': 'application/vnd.ipld.raw', 'Content-Length': String(bytes.byteLength), 'Content-Disposition': disposition('attachment', `${target}.bin`) })
    res.end(head ? undefined : bytes)
    return
  }
  if (format === 'car') {
    const etag = `"${target}.car"`
    res.writeHead(200, { ...headers, ETag: etag, 'Content-Type': CAR_TYPE, 'Content-Disposition': disposition('attachment', `${target}.car`) })
    if (head) { res.end(); return }
    // pipeline: a client that goes away ends the export, instead of leaving it waiting for 'drain'
    await pipeline(Readable.from(exportCar([target], store.blockstore)), res)
    return
  }
  if (entry == null) throw new Error(`no entry for a ${format} response`) // format is raw or car when the entry was not read
  const etag = `"${target}"`
  if (req.headers['if-none-match'] === etag) { res.writeHead(304, { ...headers, ETag: etag }); res.end(); return }
  if (entry.type === 'directory') {
    // links relative to the origin the listing was asked for (a subdomain origin holds the CID already)
    const shown = sub == null ? url.pathname : new URL(req.url ?? '/', 'http://gateway.invalid').pathname
    const base = shown.endsWith('/') ? shown : `${shown}/`
    const items: string[] = []
    for await (const e of entry.entries()) items.push(`<li><a href="${base}${encodeURIComponent(e.name)}">${escapeHtml(e.name)}</a></li>`)
    res.writeHead(200, { ...headers, ETag: etag, 'Content-Type': 'text/html; charset=utf-8' })
    res.end(head ? undefined : `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(url.pathname)}</title></head><body><h1>${escapeHtml(url.pathname)}</h1><ul>${items.join('')}</ul></body></html>\n`)
    return
  }
  if (entry.type === 'object') throw new HttpError(400, 'not UnixFS: fetch it with ?format=raw or ?format=car')
  if (entry.type === 'file' && entry.unixfs.type === 'symlink') {
    // not followed (it names a path on the publisher's machine): its target as text, as Kubo answers
    const link = Buffer.from(entry.unixfs.data ?? new Uint8Array())
    res.writeHead(200, { ...headers, ETag: etag, 'Content-Type': 'inode/symlink', 'Content-Length': String(link.byteLength) })
    res.end(head ? undefined : link)
    return
  }
  const name = segments.at(-1) ?? ''
  let type = typeOfName(name)
  const first: Uint8Array[] = []
  const content = fileContent(entry.cid, store.blockstore)
  if (type == null) {
    // sniff: text when the first bytes are UTF-8 without NUL, else octet-stream
    const { value } = await content.next()
    if (value != null) first.push(value)
    const sample = first[0]?.subarray(0, 4096) ?? new Uint8Array()
    type = sample.length === 0 || (isUtf8(sample.subarray(0, Math.max(0, sample.length - 3))) && !sample.includes(0)) ? 'text/plain; charset=utf-8' : 'application/octet-stream'
  }
  const filename = url.searchParams.get('filename')
  const download = url.searchParams.get('download') === 'true'
  if (filename != null || download) headers['Content-Disposition'] = disposition(download ? 'attachment' : 'inline', filename ?? (name !== '' ? name : target.toString()))
  headers['Accept-Ranges'] = 'bytes'
  const size = Number(entry.size)
  const range = parseRange(req.headers.range, size)
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` })
    res.end()
    return
  }
  if (range != null) {
    // one range, as readers resuming a download ask (several ranges: the whole file, as RFC 9110 allows)
    res.writeHead(206, { ...headers, ETag: etag, 'Content-Type': type, 'Content-Length': String(range.end - range.start + 1), 'Content-Range': `bytes ${range.start}-${range.end}/${size}` })
    if (head) { res.end(); return }
    await pipeline(Readable.from(fileContent(entry.cid, store.blockstore, { offset: range.start, length: range.end - range.start + 1 })), res)
    return
  }
  res.writeHead(200, { ...headers, ETag: etag, 'Content-Type': type, 'Content-Length': String(entry.size) })
  if (head) { res.end(); return }
  await pipeline(Readable.from((async function * () { yield * first; yield * content })()), res)
}

/**
 * The IPNS part of the Delegated Routing V1 HTTP API: `GET /routing/v1/ipns/<name>`
 * gives the signed record, `PUT` takes one (validated; a bad signature or a lower
 * sequence number is refused with 400, as a DHT node would refuse it) of a name the
 * node serves, or with the access token (`refusePut`: 403 otherwise, before the body
 * is read).
 */
async function routingIpns (req: IncomingMessage, res: ServerResponse, names: GatewayNames): Promise<void> {
  const name = decodeURIComponent((req.url ?? '').slice('/routing/v1/ipns/'.length).split(/[/?]/)[0])
  const headers = { 'X-Content-Type-Options': 'nosniff' }
  if (req.method === 'PUT' && names.put != null) {
    const request = { authorization: req.headers.authorization }
    const refused = await names.refusePut?.(name, request)
    if (refused != null) throw new HttpError(refused.status, refused.message)
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).byteLength
      if (size > MAX_RECORD_BODY) throw new HttpError(413, 'an IPNS record is at most 10 KiB')
      chunks.push(chunk as Buffer)
    }
    try {
      await names.put(name, Buffer.concat(chunks), request)
    } catch (err: any) {
      throw new HttpError(typeof err?.status === 'number' ? err.status : err?.code === 'ERR_IPNS' || err?.code === 'ERR_INVALID_ARGUMENT' ? 400 : 500, err.message)
    }
    res.writeHead(200, headers)
    res.end()
    return
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...headers, Allow: names.put != null ? 'GET, HEAD, PUT' : 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
    res.end('method not allowed\n')
    return
  }
  const record = await resolveName(names, name)
  if (record?.bytes == null) throw new HttpError(404, `no record of ${name} here`)
  sendRecord(req, res, record as Required<typeof record>)
}

/** What a name points to, for a response: a malformed name is 400, one that cannot be resolved 404. */
async function resolveName (names: GatewayNames, name: string): ReturnType<GatewayNames['resolve']> {
  return await names.resolve(name).catch((err: any) => { throw new HttpError(err?.code === 'ERR_INVALID_ARGUMENT' ? 400 : 404, err.message) })
}

/** A signed IPNS record as the response, cacheable for its TTL. */
function sendRecord (req: IncomingMessage, res: ServerResponse, record: { bytes: Uint8Array, ttl: number }, extra: Record<string, string> = {}): void {
  res.writeHead(200, { 'X-Content-Type-Options': 'nosniff', 'Content-Type': IPNS_RECORD, 'Content-Length': String(record.bytes.byteLength), 'Cache-Control': `public, max-age=${record.ttl}`, ...extra })
  res.end(req.method === 'HEAD' ? undefined : record.bytes)
}

/** A single `Range: bytes=…` of a file of `size` bytes: the bytes asked for, null to send the whole file, or unsatisfiable. */
function parseRange (header: string | undefined, size: number): { start: number, end: number } | null | 'unsatisfiable' {
  if (header == null) return null
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m == null || (m[1] === '' && m[2] === '')) return null // not one byte range (or several): the whole file
  let start: number
  let end: number
  if (m[1] === '') {
    // the last N bytes
    const n = Number(m[2])
    if (n === 0) return 'unsatisfiable'
    start = Math.max(0, size - n)
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
    if (m[2] !== '' && Number(m[2]) < start) return null
  }
  if (start >= size) return 'unsatisfiable'
  return { start, end }
}

/** The index page's rows, one per article (its current version, newest date first, then title; a corrected one marked, with its earlier versions), rebuilt only when the repo changed. */
const indexCache = new WeakMap<GatewayStore, { generation: number, rows: Array<{ html: string }> }>()
async function indexRows (store: GatewayStore): Promise<Array<{ html: string }>> {
  const generation = store.generation?.()
  const cached = indexCache.get(store)
  if (cached != null && generation != null && cached.generation === generation) return cached.rows
  const rows: Array<{ html: string }> = []
  for (const story of await listStories(store.datastore)) {
    const html = indexRow(story.current, story.earlier)
    if (html !== '') rows.push({ html })
  }
  if (generation != null) indexCache.set(store, { generation, rows })
  return rows
}

type IndexRecord = { cid: string, title: string | null, date: string | null, link: string, files: Array<{ name: string }> }

/** The download link of one version of an article, or undefined when its CID is not one. */
function downloadHref (r: IndexRecord): { cid: string, href: string } | undefined {
  let cid: string
  try { cid = CID.parse(r.cid).toString() } catch { return undefined }
  const file = r.files.find(f => f.name !== BUNDLE_FILES.metadata)?.name ?? BUNDLE_FILES.text
  let filename = `${cid}.txt`
  try { filename = new URL(r.link).searchParams.get('filename') ?? filename } catch {}
  return { cid, href: `/ipfs/${encodeURIComponent(cid)}/${encodeURIComponent(file)}?${new URLSearchParams({ filename, download: 'true' }).toString()}` }
}

/** One article of the index page, built from its records, every value escaped for where it goes. */
function indexRow (r: IndexRecord, earlier: IndexRecord[]): string {
  const d = downloadHref(r)
  if (d == null) return ''
  const versions = earlier.map(e => ({ e, d: downloadHref(e) })).filter(v => v.d != null).map((v, i) => `<a href="${escapeHtml(v.d!.href)}">${i + 1}</a>${v.e.date != null ? ` (${escapeHtml(v.e.date)})` : ''}`)
  const corrected = earlier.length > 0 ? ` <em>corrected</em>${versions.length > 0 ? ` <small>earlier version${versions.length > 1 ? 's' : ''}: ${versions.join(', ')}</small>` : ''}` : ''
  return `<li><strong>${escapeHtml(r.title ?? '(untitled)')}</strong> <small>${escapeHtml(r.date ?? '')}</small> <a href="${escapeHtml(d.href)}">Download IPFS</a> <code>${escapeHtml(d.cid)}</code>${corrected}</li>`
}
