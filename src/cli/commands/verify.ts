import { shownPath } from '../paths.js'
import { parseCid } from '../../core/cid.js'
import { CID_PROFILES } from '../../core/unixfs/profiles.js'
import { DEFAULT_MAX_ARTICLE_BYTES } from '../../core/defaults.js'
import { parseSize } from '../parse-size.js'
import { InvalidArgumentError, NotFoundError, VerificationError } from '../../errors.js'
import { netOptions, resolveNetOptions } from '../net-options.js'
import { parseDuration } from '../parse-size.js'
import { printable } from '../printable.js'
import { progressRenderer } from '../render-progress.js'
import type { CidProfileName } from '../../core/unixfs/profiles.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'verify [cid]'
export const describe = 'Hash every block reachable from a CID again (exit 4 on a mismatch); --all: every block in the store; --file: check that an article publishes to the CID; --from: fetch it from elsewhere and check'

export const builder = (y: Argv) => netOptions(y).option('delegates', { type: 'boolean', hidden: true })
  .positional('cid', { type: 'string', describe: 'CID to verify' })
  .option('from', { type: 'string', array: true, describe: 'fetch the CID from this source alone and verify it: a trustless gateway URL or a peer multiaddr (repeatable; each on its own)' })
  .option('timeout', { type: 'string', default: '60s', describe: 'with --from: give up one attempt at a source after this long' })
  .option('retry-for', { type: 'string', describe: 'with --from: keep trying a source that did not answer for this long (propagation delays)' })
  .option('all', { type: 'boolean', default: false, describe: 'hash every block in the store; report corrupt blocks and the pinned roots they break' })
  .option('file', { type: 'string', describe: 'a local article: check that it publishes to <cid> (no repo needed)' })
  .option('cid-profile', { type: 'string', choices: Object.keys(CID_PROFILES), describe: 'with --file: profile to build with (default: from the CID version)' })
  .option('max-size', { type: 'string', default: String(DEFAULT_MAX_ARTICLE_BYTES), describe: 'with --file: largest article accepted' })

interface VerifyArgs { cid?: string, all: boolean, file?: string, cidProfile?: CidProfileName, maxSize: string, from?: string[], timeout: string, retryFor?: string }

export async function handler (args: VerifyArgs, ctx: Context): Promise<void> {
  if (args.all) {
    if (args.cid != null || args.file != null) throw new InvalidArgumentError('--all takes no CID and no --file')
    await verifyAll(ctx)
    return
  }
  if (args.cid == null) throw new InvalidArgumentError('name a CID to verify, or give --all')
  const cid = parseCid(args.cid)
  if (args.from != null && args.from.length > 0) {
    if (args.file != null) throw new InvalidArgumentError('--from and --file do not go together')
    await verifyFromSources([cid.toString()], args.from, args, ctx)
    return
  }
  if (args.file != null) {
    const { verifyArticleFile } = await import('../../core/read/verify-file.js')
    await verifyArticleFile(cid, args.file, { cidProfile: args.cidProfile, maxBytes: parseSize(args.maxSize, '--max-size'), signal: ctx.signal })
    if (ctx.json) await ctx.out(JSON.stringify({ cid: cid.toString(), file: args.file, ok: true }) + '\n')
    else await ctx.out(`ok ${shownPath(ctx.resolve(args.file), ctx.cwd)} publishes to ${cid}\n`)
    return
  }
  const repo = await ctx.repo()
  const { verifyCid } = await import('../../core/read/verify.js')
  const progress = progressRenderer(ctx, 'verifying')
  try {
    const result = await verifyCid(cid, repo.blockstore, { signal: ctx.signal, onProgress: progress.onProgress })
    if (ctx.json) await ctx.out(JSON.stringify({ cid: cid.toString(), ok: true, blocks: result.blocks, bytes: result.bytes, bundle: result.bundle }) + '\n')
    else await ctx.out(`ok ${cid}: ${result.blocks} block(s), ${result.bytes} bytes verified${result.bundle ? ', article matches metadata.json' : ''}\n`)
  } finally {
    progress.done()
  }
}

async function verifyAll (ctx: Context): Promise<void> {
  const repo = await ctx.repo()
  const { verifyAll } = await import('../../core/store/maintenance.js')
  const report = await verifyAll(repo, { signal: ctx.signal })
  const mbps = report.bytes / 1e6 / Math.max(report.hashSeconds, 1e-6)
  for (const c of report.corrupt) ctx.error(`corrupt block with multihash ${c.multihash}`)
  for (const b of report.broken) ctx.error(`pinned root ${b.root} is broken: block ${b.block} is ${b.reason}`)
  for (const r of report.badRecords) ctx.error(`damaged record ${r.key}: ${r.reason}`)
  const ok = report.corrupt.length === 0 && report.broken.length === 0 && report.badRecords.length === 0
  if (ctx.json) await ctx.out(JSON.stringify({ ok, blocks: report.blocks, bytes: report.bytes, corrupt: report.corrupt, broken: report.broken, badRecords: report.badRecords, seconds: report.seconds, hashSeconds: report.hashSeconds }) + '\n')
  else if (ok) await ctx.out(`ok: ${report.blocks} block(s), ${report.bytes} bytes verified in ${report.seconds.toFixed(2)} s (blocks hashed at ${mbps.toFixed(0)} MB/s; index and pin records decoded, pins walked)\n`)
  if (!ok) {
    throw new VerificationError(`${report.corrupt.length} corrupt block(s), ${report.broken.length} broken pinned root(s)${report.badRecords.length > 0 ? `, ${report.badRecords.length} damaged record(s)` : ''}`)
  }
}

/** The sources' form and the durations, checked (publish does so before it publishes). */
export function checkSources (sources: string[], args: { timeout?: string, retryFor?: string }): { timeoutMs: number, retryForMs: number } {
  for (const s of sources) {
    if (!/^https?:\/\//i.test(s) && !s.startsWith('/')) throw new InvalidArgumentError(`--from "${s}": give a gateway URL (https://…) or a peer multiaddr (/ip4/…/p2p/…)`)
  }
  return {
    timeoutMs: parseDuration(args.timeout ?? '60s', '--timeout'),
    retryForMs: args.retryFor != null ? parseDuration(args.retryFor, '--retry-for') : 0
  }
}

/**
 * Fetches each CID from each source on its own and verifies it there; one line
 * per CID and source (`--json`: `{cid, source, status, seconds, attempts, blocks,
 * reason}`). Exit 4 if any source sent wrong bytes, else 3 if any did not answer.
 * Shared with `publish --verify-from`.
 */
export async function verifyFromSources (cids: string[], sources: string[], args: { timeout?: string, retryFor?: string, asNote?: boolean }, ctx: Context): Promise<void> {
  const { timeoutMs, retryForMs } = checkSources(sources, args)
  const net = await resolveNetOptions(args, 'peers')
  const { verifyFrom } = await import('../../net/verify-from.js')
  const { parseCid } = await import('../../core/cid.js')
  const reports = await Promise.all(cids.flatMap(cid => sources.map(async source => ({ cid, ...(await verifyFrom(parseCid(cid), source, { timeoutMs, retryForMs, net, signal: ctx.signal })) }))))
  for (const r of reports) {
    if (ctx.json) await ctx.out(JSON.stringify(r) + '\n')
    // publish --verify-from: stdout keeps the publish results; each check is a note
    else if (args.asNote === true) ctx.notice(`${r.cid}: ${r.status} at ${printable(r.source)} (${r.seconds.toFixed(2)} s)${r.reason != null ? `: ${printable(r.reason)}` : ''}`)
    else await ctx.out(`${r.cid} ${r.status} ${printable(r.source)} ${r.seconds.toFixed(2)}s${r.reason != null ? ` ${printable(r.reason)}` : ''}\n`)
  }
  const mismatch = reports.find(r => r.status === 'mismatch')
  if (mismatch != null) throw new VerificationError(`${mismatch.source} sent ${mismatch.cid} with bytes that do not verify: ${mismatch.reason ?? ''}`)
  const unreachable = reports.find(r => r.status === 'unreachable')
  if (unreachable != null) throw new NotFoundError(`${unreachable.source} did not give ${unreachable.cid}: ${unreachable.reason ?? ''}`)
}
