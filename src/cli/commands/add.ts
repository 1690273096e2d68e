import { InvalidArgumentError } from '../../errors.js'
import { CID_PROFILES, DEFAULT_CID_PROFILE } from '../../core/unixfs/profiles.js'
import type { CidProfileName } from '../../core/unixfs/profiles.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'add <paths..>'
export const describe = 'Add files or folders as plain UnixFS (as `ipfs add -q -r`), pinned; prints each root CID, one per line'

export const builder = (y: Argv) => y
  .positional('paths', { type: 'string', array: true, default: undefined, describe: 'files or folders; - reads one file from stdin' })
  .option('cid-profile', { type: 'string', choices: Object.keys(CID_PROFILES), default: DEFAULT_CID_PROFILE, describe: 'CID profile (IPIP-499)' })
  .option('only-hash', { type: 'boolean', default: false, alias: 'n', describe: 'compute the CID; store nothing' })
  .option('hidden', { type: 'boolean', default: false, alias: 'H', describe: 'include files and folders whose names start with a dot' })
  .option('pin', { type: 'boolean', default: true, describe: 'pin the root (--no-pin to skip)' })

interface AddArgs { paths: string[], cidProfile: CidProfileName, onlyHash: boolean, hidden: boolean, pin: boolean }

export async function handler (args: AddArgs, ctx: Context): Promise<void> {
  if (args.paths.filter(p => p === '-').length > 1) throw new InvalidArgumentError('- (stdin) can be given once')
  const repo = args.onlyHash ? undefined : await ctx.repo({ access: 'write' })
  const { addPath, addStream } = await import('../../core/add.js')
  const options = { cidProfile: args.cidProfile, onlyHash: args.onlyHash, hidden: args.hidden, pin: args.pin, collectChunks: true, signal: ctx.signal, cwd: ctx.cwd }
  // each path is added and printed in turn, as `ipfs add -q` prints each top-level item
  for (const path of args.paths) {
    const result = path === '-' ? await addStream(ctx.stdin(), repo, options) : await addPath(path, repo, options)
    if (ctx.json) await ctx.out(JSON.stringify({ path, cid: result.cid.toString(), bytes: result.bytes }) + '\n')
    else await ctx.out(`${result.cid}\n`)
  }
}
