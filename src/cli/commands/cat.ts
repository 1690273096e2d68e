import { parseIpfsPath } from '../../core/cid.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'cat <cid>'
export const describe = 'Print the article of a bundle, or the bytes of a file CID, every block verified'

export const builder = (y: Argv) => y
  .positional('cid', { type: 'string', describe: 'bundle or file CID, or a path inside one (<cid>/article.txt)', demandOption: true })

export async function handler (args: { cid: string }, ctx: Context): Promise<void> {
  // large files stream through: free each chunk soon after it is passed on (collect-young.ts)
  const { enableChunkCollection } = await import('../../core/collect-young.js')
  enableChunkCollection()
  parseIpfsPath(args.cid) // a malformed CID is a usage error before the repo is opened
  const repo = await ctx.repo()
  const { catCid } = await import('../../core/read/cat.js')
  for await (const chunk of catCid(args.cid, repo.blockstore, { signal: ctx.signal })) {
    await ctx.out(chunk)
  }
}
