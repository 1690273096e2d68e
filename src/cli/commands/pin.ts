import { ignoredNetOptions } from '../net-options.js'
import { parseCid } from '../../core/cid.js'
import { remoteBuilder } from './pin-remote.js'
import type { Context } from '../context.js'
import type { CID } from 'multiformats/cid'
import type { Argv } from 'yargs'
import { printable } from '../printable.js'

export const command = 'pin <command>'
export const describe = 'Pin, unpin and list pinned roots'

export const builder = (y: Argv, ctx: Context) => y
  .command('add <cids..>', 'pin roots whose blocks are in the store', (b: Argv) => ignoredNetOptions(b).positional('cids', { type: 'string', array: true, default: undefined }), async (a: any) => { await add(a, ctx) })
  .command('rm <cids..>', 'unpin roots (gc then frees their blocks)', (b: Argv) => ignoredNetOptions(b).positional('cids', { type: 'string', array: true, default: undefined }), async (a: any) => { await rm(a, ctx) })
  .command('ls [cids..]', 'list pinned roots, with the article title where there is one', (b: Argv) => ignoredNetOptions(b).positional('cids', { type: 'string', array: true }), async (a: any) => { await ls(a, ctx) })
  .command('remote <command>', 'pin on remote pinning services (the IPFS Pinning Service API)', (b: Argv) => remoteBuilder(b, ctx), async () => {})
  .demandCommand(1, 'name a pin command: add, rm, ls or remote')

export async function handler (): Promise<void> {}

async function add (args: { cids: string[] }, ctx: Context): Promise<void> {
  const cids = args.cids.map(c => parseCid(c))
  const repo = await ctx.repo({ access: 'write' })
  const { pinRoot } = await import('../../core/store/pins.js')
  for (const cid of cids) {
    const added = await pinRoot(repo, cid, { source: 'ipfs-publish pin add' }, { signal: ctx.signal })
    await repo.flush()
    if (ctx.json) await ctx.out(JSON.stringify({ cid: cid.toString(), pinned: true, new: added }) + '\n')
    else await ctx.out(`pinned ${cid}${added ? '' : ' (already pinned)'}\n`)
  }
}

async function rm (args: { cids: string[] }, ctx: Context): Promise<void> {
  const cids = args.cids.map(c => parseCid(c))
  const repo = await ctx.repo({ access: 'write' })
  const { unpinRoot } = await import('../../core/store/pins.js')
  const { deleteArticle } = await import('../../core/store/article-index.js')
  for (const cid of cids) {
    const { heldBy } = await unpinRoot(repo, cid, { signal: ctx.signal })
    await deleteArticle(repo.datastore, cid.toString())
    await repo.flush()
    if (ctx.json) await ctx.out(JSON.stringify({ cid: cid.toString(), pinned: false, heldBy }) + '\n')
    else await ctx.out(`unpinned ${cid}${heldBy.length > 0 ? ` (its blocks stay held by pinned edition ${heldBy.join(', ')})` : ''}\n`)
  }
}

async function ls (args: { cids?: string[] }, ctx: Context): Promise<void> {
  const only = (args.cids ?? []).map(c => parseCid(c).toV1().toString())
  const repo = await ctx.repo()
  const { listArticles } = await import('../../core/store/article-index.js')
  const titles = new Map<string, string | null>()
  for await (const r of listArticles(repo.datastore)) titles.set(parseCid(r.cid).toV1().toString(), r.title)
  const { listPins } = await import('../../core/store/pins.js')
  const pins: Array<{ cid: CID, type: string, metadata: Record<string, unknown> }> = []
  for await (const pin of listPins(repo, { signal: ctx.signal })) pins.push(pin)
  pins.sort((a, b) => a.cid.toString().localeCompare(b.cid.toString()))
  for (const pin of pins) {
    const v1 = pin.cid.toV1().toString()
    if (only.length > 0 && !only.includes(v1)) continue
    const title = titles.get(v1) ?? null
    if (ctx.json) await ctx.out(JSON.stringify({ cid: pin.cid.toString(), type: pin.type, title, metadata: pin.metadata }) + '\n')
    else if (ctx.quiet) await ctx.out(`${pin.cid}\n`)
    else await ctx.out(`${pin.cid}  ${printable(title ?? '-')}\n`)
  }
  for (const c of only) if (!pins.some(p => p.cid.toV1().toString() === c)) ctx.error(`${c} is not pinned`)
  if (only.length > 0 && only.some(c => !pins.some(p => p.cid.toV1().toString() === c))) ctx.exitCode = 3
}
