import { withFlags } from '../exit.js'
import { basename } from 'node:path'
import { exitCodeFor } from '../exit.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'import [files..]'
export const describe = 'Import CAR files (or stdin): every block verified first; roots pinned; refused CARs leave nothing behind'

export const builder = (y: Argv) => y
  .positional('files', { type: 'string', array: true, describe: 'CAR files; none or - for stdin' })
  .option('pin', { type: 'boolean', default: true, describe: 'pin the roots (--no-pin to skip)' })

interface ImportArgs { files?: string[], pin: boolean }

export async function handler (args: ImportArgs, ctx: Context): Promise<void> {
  const files = args.files == null || args.files.length === 0 ? ['-'] : args.files
  const repo = await ctx.repo({ access: 'write' })
  const { importCar } = await import('../../core/car/import.js')
  for (const file of files) {
    try {
      const source = file === '-' ? ctx.stdin() : await ctx.readFile(file)
      const summary = await importCar(source, repo, { pin: args.pin, sourceName: file === '-' ? 'stdin' : ctx.resolve(file), collectChunks: true, signal: ctx.signal })
      if (ctx.json) await ctx.out(JSON.stringify({ file, roots: summary.roots.map(String), blocks: summary.blocks, bytes: summary.bytes, articles: summary.articles.map(String) }) + '\n')
      else {
        for (const root of summary.roots) await ctx.out(`${root}\n`)
        ctx.info(`${file === '-' ? 'stdin' : basename(file)}: imported ${summary.blocks} block(s), ${summary.bytes} bytes${args.pin ? `, pinned ${summary.roots.length} root(s)` : ''}${summary.articles.length > 0 ? `, ${summary.articles.length} article(s)` : ''}`)
      }
    } catch (err) {
      if ((err as Error)?.name === 'AbortError' || files.length === 1) throw prefix(err, file)
      ctx.error(`${file}: ${withFlags((err as Error).message)}`)
      ctx.exitCode = ctx.exitCode === 0 ? exitCodeFor(err) : ctx.exitCode
    }
  }
}

function prefix (err: unknown, file: string): unknown {
  if (err instanceof Error && file !== '-' && !err.message.startsWith(file)) err.message = `${file}: ${err.message}`
  return err
}
