import { BlockNotFoundError, InvalidArgumentError, NotFoundError } from '../../errors.js'
import { resolve } from 'node:path'
import { parseCid, parseIpfsPath } from '../../core/cid.js'
import { isIpnsArg, resolveIpnsArg } from '../ipns-arg.js'
import type { CID } from 'multiformats/cid'
import type { Repo } from '../../core/store/repo.js'
import { parseDuration } from '../parse-size.js'
import { netOptions, resolveNetOptions } from '../net-options.js'
import { progressRenderer } from '../render-progress.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'get <cid>'
export const describe = 'Write the files of a CID (a bundle, any UnixFS folder, or a file) to disk, every block verified'

export const builder = (y: Argv) => netOptions(y).option('delegates', { type: 'boolean', hidden: true })
  .positional('cid', { type: 'string', describe: 'CID to fetch, a path inside one in this repo (<cid>/articles), or /ipns/<name or domain>[/…]', demandOption: true })
  .option('dns-resolver', { type: 'string', describe: 'for /ipns/<domain>: a DNS-over-HTTPS URL or a DNS server (IP[:port]); default: the system resolver' })
  .option('output', { type: 'string', alias: 'o', describe: 'where to write (default ./<cid>; - for stdout, a file CID only)' })
  .option('peer', { type: 'string', array: true, describe: 'fetch over libp2p (bitswap) from this peer multiaddr (repeatable)' })
  .option('online', { type: 'boolean', default: false, describe: 'fetch over libp2p from peers found by content routing' })
  .option('gateway-url', { type: 'string', array: true, describe: 'fetch from this trustless HTTP gateway (repeatable); every block verified' })
  .option('timeout', { type: 'string', describe: 'give up a network fetch after this long (e.g. 30s): exit 3' })

interface GetArgs { cid: string, output?: string, peer?: string[], online: boolean, gatewayUrl?: string[], timeout?: string, dnsResolver?: string }

export async function handler (args: GetArgs, ctx: Context): Promise<void> {
  // large files stream through: free each chunk soon after it is passed on (collect-young.ts)
  const { enableChunkCollection } = await import('../../core/collect-young.js')
  enableChunkCollection()
  const peers = args.peer ?? []
  const gateways = args.gatewayUrl ?? []
  const networked = peers.length > 0 || args.online || gateways.length > 0
  // a network fetch opens the repo with the node's network: the same repo serves the name's resolution
  const fetcher = networked ? (await import('../../net/fetch.js')).networkFetch({ peers, online: args.online, net: await resolveNetOptions(args, args.online ? 'public' : 'peers'), gateways }) : undefined
  const openRepo = async (): Promise<Repo> => fetcher != null ? await ctx.repo({ configure: h => fetcher.configure(h), access: 'write' }) : await ctx.repo()
  if (args.output === '-' && ctx.json) throw new InvalidArgumentError('--json keeps stdout for JSON, and -o - writes the file\'s bytes there: give -o <path> for a JSON summary')
  const cid = await targetCid(args, ctx, openRepo)
  if (args.output === '-') {
    // stdout, as `export -o -`: a file's bytes (a folder has no single stream of bytes)
    if (args.peer != null || args.online || args.gatewayUrl != null) throw new InvalidArgumentError('-o - writes a file from this repo to stdout; a network fetch writes to a path (then cat it)')
    const repo = await ctx.repo()
    const { fileBytes } = await import('../../core/read/cat.js')
    await ctx.pipeOut(fileBytes(cid, repo.blockstore, { signal: ctx.signal }))
    return
  }
  const output = resolve(ctx.cwd, args.output ?? cid.toString())
  const { getToPath } = await import('../../core/read/get.js')
  let result
  if (fetcher == null) {
    const repo = await openRepo()
    result = await getToPath(cid, output, repo.blockstore, { signal: ctx.signal })
  } else {
    const timeoutMs = args.timeout != null ? parseDuration(args.timeout, '--timeout') : undefined
    // peers or gateways named, and no --online: those and nothing else (no bootstrap, no routing, no listening)
    const repo = await openRepo()
    const progress = progressRenderer(ctx, 'fetching')
    try {
      result = await fetcher.toPath(repo, cid, output, { signal: ctx.signal, timeoutMs, onBlock: p => progress.onProgress?.({ type: 'article:fetch:block', detail: p }) })
    } finally {
      progress.done()
    }
  }
  if (ctx.json) {
    await ctx.out(JSON.stringify({ cid: cid.toString(), output: result.output, files: result.files, bytes: result.bytes, bundle: result.bundle }) + '\n')
  } else {
    ctx.info(`wrote ${result.files} file(s), ${result.bytes} bytes, to ${result.output}${result.bundle ? ' (article checked against metadata.json)' : ''}`)
  }
}

/**
 * The CID a get writes: the one given; for `<cid>/path` the entry at that path
 * (read from this repo); for `/ipns/…` what the name points to (its record, or
 * DNSLink for a domain).
 */
async function targetCid (args: GetArgs, ctx: Context, openRepo: () => Promise<Repo>): Promise<CID> {
  const ipns = isIpnsArg(args.cid)
  if (!ipns && parseIpfsPath(args.cid).segments.length === 0) return parseCid(args.cid)
  const repo = await openRepo()
  const path = ipns ? await resolveIpnsArg(repo, args.cid, { dnsResolver: args.dnsResolver, local: (args as any).net === 'local', gateways: args.gatewayUrl, signal: ctx.signal }) : args.cid
  const { cid, segments } = parseIpfsPath(path)
  if (segments.length === 0) return cid
  const { resolvePath } = await import('../../core/read/resolve.js')
  try {
    return (await resolvePath(cid, segments, repo.blockstore, { signal: ctx.signal })).cid
  } catch (err) {
    if (err instanceof BlockNotFoundError) throw new NotFoundError(`${cid}/${segments.join('/')}: not found in this repo (a path inside a CID is read from the repo)`, { cause: err })
    throw err
  }
}

