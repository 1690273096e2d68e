import { InvalidArgumentError, NotFoundError, RemotePinError } from '../../errors.js'
import { parseCid } from '../../core/cid.js'
import { parseDuration } from '../parse-size.js'
import { ignoredNetOptions, netOptions, resolveNetOptions } from '../net-options.js'
import type { Context } from '../context.js'
import type { PinningClient, PinState } from '../../net/pinning/client.js'
import type { Argv } from 'yargs'
import { printable } from '../printable.js'
import { refuseOffMachine } from '../net-guard.js'
import { isLoopbackMultiaddr } from '../../net/loopback.js'

/** `--service <name>` or `--service-url <url>` with IPFS_PINNING_TOKEN: the options every remote command takes. */
export function serviceOptions (y: Argv): Argv {
  return y
    .option('service', { type: 'string', describe: 'a service added with `pin remote service add`' })
    .option('service-url', { type: 'string', describe: 'a service endpoint given inline (token from $IPFS_PINNING_TOKEN), e.g. for CI' })
}

/** A client for the service the arguments name; the token comes from the environment or a file, never from an argument. */
export async function clientFor (args: { service?: string, serviceUrl?: string, net?: string }, ctx: Context): Promise<PinningClient> {
  const { PinningClient } = await import('../../net/pinning/client.js')
  const { checkEndpoint, getService, readToken } = await import('../../net/pinning/services.js')
  if ((args.service == null) === (args.serviceUrl == null)) throw new InvalidArgumentError('name the pinning service with exactly one of --service <name> or --service-url <url>')
  let service: { endpoint: string, name: string, tokenEnv?: string, tokenFile?: string }
  if (args.serviceUrl != null) {
    const endpoint = checkEndpoint(args.serviceUrl)
    service = { name: endpoint, endpoint, tokenEnv: 'IPFS_PINNING_TOKEN' }
  } else {
    const repo = await ctx.repo()
    service = await getService(repo.datastore, args.service!)
  }
  // --net local talks to this machine only: a service elsewhere is not called (nor its name resolved)
  refuseOffMachine(args.net === 'local', serviceFlag(args), service.endpoint)
  return new PinningClient({ endpoint: service.endpoint, token: await readToken(service, ctx.env) })
}

/** A service as --json shows it (add and ls): where its token comes from, never the token. */
function serviceRecord (s: { name: string, endpoint: string, kind?: string, tokenEnv?: string, tokenFile?: string }): Record<string, unknown> {
  const source = s.tokenEnv != null ? `$${s.tokenEnv}` : s.tokenFile
  return { name: s.name, endpoint: s.endpoint, kind: s.kind ?? 'psa', token: source ?? null }
}

/** How a message names the service: by its name (its endpoint is in the repo), or as the URL given inline. */
function serviceFlag (args: { service?: string }): string {
  return args.service != null ? `the service "${args.service}" at` : '--service-url'
}

export const remoteBuilder = (y: Argv, ctx: Context): Argv => y
  .command('service <command>', 'configure remote pinning services', (s: Argv) => ignoredNetOptions(s)
    .command('add <name> <endpoint>', 'add a service; the token is read from --token-env or --token-file when used', (b: Argv) => b
      .positional('name', { type: 'string' }).positional('endpoint', { type: 'string' })
      .option('token-env', { type: 'string', describe: 'environment variable that holds the access token' })
      .option('token-file', { type: 'string', describe: 'file that holds the access token' })
      .option('kind', { type: 'string', choices: ['psa', 'kubo-rpc'], default: 'psa', describe: 'psa: the Pinning Service API (pins by CID, fetches from this node); kubo-rpc: uploads a CAR to a Kubo RPC API (dag/import), token optional' }),
    async (a: any) => {
      const repo = await ctx.repo({ access: 'write' })
      const { addService } = await import('../../net/pinning/services.js')
      const service = { name: a.name, endpoint: a.endpoint, kind: a.kind, tokenEnv: a.tokenEnv, tokenFile: a.tokenFile != null ? ctx.resolve(a.tokenFile) : undefined }
      await addService(repo.datastore, service)
      await repo.flush()
      if (ctx.json) await ctx.out(JSON.stringify(serviceRecord(service)) + '\n')
      else await ctx.out(`added service ${a.name}\n`)
    })
    .command('ls', 'list services (never their tokens)', (b: Argv) => b, async () => {
      const repo = await ctx.repo()
      const { listServices } = await import('../../net/pinning/services.js')
      for await (const s of listServices(repo.datastore)) {
        const source = s.tokenEnv != null ? `$${s.tokenEnv}` : s.tokenFile
        if (ctx.json) await ctx.out(JSON.stringify(serviceRecord(s)) + '\n')
        else await ctx.out(`${s.name}  ${s.kind ?? 'psa'}  ${s.endpoint}  ${source != null ? `token from ${source}` : 'no token'}\n`)
      }
    })
    .command('rm <name>', 'remove a service', (b: Argv) => b.positional('name', { type: 'string' }), async (a: any) => {
      const repo = await ctx.repo({ access: 'write' })
      const { removeService } = await import('../../net/pinning/services.js')
      await removeService(repo.datastore, a.name)
      await repo.flush()
      if (ctx.json) await ctx.out(JSON.stringify({ name: a.name, removed: true }) + '\n')
      else await ctx.out(`removed service ${a.name}\n`)
    })
    .demandCommand(1, 'name a service command: add, ls or rm'))
  .command('add <cids..>', 'ask remote services to pin CIDs, serving them until each reports pinned', (b: Argv) => netOptions(serviceOptions(b))
    .option('service', { type: 'string', array: true, describe: 'a service added with `pin remote service add` (repeatable: every one is asked)' })
    .option('service-url', { type: 'string', array: true, describe: 'a service endpoint given inline, token from $IPFS_PINNING_TOKEN (repeatable)' })
    .option('service-kind', { type: 'string', choices: ['psa', 'kubo-rpc'], default: 'psa', describe: 'the kind of the --service-url endpoints: psa, or kubo-rpc (a CAR upload)' })
    .positional('cids', { type: 'string', array: true, default: undefined })
    .option('name', { type: 'string', describe: 'the pin\'s name (default: the article\'s slug, else the CID)' })
    .option('background', { type: 'boolean', default: false, describe: 'return once the request is queued' })
    .option('delegates', { type: 'boolean', default: true, describe: 'dial the delegates the service names (--no-delegates to skip)' })
    .option('timeout', { type: 'string', describe: 'stop waiting after this long (e.g. 10m): exit 1' }),
  async (a: any) => { await remoteAdd(a, a.cids.map((c: string) => parseCid(c).toString()), ctx) })
  .command('ls', 'list the pin requests of a service (all pages)', (b: Argv) => serviceOptions(ignoredNetOptions(b))
    .option('status', { type: 'string', array: true, choices: ['queued', 'pinning', 'pinned', 'failed'], describe: 'only these statuses (default: all)' })
    .option('cid', { type: 'string', array: true, describe: 'only these CIDs' }),
  async (a: any) => {
    const client = await clientFor(a, ctx)
    for await (const p of client.list({ cid: a.cid?.map((c: string) => parseCid(c).toString()), status: a.status }, { signal: ctx.signal })) {
      // every string the service sent goes through the token's mask
      const m = (v: string): string => client.mask(String(v))
      if (ctx.json) await ctx.out(JSON.stringify({ cid: m(p.pin.cid), status: m(p.status), name: p.pin.name != null ? m(p.pin.name) : null, requestid: m(p.requestid), created: m(p.created) }) + '\n')
      else await ctx.out(`${printable(m(p.pin.cid))}  ${printable(m(p.status))}  ${printable(m(p.pin.name ?? ''))}\n`)
    }
  })
  .command('rm <cids..>', 'remove the pin requests of CIDs from a service', (b: Argv) => serviceOptions(ignoredNetOptions(b)).positional('cids', { type: 'string', array: true, default: undefined }), async (a: any) => {
    const client = await clientFor(a, ctx)
    for (const c of a.cids.map((x: string) => parseCid(x).toString())) {
      let removed = 0
      for await (const p of client.list({ cid: [c] }, { signal: ctx.signal })) { await client.remove(p.requestid, { signal: ctx.signal }); removed++ }
      if (removed === 0) throw new NotFoundError(`${c} is not pinned on that service`)
      if (ctx.json) await ctx.out(JSON.stringify({ cid: c, removed }) + '\n')
      else await ctx.out(`removed ${c}\n`)
    }
  })
  .demandCommand(1, 'name a remote command: service, add, ls or rm')

/** The targets of a remote pin, each with its client. */
export interface RemoteTargets { targets: Target[], clients: Array<{ target: Target, client: Awaited<ReturnType<typeof anyClientFor>> }> }

/** Whether this node must be online while the targets pin: only the Pinning Service API fetches from it (a CAR upload carries the blocks), and a named service's kind is known once the repo is open. */
function needsOnline (targets: Target[]): boolean {
  return targets.some(t => t.service != null || t.kind === 'psa')
}

/**
 * Every target's client, before any request or any other work (publish calls it
 * before it publishes): a bad target (an unknown name, a missing token, an
 * endpoint off this machine under --net local, a bad --timeout) is a usage error
 * while nothing has been done. The repo is opened online when a target may need it.
 */
export async function remoteTargets (a: any, ctx: Context): Promise<RemoteTargets> {
  const list = (v: unknown): string[] => v == null ? [] : (Array.isArray(v) ? v : [v]).map(String)
  const inlineKind = checkKind(a.serviceKind ?? 'psa')
  const targets: Target[] = [
    ...list(a.service).map(service => ({ label: service, service })),
    ...list(a.serviceUrl).map(serviceUrl => ({ label: serviceUrl, serviceUrl, kind: inlineKind }))
  ]
  if (targets.length === 0) throw new InvalidArgumentError('name the pinning service with --service <name> or --service-url <url>')
  if (a.timeout != null) parseDuration(a.timeout, '--timeout')
  // the repo is opened once per command: online first when a target may fetch from this node
  if (a.background !== true && needsOnline(targets)) await openOnline(a, ctx)
  const clients = await Promise.all(targets.map(async t => ({ target: t, client: await anyClientFor({ service: t.service, serviceUrl: t.serviceUrl, kind: t.kind, net: a.net }, ctx) })))
  return { targets, clients }
}

/** A remote pinning target: a service added by name, or an endpoint given inline. */
interface Target { label: string, service?: string, serviceUrl?: string, kind?: ServiceKind }

/** One CID on one target, as reported; `before`: what the target held before this run asked (pinned, a pending request, or nothing). */
interface TargetResult { cid: string, target: string, status: PinState | 'failed', seconds: number, requestid?: string, reason?: string, before: PinState | null }

/** Pin requests (and status polls) in flight at once per Pinning Service API target. */
const PSA_REQUESTS_AT_ONCE = 8
/** CAR uploads at once per Kubo RPC target (a `serve --rpc-listen` imports 2 at once and answers 503 beyond). */
const UPLOADS_AT_ONCE = 2

/** Uploads `cid` to a Kubo RPC target: the default streams its whole DAG as a CAR ({@link uploadCar}); `edition` sends only what the target lacks. */
export type KuboUpload = ((client: import('../../net/pinning/kubo-rpc.js').KuboRpcClient, cid: string, ctx: Context, signal: AbortSignal) => Promise<void>) & {
  /** Whether a CID the target says it pins (`pin/ls`) is not uploaded. @default true */
  askFirst?: boolean
}

/**
 * Pins CIDs on every target given (`--service`/`--pin-remote` names and
 * `--service-url`/`--pin-remote-url` endpoints, each repeatable), all targets at
 * once. Each target is first asked what it already holds (the Pinning Service
 * API: `GET /pins?cid=…`, 10 CIDs a call; Kubo: `pin/ls`), so that a CID pinned
 * there is not asked for again and a request still pending is reused. On a
 * Pinning Service API every request is sent first, then all are waited on
 * together (at most {@link PSA_REQUESTS_AT_ONCE} calls in flight), so one CID the
 * service keeps queued holds up no other; on Kubo the CARs are uploaded
 * {@link UPLOADS_AT_ONCE} at a time. `--timeout` bounds each CID on each target
 * on its own, from when its request is sent. Unless `--background`, this node
 * goes online (so a service can fetch from it), dials the delegates, and waits
 * for `pinned`. Every target is tried to the end; one result per CID and target
 * is reported (`--json`: `{cid, target, status, seconds, requestid, reason,
 * before}`), then a target that failed makes the command fail (exit 1). Shared
 * with `publish --pin-remote` and `edition --pin-remote`.
 */
export async function remoteAdd (a: any, cids: string[], ctx: Context, names: Map<string, string> = new Map(), prepared?: RemoteTargets, kuboUpload: KuboUpload = uploadCar): Promise<void> {
  const perCid = a.timeout != null ? parseDuration(a.timeout, '--timeout') : undefined
  /** A CID's own deadline, from now. */
  const deadline = (): { timeout?: AbortSignal, signal: AbortSignal } => {
    const timeout = perCid != null ? AbortSignal.timeout(perCid) : undefined
    return { timeout, signal: timeout != null ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal }
  }
  let origins: string[] = []
  let libp2p: any
  const { targets, clients } = prepared ?? await remoteTargets(a, ctx)
  if (a.background !== true && needsOnline(targets)) {
    const repo = await openOnline(a, ctx)
    libp2p = (repo.helia as any).libp2p
    origins = libp2p.getMultiaddrs().map(String)
  }
  const { existingPins, limiter, requestPin, waitPinned } = await import('../../net/pinning/remote-pin.js')
  const local = (await resolveNetOptions(a)).net === 'local'
  const results: TargetResult[] = []
  const dialled = new Set<string>()
  await Promise.all(clients.map(async ({ target, client: chosen }) => {
    const report = (cid: string, started: number, r: Omit<TargetResult, 'cid' | 'target' | 'seconds'>): void => {
      results.push({ cid, target: target.label, seconds: Math.round((performance.now() - started) / 10) / 100, ...r })
    }
    if (chosen.kind === 'kubo-rpc') {
      const client = chosen.client
      const limit = limiter(UPLOADS_AT_ONCE)
      await Promise.all(cids.map(async cid => await limit(async () => {
        const started = performance.now()
        const { timeout, signal } = deadline()
        let before: PinState | null = null
        try {
          // asked first: what the target pins already is not uploaded again
          if (kuboUpload.askFirst !== false && await alreadyPinned(client, cid, signal)) before = 'pinned'
          else await kuboUpload(client, cid, ctx, signal)
          report(cid, started, { status: 'pinned', before })
        } catch (err: any) {
          if (ctx.signal.aborted) throw err
          report(cid, started, { status: 'failed', before, reason: timeout?.aborted === true ? 'timed out uploading the CAR' : client.mask(String(err?.message ?? err)) })
        }
      })))
      return
    }
    const client = chosen.client
    const limit = limiter(PSA_REQUESTS_AT_ONCE)
    const onProgress = (e: any): void => { if (ctx.isTTY && !ctx.quiet) ctx.info(`${e.detail.cid}: ${client.mask(String(e.detail.status))} on ${target.label}`) }
    const onDelegates = async (delegates: string[]): Promise<void> => {
      if (a.delegates === false || libp2p == null) return
      const { multiaddr } = await import('@multiformats/multiaddr')
      for (const d of delegates.map(x => client.mask(String(x)))) {
        // each delegate once per run, however many CIDs name it
        if (dialled.has(d)) continue
        dialled.add(d)
        // --net local resolves nothing and dials nothing but loopback: a /dnsaddr or public delegate is not touched
        if (local && !isLoopbackMultiaddr(d)) { ctx.warn(`delegate ${d} is not on loopback: not dialled (--net local)`); continue }
        try { await libp2p.dial(multiaddr(d), { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(10_000)]) }) } catch (err: any) { ctx.warn(`could not dial delegate ${d}: ${client.mask(String(err.message))}`) }
      }
    }
    // 1. what the service holds already: 10 CIDs a call
    const existing = new Map<string, import('../../net/pinning/client.js').PinStatus>()
    const lookupFailed = new Map<string, string>()
    const batches: string[][] = []
    for (let i = 0; i < cids.length; i += 10) batches.push(cids.slice(i, i + 10))
    await Promise.all(batches.map(async batch => await limit(async () => {
      const { timeout, signal } = deadline()
      try {
        for (const [cid, s] of await existingPins(client, batch, { signal })) existing.set(cid, s)
      } catch (err: any) {
        if (ctx.signal.aborted) throw err
        for (const cid of batch) lookupFailed.set(cid, timeout?.aborted === true ? 'timed out asking the service what it holds' : client.mask(String(err?.message ?? err)))
      }
    })))
    // 2. every request sent (or found), each CID's deadline from then; 3. all waited on together
    const sent = await Promise.all(cids.map(async cid => {
      const started = performance.now()
      const had = existing.get(cid)
      const before = had != null ? client.mask(String(had.status)) as PinState : null
      if (lookupFailed.has(cid)) { report(cid, started, { status: 'failed', before, reason: lookupFailed.get(cid) }); return undefined }
      return await limit(async () => {
        const { timeout, signal } = deadline()
        try {
          const status = await requestPin(client, cid, had, { name: a.name ?? names.get(cid) ?? cid, origins, signal, onProgress, onDelegates })
          return { cid, started, before, timeout, signal, status }
        } catch (err: any) {
          if (ctx.signal.aborted) throw err
          report(cid, started, { status: 'failed', before, reason: timeout?.aborted === true ? 'timed out asking the service to pin it' : client.mask(String(err?.message ?? err)) })
          return undefined
        }
      })
    }))
    await Promise.all(sent.map(async r => {
      if (r == null) return
      let last: PinState = r.status.status
      try {
        const status = await waitPinned(client, r.cid, r.status, { background: a.background === true, signal: r.signal, limit, onProgress: (e) => { last = e.detail.status; onProgress(e) } })
        report(r.cid, r.started, { status: client.mask(String(status.status)) as PinState, requestid: client.mask(String(status.requestid)), before: r.before })
      } catch (err: any) {
        if (ctx.signal.aborted) throw err
        const reason = r.timeout?.aborted === true
          ? `timed out waiting for the service to pin it (last status: ${client.mask(String(last))})`
          : client.mask(String(err?.message ?? err))
        report(r.cid, r.started, { status: 'failed', requestid: client.mask(String(r.status.requestid)), reason, before: r.before })
      }
    }))
  }))
  // one report, in the order asked: by CID, then by target
  const order = (r: TargetResult): number => cids.indexOf(r.cid) * targets.length + targets.findIndex(t => t.label === r.target)
  results.sort((x, y) => order(x) - order(y))
  for (const r of results) {
    const line = `${r.cid} ${printable(r.status)} ${printable(r.target)} ${r.seconds.toFixed(2)}s${r.reason != null ? ` ${printable(r.reason)}` : ''}`
    if (ctx.json) await ctx.out(JSON.stringify(r) + '\n')
    // publish --pin-remote: stdout keeps one format (the publish results); each status is a note
    else if (a.asNote === true) ctx.notice(`${r.cid}: ${printable(r.status)} on ${printable(r.target)} (${r.seconds.toFixed(2)} s)${r.reason != null ? `: ${printable(r.reason)}` : ''}`)
    else await ctx.out(line + '\n')
  }
  const failed = results.filter(r => r.status === 'failed')
  if (failed.length > 0) {
    const first = failed[0]
    throw new RemotePinError(failed.length === 1
      ? `${first.cid} could not be pinned on ${first.target}: ${first.reason ?? ''}`
      : `${failed.length} of ${results.length} remote pins failed (first: ${first.cid} on ${first.target}: ${first.reason ?? ''})`)
  }
}

/** How a service takes pins: the IPFS Pinning Service API (by CID; it fetches), or the Kubo RPC API (a CAR upload). */
export type ServiceKind = 'psa' | 'kubo-rpc'

function checkKind (kind: string): ServiceKind {
  if (kind !== 'psa' && kind !== 'kubo-rpc') throw new InvalidArgumentError(`a service kind is psa (the Pinning Service API) or kubo-rpc (a CAR upload to the Kubo RPC API), not "${kind}"`)
  return kind
}

/** A client of either kind; the Kubo RPC token is optional ($IPFS_PINNING_TOKEN, or the service's token source). */
async function anyClientFor (args: { service?: string, serviceUrl?: string, kind?: ServiceKind, net?: string }, ctx: Context): Promise<{ kind: 'psa', client: PinningClient } | { kind: 'kubo-rpc', client: import('../../net/pinning/kubo-rpc.js').KuboRpcClient }> {
  let kind = args.kind ?? 'psa'
  if (args.service != null) {
    const repo = await ctx.repo()
    const { getService } = await import('../../net/pinning/services.js')
    kind = (await getService(repo.datastore, args.service)).kind ?? 'psa'
  }
  if (kind === 'psa') return { kind, client: await clientFor(args, ctx) }
  const { checkEndpoint, getService, readToken } = await import('../../net/pinning/services.js')
  const service = args.serviceUrl != null
    ? { name: args.serviceUrl, endpoint: checkEndpoint(args.serviceUrl), tokenEnv: ctx.env.IPFS_PINNING_TOKEN != null ? 'IPFS_PINNING_TOKEN' : undefined, tokenFile: undefined }
    : await getService((await ctx.repo()).datastore, args.service!)
  refuseOffMachine(args.net === 'local', serviceFlag(args), service.endpoint)
  const token = service.tokenEnv != null || service.tokenFile != null ? await readToken(service, ctx.env) : undefined
  const { KuboRpcClient } = await import('../../net/pinning/kubo-rpc.js')
  return { kind, client: new KuboRpcClient({ endpoint: service.endpoint, token }) }
}

/**
 * Whether a Kubo RPC target pins `cid` already, asked before an upload: an answer
 * that is not one (an error, or none within {@link PRECHECK_MS}) counts as no, and
 * the upload goes ahead (and reports the target's real failure, if any).
 */
async function alreadyPinned (client: import('../../net/pinning/kubo-rpc.js').KuboRpcClient, cid: string, signal: AbortSignal): Promise<boolean> {
  try {
    return await client.isPinned(cid, { signal: AbortSignal.any([signal, AbortSignal.timeout(PRECHECK_MS)]) })
  } catch (err: any) {
    // a refused token is the answer to every call that follows: said now, not as a broken upload
    if (signal.aborted || err?.refusedToken === true) throw err
    return false
  }
}

/** How long a target may take to say whether it pins a CID before the upload goes ahead anyway. */
const PRECHECK_MS = 15_000

/** Pins `cid` by uploading its DAG as a CAR (streamed from the repo, not pinned by the import), pinning it with pin/add, then confirming with pin/ls. */
async function uploadCar (client: import('../../net/pinning/kubo-rpc.js').KuboRpcClient, cid: string, ctx: Context, signal: AbortSignal): Promise<void> {
  const repo = await ctx.repo()
  const { exportCar } = await import('../../core/car/export.js')
  // imported without pinning, then pinned with pin/add: through an IPFS Cluster proxy, dag/import
  // reaches one Kubo node (a pin there alone) while pin/add is a cluster-wide pin
  await client.dagImport(exportCar([cid], repo.blockstore, { signal }), { signal, pinRoots: false })
  await client.pinAdd(cid, { signal })
  if (!await client.isPinned(cid, { signal })) throw new RemotePinError(`the Kubo RPC API at ${client.endpoint} imported ${cid} but does not list it as pinned`)
}

/**
 * The Kubo RPC upload of an edition: only what the target lacks travels. The
 * target is asked whether it pins the previous edition recursively (`pin/ls`):
 * if so it holds that whole DAG, and the CAR carries the blocks of the new
 * edition that are not in it at the same place ({@link newBlocks}: the changed
 * pages, folders and shards, and the new articles; a day's edition is a small
 * fraction of the site). If not (a first upload, a new target), the CAR carries
 * the whole DAG of the edition. Blocks come from the repo, else from `fetchBlock`
 * (edition --resolve-from: a gateway), every one checked against its CID; a block
 * found nowhere fails the upload naming it. Then `pin/add` of the root,
 * recursive. The target confirms the upload (`dag/import` with `stats`: the
 * number of blocks it imported must be the number sent) and the pin (`pin/ls`).
 */
export function editionUpload (previous: string | null | undefined, fetchBlock?: (cid: import('multiformats/cid').CID, options: import('abort-error').AbortOptions) => Promise<Uint8Array>): KuboUpload {
  // the edition itself is always uploaded: a target's word that it pins the root is not taken
  return Object.assign(async (client: import('../../net/pinning/kubo-rpc.js').KuboRpcClient, root: string, ctx: Context, signal: AbortSignal): Promise<void> => {
    const repo = await ctx.repo()
    const { CarWriter } = await import('@ipld/car/writer')
    const { CID } = await import('multiformats/cid')
    const { blockGetter, newBlocks } = await import('../../core/car/diff-dag.js')
    const rootCid = CID.parse(root)
    // the previous edition, held whole there (a recursive pin): only the difference travels
    const base = previous != null && await alreadyPinned(client, previous, signal) ? CID.parse(previous) : null
    const get = blockGetter(repo.blockstore, fetchBlock)
    let missing: unknown
    const read = async (cid: import('multiformats/cid').CID, options?: import('abort-error').AbortOptions): Promise<Uint8Array> => {
      try {
        return await get(cid, options)
      } catch (err: any) {
        if (err?.name !== 'NotFoundError' || signal.aborted) throw err
        const where = fetchBlock != null ? 'name with --resolve-from a gateway that holds it' : 'give --resolve-from <a gateway that holds it> (with --ipns-key)'
        const hint = base != null ? where : `the target does not pin the previous edition${previous != null ? ` ${previous}` : ''}, so the whole edition is sent: ${where}, or pin the previous edition there first`
        missing = new RemotePinError(`block ${cid} of edition ${root} cannot be sent: ${fetchBlock != null ? String(err.message) : 'it is not in the repo'}; ${hint}`, { cause: err })
        throw missing
      }
    }
    const { writer, out } = CarWriter.create([rootCid])
    let sent = 0
    const producing = (async () => {
      try {
        for await (const { cid, bytes } of newBlocks(read, rootCid, base, { signal })) {
          await writer.put({ cid, bytes })
          sent++
        }
      } finally {
        await writer.close()
      }
    })()
    producing.catch(() => {})
    let imported: Awaited<ReturnType<typeof client.dagImport>>
    try {
      imported = await client.dagImport((async function * () { for await (const chunk of out) yield chunk; await producing })(), { signal, pinRoots: false, stats: true })
      await producing
    } catch (err) {
      // a block found nowhere ends the CAR, and so the request: that is the reason, not the broken upload
      if (missing != null) throw missing
      throw err
    }
    if (imported.blocks !== sent) throw new RemotePinError(`the Kubo RPC API at ${client.endpoint} did not confirm the upload of ${root} (${sent} blocks sent, ${imported.blocks ?? 'no count'} reported imported)`)
    await client.pinAdd(root, { signal })
    if (!await client.isPinned(root, { signal })) throw new RemotePinError(`the Kubo RPC API at ${client.endpoint} imported ${root} but does not list it as pinned`)
  }, { askFirst: false })
}

/** Opens the repo with this node online (the network options of the command). */
export async function openOnline (a: any, ctx: Context, access: 'read' | 'write' = 'read', create?: boolean): ReturnType<Context['repo']> {
  const net = await resolveNetOptions(a)
  const { withNetwork, libp2pOptions } = await import('../../net/node.js')
  libp2pOptions(net)
  return ctx.repo({ configure: h => withNetwork(h, net), access, ...(create != null ? { create } : {}) })
}
