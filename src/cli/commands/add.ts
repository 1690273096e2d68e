import { CID_PROFILES, DEFAULT_CID_PROFILE } from '../../core/unixfs/profiles.js'
import type { CidProfileName } from '../../core/unixfs/profiles.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'add <path>'
export const describe = 'Add any file or folder as plain UnixFS (as `ipfs add -Q -r`), pinned; prints the root CID'

export const builder = (y: Argv) => y
  .positional('path', { type: 'string', describe: 'file or folder', demandOption: true })
  .option('cid-profile', { type: 'string', choices: Object.keys(CID_PROFILES), default: DEFAULT_CID_PROFILE, describe: 'CID profile (IPIP-499)' })
  .option('only-hash', { type: 'boolean', default: false, alias: 'n', describe: 'compute the CID; store nothing' })
  .option('hidden', { type: 'boolean', default: false, alias: 'H', describe: 'include files and folders whose names start with a dot' })
  .option('pin', { type: 'boolean', default: true, describe: 'pin the root (--no-pin to skip)' })

interface AddArgs { path: string, cidProfile: CidProfileName, onlyHash: boolean, hidden: boolean, pin: boolean }

export async function handler (args: AddArgs, ctx: Context): Promise<void> {
  const repo = args.onlyHash ? undefined : await ctx.repo({ access: 'write' })
  const { addPath } = await import('../../core/add.js')
  const result = await addPath(args.path, repo, { cidProfile: args.cidProfile, onlyHash: args.onlyHash, hidden: args.hidden, pin: args.pin, collectChunks: true, signal: ctx.signal })
  if (ctx.json) await ctx.out(JSON.stringify({ path: args.path, cid: result.cid.toString(), bytes: result.bytes }) + '\n')
  else await ctx.out(`${result.cid}\n`)
}
