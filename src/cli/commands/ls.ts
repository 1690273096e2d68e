import { shownPath } from '../paths.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'
import { printable } from '../printable.js'

export const command = 'ls'
export const describe = 'List the articles published into this repo: CID, date, title, source path'

export const builder = (y: Argv) => y

export async function handler (_args: unknown, ctx: Context): Promise<void> {
  const repo = await ctx.repo()
  const { listPublished } = await import('../../core/ls.js')
  for (const r of await listPublished(repo, { signal: ctx.signal })) {
    // paths as publish --json prints them: relative to the working folder when under it
    if (ctx.json) await ctx.out(JSON.stringify({ ...r, path: shownPath(r.path, ctx.cwd) }) + '\n')
    else if (ctx.quiet) await ctx.out(r.cid + '\n')
    else await ctx.out(`${r.cid}  ${printable(r.date ?? '----------')}  ${printable(r.title ?? '(untitled)')}  ${printable(shownPath(r.path, ctx.cwd))}\n`)
  }
}
