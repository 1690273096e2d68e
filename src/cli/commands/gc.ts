import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'gc'
export const describe = 'Remove every block that no pin reaches; report blocks and bytes freed'

export const builder = (y: Argv) => y

export async function handler (_args: unknown, ctx: Context): Promise<void> {
  const repo = await ctx.repo()
  const { collectGarbage } = await import('../../core/store/maintenance.js')
  const freed = await collectGarbage(repo, { signal: ctx.signal, onWait: (m) => { ctx.notice(m) } })
  if (ctx.json) await ctx.out(JSON.stringify(freed) + '\n')
  else await ctx.out(`removed ${freed.blocks} block(s), ${freed.bytes} bytes\n`)
}
