import { InvalidArgumentError } from '../../errors.js'
import { readManifest } from '../../core/manifest.js'
import { CID_PROFILES, DEFAULT_CID_PROFILE } from '../../core/unixfs/profiles.js'
import { DEFAULT_GATEWAY } from '../../core/defaults.js'
import { folderLink } from '../../core/link.js'
import type { CidProfileName } from '../../core/unixfs/profiles.js'
import type { GatewayStyle } from '../../core/link.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'edition'
export const describe = 'Build the site\'s edition (front page, feeds, every article by its CID, corrections) as one folder, pin it and print its CID'

export const builder = (y: Argv) => y
  .option('manifest', { type: 'string', describe: 'take the articles from this manifest (publish --manifest) instead of all published in the repo' })
  .option('title', { type: 'string', default: 'Newsroom', describe: 'the newsroom\'s name: title of the pages and feeds' })
  .option('feed-size', { type: 'number', default: 50, describe: 'articles in feed.xml and feed.json (the newest)' })
  .option('page-size', { type: 'number', default: 100, describe: 'articles per page of the front page' })
  .option('feed-id', { type: 'string', describe: 'the feeds\' id (default: ipns://<name> with --ipns-key, else urn:ipfs-publish:<title>)' })
  .option('previous', { type: 'string', describe: 'the CID of the edition this one replaces (default: the repo\'s latest edition); "none" for none' })
  .option('keep-previous', { type: 'boolean', default: false, describe: 'keep the replaced edition pinned (by default it is unpinned; its articles stay pinned by the new one)' })
  .option('cid-profile', { type: 'string', choices: Object.keys(CID_PROFILES), default: DEFAULT_CID_PROFILE, describe: 'CID profile (IPIP-499)' })
  .option('gateway', { type: 'string', default: DEFAULT_GATEWAY, describe: 'gateway of the links (as for publish)' })
  .option('gateway-style', { type: 'string', choices: ['subdomain', 'path'], describe: 'subdomain or path links (as for publish)' })
  .option('link-template', { type: 'string', describe: 'template of each article\'s Download IPFS link (as for publish)' })

interface EditionArgs {
  manifest?: string
  title: string
  feedSize: number
  pageSize: number
  feedId?: string
  previous?: string
  keepPrevious: boolean
  cidProfile: CidProfileName
  gateway: string
  gatewayStyle?: GatewayStyle
  linkTemplate?: string
}

export async function handler (args: EditionArgs, ctx: Context): Promise<void> {
  for (const [flag, n] of [['--feed-size', args.feedSize], ['--page-size', args.pageSize]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a whole number of at least 1`)
  }
  const manifest = args.manifest != null ? await readManifest(ctx.resolve(args.manifest), args.manifest) : undefined
  if (manifest != null && Object.keys(manifest).length === 0) throw new InvalidArgumentError(`${args.manifest} lists no articles (or does not exist)`)
  const repo = await ctx.repo({ access: 'write' })
  const { buildEdition } = await import('../../core/edition/build-edition.js')
  const result = await buildEdition(repo, {
    manifest,
    manifestName: args.manifest,
    title: args.title,
    feedSize: args.feedSize,
    pageSize: args.pageSize,
    feedId: args.feedId,
    previous: args.previous === 'none' ? null : args.previous,
    keepPrevious: args.keepPrevious,
    cidProfile: args.cidProfile,
    gateway: args.gateway,
    gatewayStyle: args.gatewayStyle,
    linkTemplate: args.linkTemplate,
    signal: ctx.signal
  })
  const link = folderLink(result.cid, args.gateway, args.gatewayStyle)
  if (ctx.json) {
    await ctx.out(JSON.stringify({ cid: result.cid.toString(), previous: result.previous, articles: result.articles, corrected: result.corrected, unchanged: result.unchanged, link }) + '\n')
  } else if (ctx.quiet) {
    await ctx.out(result.cid.toString() + '\n')
  } else {
    await ctx.out(`${result.cid} edition of ${result.articles} article(s)${result.corrected > 0 ? `, ${result.corrected} corrected` : ''}${result.unchanged ? ' (unchanged)' : ''}\n  ${link}\n`)
    if (result.previous != null) ctx.info(`replaces ${result.previous}`)
  }
}
