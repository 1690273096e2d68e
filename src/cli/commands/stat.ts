import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'stat'
export const describe = 'Blocks, bytes, pinned roots and articles in the repo'

export const builder = (y: Argv) => y

export async function handler (_args: unknown, ctx: Context): Promise<void> {
  const repo = await ctx.repo()
  const { repoStat } = await import('../../core/store/maintenance.js')
  const s = await repoStat(repo, { signal: ctx.signal })
  if (ctx.json) await ctx.out(JSON.stringify({ repo: repo.path, ...s }) + '\n')
  else await ctx.out(`repo      ${repo.path}\nblocks    ${s.blocks}\nbytes     ${s.bytes}\npins      ${s.pins}\narticles  ${s.articles}\n`)
}
