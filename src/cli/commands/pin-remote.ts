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

/** One CID on one target, as reported. */
interface TargetResult { cid: string, target: string, status: PinState | 'failed', seconds: number, requestid?: string, reason?: string }

/**
 * Pins CIDs on every target given (`--service`/`--pin-remote` names and
 * `--service-url`/`--pin-remote-url` endpoints, each repeatable), the targets
 * concurrently and each target's CIDs in turn. Unless `--background`, this node
 * goes online (so a service can fetch from it), dials the delegates, and waits
 * for `pinned`. Every target is tried to the end; one result per CID and target
 * is reported (`--json`: `{cid, target, status, seconds, requestid, reason}`),
 * then a target that failed makes the command fail (exit 1). Shared with
 * `publish --pin-remote`.
 */
export async function remoteAdd (a: any, cids: string[], ctx: Context, names: Map<string, string> = new Map(), prepared?: RemoteTargets): Promise<void> {
  const timeout = a.timeout != null ? AbortSignal.timeout(parseDuration(a.timeout, '--timeout')) : undefined
  const signal = timeout != null ? AbortSignal.any([ctx.signal, timeout]) : ctx.signal
  let origins: string[] = []
  let libp2p: any
  const { targets, clients } = prepared ?? await remoteTargets(a, ctx)
  if (a.background !== true && needsOnline(targets)) {
    const repo = await openOnline(a, ctx)
    libp2p = (repo.helia as any).libp2p
    origins = libp2p.getMultiaddrs().map(String)
  }
  const { pinRemote } = await import('../../net/pinning/remote-pin.js')
  const local = (await resolveNetOptions(a)).net === 'local'
  const results: TargetResult[] = []
  await Promise.all(clients.map(async ({ target, client: chosen }) => {
    for (const cid of cids) {
      const started = performance.now()
      let last: PinState = 'queued'
      const done = (r: Omit<TargetResult, 'cid' | 'target' | 'seconds'>): TargetResult => ({ cid, target: target.label, seconds: Math.round((performance.now() - started) / 10) / 100, ...r })
      if (chosen.kind === 'kubo-rpc') {
        results.push(await uploadCar(chosen.client, cid, ctx, signal).then(
          () => done({ status: 'pinned' }),
          (err: any) => { if (ctx.signal.aborted) throw err; return done({ status: 'failed', reason: timeout?.aborted === true ? 'timed out uploading the CAR' : chosen.client.mask(String(err?.message ?? err)) }) }))
        continue
      }
      const client = chosen.client
      try {
        const status = await pinRemote(client, cid, {
          name: a.name ?? names.get(cid) ?? cid,
          origins,
          background: a.background === true,
          signal,
          onProgress: (e) => { last = e.detail.status; if (ctx.isTTY && !ctx.quiet) ctx.info(`${cid}: ${client.mask(String(e.detail.status))} on ${target.label}`) },
          onDelegates: async (delegates) => {
            if (a.delegates === false || libp2p == null) return
            const { multiaddr } = await import('@multiformats/multiaddr')
            for (const d of delegates.map(x => client.mask(String(x)))) {
              // --net local resolves nothing and dials nothing but loopback: a /dnsaddr or public delegate is not touched
              if (local && !isLoopbackMultiaddr(d)) { ctx.warn(`delegate ${d} is not on loopback: not dialled (--net local)`); continue }
              try { await libp2p.dial(multiaddr(d), { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) }) } catch (err: any) { ctx.warn(`could not dial delegate ${d}: ${client.mask(String(err.message))}`) }
            }
          }
        })
        results.push(done({ status: client.mask(String(status.status)) as PinState, requestid: client.mask(String(status.requestid)) }))
      } catch (err: any) {
        if (ctx.signal.aborted) throw err
        const reason = timeout?.aborted === true
          ? `timed out waiting for the service to pin it (last status: ${last})`
          : client.mask(String(err?.message ?? err))
        results.push(done({ status: 'failed', reason }))
      }
    }
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

/** Opens the repo with this node online (the network options of the command). */
export async function openOnline (a: any, ctx: Context, access: 'read' | 'write' = 'read'): ReturnType<Context['repo']> {
  const net = await resolveNetOptions(a)
  const { withNetwork, libp2pOptions } = await import('../../net/node.js')
  libp2pOptions(net)
  return ctx.repo({ configure: h => withNetwork(h, net), access })
}
