import { parseIpfsPath } from '../../core/cid.js'
import { InvalidArgumentError } from '../../errors.js'
import { isIpnsArg, resolveIpnsArg } from '../ipns-arg.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'cat <cid>'
export const describe = 'Print the article of a bundle, or the bytes of a file CID, every block verified'

export const builder = (y: Argv) => y
  .positional('cid', { type: 'string', describe: 'bundle or file CID, or a path inside one (<cid>/article.txt), or /ipns/<name or domain>/…', demandOption: true })
  .option('dns-resolver', { type: 'string', describe: 'for /ipns/<domain>: a DNS-over-HTTPS URL or a DNS server (IP[:port]); default: the system resolver' })

export async function handler (args: { cid: string, dnsResolver?: string }, ctx: Context): Promise<void> {
  // --json keeps stdout JSON: the bytes of a file are not
  if (ctx.json) throw new InvalidArgumentError('cat prints a file\'s bytes: it has no --json form (get -o <path> --json reports the file as JSON)')
  // large files stream through: free each chunk soon after it is passed on (collect-young.ts)
  const { enableChunkCollection } = await import('../../core/collect-young.js')
  enableChunkCollection()
  const ipns = isIpnsArg(args.cid)
  if (!ipns) parseIpfsPath(args.cid) // a malformed CID is a usage error before the repo is opened
  const repo = await ctx.repo()
  const target = ipns ? await resolveIpnsArg(repo, args.cid, { dnsResolver: args.dnsResolver, local: (args as any).net === 'local', signal: ctx.signal }) : args.cid
  const { catCid } = await import('../../core/read/cat.js')
  for await (const chunk of catCid(target, repo.blockstore, { signal: ctx.signal })) {
    await ctx.out(chunk)
  }
}
