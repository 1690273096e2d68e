import { shownPath } from '../paths.js'
import { parseCid } from '../../core/cid.js'
import { CID_PROFILES } from '../../core/unixfs/profiles.js'
import { DEFAULT_MAX_ARTICLE_BYTES } from '../../core/defaults.js'
import { parseSize } from '../parse-size.js'
import { InvalidArgumentError, VerificationError } from '../../errors.js'
import { progressRenderer } from '../render-progress.js'
import type { CidProfileName } from '../../core/unixfs/profiles.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'verify [cid]'
export const describe = 'Hash every block reachable from a CID again (exit 4 on a mismatch); --all: every block in the store; --file: check that an article publishes to the CID'

export const builder = (y: Argv) => y
  .positional('cid', { type: 'string', describe: 'CID to verify' })
  .option('all', { type: 'boolean', default: false, describe: 'hash every block in the store; report corrupt blocks and the pinned roots they break' })
  .option('file', { type: 'string', describe: 'a local article: check that it publishes to <cid> (no repo needed)' })
  .option('cid-profile', { type: 'string', choices: Object.keys(CID_PROFILES), describe: 'with --file: profile to build with (default: from the CID version)' })
  .option('max-size', { type: 'string', default: String(DEFAULT_MAX_ARTICLE_BYTES), describe: 'with --file: largest article accepted' })

interface VerifyArgs { cid?: string, all: boolean, file?: string, cidProfile?: CidProfileName, maxSize: string }

export async function handler (args: VerifyArgs, ctx: Context): Promise<void> {
  if (args.all) {
    if (args.cid != null || args.file != null) throw new InvalidArgumentError('--all takes no CID and no --file')
    await verifyAll(ctx)
    return
  }
  if (args.cid == null) throw new InvalidArgumentError('name a CID to verify, or give --all')
  const cid = parseCid(args.cid)
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
