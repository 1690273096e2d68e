import { shownPath } from '../paths.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'
import { printable } from '../printable.js'

export const command = 'ls'
export const describe = 'List the articles published into this repo, each once (its current version; a corrected one with its earlier versions): CID, date, title, source path'

export const builder = (y: Argv) => y
  .option('all-versions', { type: 'boolean', default: false, describe: 'list every version of a corrected article as a row of its own (after its current version)' })

export async function handler (args: { allVersions?: boolean }, ctx: Context): Promise<void> {
  const repo = await ctx.repo()
  const { streamPublished } = await import('../../core/ls.js')
  let rows = 0
  for await (const r of streamPublished(repo, { signal: ctx.signal, allVersions: args.allVersions === true })) {
    // the rows are read without a turn of the event loop: give it one after the first row and
    // every 256, so that what is gathered is written (`ls | head -1` sees its line at once) and a
    // closed pipe is noticed (the run then ends) before the rest of the archive is read
    if (rows++ % 256 === 1) await new Promise(resolve => setImmediate(resolve))
    // paths as publish --json prints them: relative to the working folder when under it
    if (ctx.json) await ctx.out(JSON.stringify({ ...r, path: shownPath(r.path, ctx.cwd) }) + '\n')
    else if (ctx.quiet) await ctx.out(r.cid + '\n')
    else {
      const mark = r.versions === 1 ? '' : args.allVersions === true ? `  [version ${r.version} of ${r.versions}${r.current ? ', current' : ''}]` : '  [corrected]'
      let text = `${r.cid}  ${printable(r.date ?? '----------')}  ${printable(r.title ?? '(untitled)')}  ${printable(shownPath(r.path, ctx.cwd))}${mark}\n`
      // without --all-versions, a corrected article's earlier versions under it, numbered as its corrections are
      if (args.allVersions !== true) for (const [i, e] of r.earlier.entries()) text += `  earlier ${i + 1}: ${e.cid}  ${printable(e.date ?? '----------')}  ${printable(e.title ?? '(untitled)')}${e.current ? '  (the current text again)' : ''}\n`
      await ctx.out(text)
    }
  }
}
