import { relative } from 'node:path'
import { parseCid } from '../../core/cid.js'
import { CID_PROFILES } from '../../core/unixfs/profiles.js'
import { DEFAULT_MAX_ARTICLE_BYTES } from '../../core/defaults.js'
import { parseSize } from '../parse-size.js'
import { progressRenderer } from '../render-progress.js'
import type { CidProfileName } from '../../core/unixfs/profiles.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'verify <cid>'
export const describe = 'Hash every block reachable from a CID again (exit 4 on a mismatch); --file checks that an article publishes to it'

export const builder = (y: Argv) => y
  .positional('cid', { type: 'string', describe: 'CID to verify', demandOption: true })
  .option('file', { type: 'string', describe: 'a local article: check that it publishes to <cid> (no repo needed)' })
  .option('cid-profile', { type: 'string', choices: Object.keys(CID_PROFILES), describe: 'with --file: profile to build with (default: from the CID version)' })
  .option('max-size', { type: 'string', default: String(DEFAULT_MAX_ARTICLE_BYTES), describe: 'with --file: largest article accepted' })

interface VerifyArgs { cid: string, file?: string, cidProfile?: CidProfileName, maxSize: string }

export async function handler (args: VerifyArgs, ctx: Context): Promise<void> {
  const cid = parseCid(args.cid)
  if (args.file != null) {
    const { verifyArticleFile } = await import('../../core/read/verify-file.js')
    await verifyArticleFile(cid, args.file, { cidProfile: args.cidProfile, maxBytes: parseSize(args.maxSize, '--max-size'), signal: ctx.signal })
    if (ctx.json) await ctx.out(JSON.stringify({ cid: cid.toString(), file: args.file, ok: true }) + '\n')
    else await ctx.out(`ok ${relative(ctx.cwd, args.file) || args.file} publishes to ${cid}\n`)
    return
  }
  const repo = await ctx.repo()
  const { verifyCid } = await import('../../core/read/verify.js')
  const progress = await progressRenderer(ctx, 'verifying')
  try {
    const result = await verifyCid(cid, repo.blockstore, { signal: ctx.signal, onProgress: progress.onProgress })
    progress.clear()
    if (ctx.json) await ctx.out(JSON.stringify({ cid: cid.toString(), ok: true, blocks: result.blocks, bytes: result.bytes, bundle: result.bundle }) + '\n')
    else await ctx.out(`ok ${cid}: ${result.blocks} block(s), ${result.bytes} bytes verified${result.bundle ? ', article matches metadata.json' : ''}\n`)
  } finally {
    progress.done()
  }
}
