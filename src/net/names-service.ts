import { setTimeout as sleep } from 'node:timers/promises'
import { createHash } from 'node:crypto'
import { acceptRecord, listRecords, parseName, refreshRecord, routingKey, validateRecord } from '../core/ipns/names.js'
import { listKeys } from '../core/ipns/keystore.js'
import { resolveIpnsPath } from './ipns-path.js'
import { checkBearer } from './bearer.js'
import { withTimeout } from './with-timeout.js'
import type { GatewayNames } from './gateway.js'
import type { Repo } from '../core/store/repo.js'
import type { AbortOptions } from 'abort-error'

export interface NamesServiceOptions extends AbortOptions {
  /** Put records to the node's routing (the DHT) and look names up there. */
  routing: boolean
  /** DNS for DNSLink names. */
  dnsResolver?: string
  /** `--net local`: DNSLink only through `dnsResolver`. */
  local?: boolean
  /** How often the repo is checked for new records and records near expiry, in ms. @default 1000 */
  intervalMs?: number
  /** A record of one of the repo's keys is signed again when less than this much of its validity is left, in ms. @default 24 hours */
  refreshBeforeMs?: number
  /** Where failures of the background work are told (they are not fatal). */
  warn?: (line: string) => void
  /** Told after each record is put to the routing (tests wait for it). */
  onPut?: (name: string) => void
  /** Names whose records anyone may PUT through the gateway (`serve --accept-name`), besides the repo's keys and the names it holds a record of. */
  acceptNames?: string[]
  /** The access token (IPFS_PUBLISH_RPC_TOKEN): a PUT with `Authorization: Bearer <it>` may bring a record of any name. */
  token?: string
  /** The most names whose records the repo keeps from others (PUTs and the routing; its own keys not counted). @default 1000 */
  maxNames?: number
}

/**
 * The IPNS side of `serve`: answers `/ipns/<name>` for the gateway (the repo's
 * records, DNSLink for domains, and the routing for names it does not hold),
 * puts each new record of the repo to the routing as soon as any process
 * commits it, and keeps the records of the repo's keys alive: each is signed
 * again (same value and sequence number, a new validity) before it expires.
 */
export function startNames (repo: Repo, options: NamesServiceOptions): { names: GatewayNames, done: Promise<void> } {
  const routing = options.routing ? repo.helia.routing : undefined
  const accepted = new Set((options.acceptNames ?? []).map(n => parseName(n).name))
  const maxNames = options.maxNames ?? 1000
  const token = options.token != null && options.token !== '' ? options.token : undefined
  const ownNames = async (): Promise<Set<string>> => new Set((await listKeys(repo.path)).map(k => k.id))
  const held = async (name: string): Promise<boolean> => { for await (const r of listRecords(repo)) if (r.name === name) return true; return false }
  /** Whether a record of a name not held yet may be kept: fewer than maxNames names of others are. */
  const room = async (): Promise<boolean> => {
    const own = await ownNames()
    let others = 0
    for await (const r of listRecords(repo)) if (!own.has(r.name) && ++others >= maxNames) return false
    return true
  }
  /** Why a PUT of a record of `name` is refused (undefined: it is taken). */
  const refusePut = async (input: string, request: { authorization?: string }): Promise<{ status: number, message: string } | undefined> => {
    let name: string
    try { name = parseName(input).name } catch (err: any) { return { status: 400, message: err.message } }
    const auth = token != null && request.authorization != null ? checkBearer(request.authorization, token) : 'missing'
    if (auth === 'wrong') return { status: 403, message: 'the access token is not valid' }
    if ((await ownNames()).has(name)) return undefined
    const known = accepted.has(name) || await held(name)
    if (!known && auth !== 'ok') return { status: 403, message: `this node keeps records only of the names it serves (its keys, the names it holds a record of, serve --accept-name): ${name} needs the access token` }
    if (!(await held(name)) && !(await room())) return { status: 507, message: `this node keeps the records of at most ${maxNames} names of others: ${name} is not taken` }
    return undefined
  }
  const names: GatewayNames = {
    async resolve (name, o = {}) {
      try {
        const r = await resolveIpnsPath(repo, `/ipns/${name}`, { dnsResolver: options.dnsResolver, local: options.local, signal: o.signal })
        return { bytes: r.record, value: r.path, ttl: r.ttl }
      } catch (err: any) {
        if (routing == null || err?.code !== 'ERR_NOT_FOUND' || name.includes('.')) throw err
      }
      // a name the repo holds no record of: ask the routing, keep what it finds (validated)
      const key = routingKey(name)
      const bytes = await routing.get(key, { signal: withTimeout(10_000, o.signal) }).catch(() => undefined)
      if (bytes == null) return undefined
      // kept while there is room; served from the routing's answer (validated) otherwise
      if (!(await room())) {
        const record = await validateRecord(parseName(name).name, bytes)
        return record.value.startsWith('/ipfs/') ? { bytes: record.bytes, value: record.value, ttl: Math.max(1, Math.floor(record.ttl / 1000)) } : undefined
      }
      const record = await acceptRecord(repo, parseName(name).name, bytes)
      const r = await resolveIpnsPath(repo, `/ipns/${record.name}`, { dnsResolver: options.dnsResolver, local: options.local, signal: o.signal })
      return { bytes: r.record, value: r.path, ttl: r.ttl }
    },
    refusePut,
    async put (name, bytes, request = {}) {
      const refused = await refusePut(name, request)
      if (refused != null) throw Object.assign(new Error(refused.message), { status: refused.status })
      await acceptRecord(repo, parseName(name).name, bytes)
    }
  }
  const stopped = (): boolean => options.signal?.aborted === true
  const done = (async () => {
    const put = new Map<string, string>()
    let generation = -1
    let lastRefresh = 0
    while (!stopped()) {
      try {
        const now = repo.generation()
        const refreshDue = Date.now() - lastRefresh >= (options.intervalMs ?? 1000) * 10
        if (now !== generation || refreshDue) {
          generation = now
          if (refreshDue) {
            lastRefresh = Date.now()
            for (const key of await listKeys(repo.path)) await refreshRecord(repo, key.name, { before: options.refreshBeforeMs, signal: options.signal }).catch((err: Error) => options.warn?.(`could not refresh the record of ${key.id}: ${err.message}`))
          }
          for await (const { name, bytes } of listRecords(repo, options)) {
            const digest = createHash('sha256').update(bytes).digest('hex')
            if (routing == null || put.get(name) === digest) continue
            try {
              await validateRecord(name, bytes, options)
              await routing.put(routingKey(name), bytes, { signal: options.signal })
              put.set(name, digest)
              options.onPut?.(name)
            } catch (err: any) {
              if (stopped()) break
              options.warn?.(`could not put the record of ${name} to the routing: ${err.message}`)
            }
          }
        }
      } catch (err: any) {
        if (stopped()) break
        options.warn?.(`names: ${err.message}`)
      }
      await sleep(options.intervalMs ?? 1000, undefined, { signal: options.signal }).catch(() => {})
    }
  })()
  return { names, done }
}
