import { InvalidArgumentError } from '../../errors.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'export [cids..]'
export const describe = 'Write a CARv1 holding every block of the given CIDs\' DAGs (or of every pin with --all), streamed'

export const builder = (y: Argv) => y
  .positional('cids', { type: 'string', array: true, describe: 'root CIDs' })
  .option('output', { type: 'string', alias: 'o', describe: 'the CAR file, or - for stdout (written atomically)' })
  .option('all', { type: 'boolean', default: false, describe: 'every pinned root in one CAR' })

interface ExportArgs { cids?: string[], output?: string, all: boolean }

export async function handler (args: ExportArgs, ctx: Context): Promise<void> {
  // large files stream through: free each chunk soon after it is passed on (collect-young.ts)
  const { enableChunkCollection } = await import('../../core/collect-young.js')
  enableChunkCollection()
  const { parseCid } = await import('../../core/cid.js')
  // each root once, however often or in whichever multibase it is named (a CIDv0 and a CIDv1 are two CIDs)
  const named = [...new Map((args.cids ?? []).map(c => parseCid(c)).map(c => [c.toString(), c])).values()]
  if (named.length === 0 && !args.all) throw new InvalidArgumentError('name the CIDs to export, or give --all')
  const output = args.output ?? '-'
  if (output === '-' && ctx.json) throw new InvalidArgumentError('--json keeps stdout for JSON, and -o - writes the CAR there: give -o <file.car> for a JSON summary')
  if (output === '-' && ctx.stdoutIsTTY) throw new InvalidArgumentError('refusing to write a CAR to a terminal: give -o <file.car> or redirect stdout')
  const repo = await ctx.repo()
  const roots = [...named]
  if (args.all) {
    const seen = new Set(roots.map(r => r.toString()))
    const { listPins } = await import('../../core/store/pins.js')
    for await (const pin of listPins(repo, { signal: ctx.signal })) if (!seen.has(pin.cid.toString())) { seen.add(pin.cid.toString()); roots.push(pin.cid) }
  }
  if (roots.length === 0) throw new InvalidArgumentError('nothing is pinned: no roots to export')
  const { exportCar } = await import('../../core/car/export.js')
  const car = exportCar(roots, repo.blockstore, { signal: ctx.signal })
  const summary = output === '-' ? await ctx.pipeOut(car) : await ctx.writeFile(ctx.resolve(output), car)
  if (ctx.json) {
    if (output !== '-') await ctx.out(JSON.stringify({ output, roots: roots.map(String), blocks: summary.blocks, bytes: summary.bytes }) + '\n')
  } else {
    ctx.info(`exported ${roots.length} root(s), ${summary.blocks} block(s), ${summary.bytes} bytes${output === '-' ? '' : ` to ${output}`}`)
  }
}
