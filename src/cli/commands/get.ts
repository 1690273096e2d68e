import { resolve } from 'node:path'
import { parseCid } from '../../core/cid.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'get <cid>'
export const describe = 'Write the files of a CID (a bundle, any UnixFS folder, or a file) to disk, every block verified'

export const builder = (y: Argv) => y
  .positional('cid', { type: 'string', describe: 'CID to fetch', demandOption: true })
  .option('output', { type: 'string', alias: 'o', describe: 'where to write (default ./<cid>)' })

interface GetArgs { cid: string, output?: string }

export async function handler (args: GetArgs, ctx: Context): Promise<void> {
  const cid = parseCid(args.cid)
  const output = resolve(ctx.cwd, args.output ?? cid.toString())
  const repo = await ctx.repo()
  const { getToPath } = await import('../../core/read/get.js')
  const result = await getToPath(cid, output, repo.blockstore, { signal: ctx.signal })
  if (ctx.json) {
    await ctx.out(JSON.stringify({ cid: cid.toString(), output: result.output, files: result.files, bytes: result.bytes, bundle: result.bundle }) + '\n')
  } else {
    ctx.info(`wrote ${result.files} file(s), ${result.bytes} bytes, to ${result.output}${result.bundle ? ' (article checked against metadata.json)' : ''}`)
  }
}
