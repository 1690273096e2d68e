import { existsSync } from 'node:fs'
import { InvalidArgumentError, NotFoundError, RemotePinError } from '../../errors.js'
import { editionUpload, openOnline, remoteAdd, remoteTargets } from './pin-remote.js'
import { netOptions } from '../net-options.js'
import { parseCidText } from '../../core/cid.js'
import { readManifest } from '../../core/manifest.js'
import { CID_PROFILES, DEFAULT_CID_PROFILE } from '../../core/unixfs/profiles.js'
import { DEFAULT_GATEWAY } from '../../core/defaults.js'
import { folderLink } from '../../core/link.js'
import type { CidProfileName } from '../../core/unixfs/profiles.js'
import type { GatewayStyle } from '../../core/link.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'
import type { NameRecord } from '../../core/ipns/names.js'
import { parseDuration } from '../parse-size.js'
import { progressRenderer } from '../render-progress.js'
import { newestOn, putTo } from './name.js'

export const command = 'edition'
export const describe = 'Build the site\'s edition (front page, feeds, every article by its CID, corrections) as one folder, pin it and print its CID'

export const builder = (y: Argv) => netOptions(y)
  .option('manifest', { type: 'string', describe: 'take the articles from this manifest (publish --manifest) instead of all published in the repo' })
  .option('title', { type: 'string', default: 'Newsroom', describe: 'the newsroom\'s name: title of the pages and feeds' })
  .option('feed-size', { type: 'number', default: 50, describe: 'articles in feed.xml and feed.json (the newest)' })
  .option('page-size', { type: 'number', default: 100, describe: 'articles per page of the front page' })
  .option('feed-id', { type: 'string', describe: 'the feeds\' id (default: ipns://<name> with --ipns-key, else urn:ipfs-publish:<title>)' })
  .option('date', { type: 'string', describe: 'the edition\'s date (YYYY-MM-DD): the feeds\' updated time when later than the newest article\'s date, and the Atom updated time of undated articles; needed when no article has a date' })
  .option('previous', { type: 'string', describe: 'the CID of the edition this one replaces (default: the repo\'s latest edition); "none" for none' })
  .option('allow-empty', { type: 'boolean', default: false, describe: 'make an edition even when there is no article (by default that is refused)' })
  .option('full', { type: 'boolean', default: false, describe: 'build from every article the repo (or manifest) holds, not from the changes recorded since the latest edition: the same CID (unchanged articles still return the latest edition; to check it, give --previous <its previous>)' })
  .option('keep-previous', { type: 'boolean', default: false, describe: 'keep the replaced edition pinned (by default it is unpinned; the articles it names stay pinned)' })
  .option('cid-profile', { type: 'string', choices: Object.keys(CID_PROFILES), default: DEFAULT_CID_PROFILE, describe: 'CID profile (IPIP-499)' })
  .option('gateway', { type: 'string', default: DEFAULT_GATEWAY, describe: 'gateway of the links (as for publish)' })
  .option('gateway-style', { type: 'string', choices: ['subdomain', 'path'], describe: 'subdomain or path links (as for publish)' })
  .option('link-template', { type: 'string', describe: 'template of each article\'s Download IPFS link (as for publish)' })
  .option('ipns-key', { type: 'string', describe: 'then move this key\'s IPNS name to the new edition (key gen / key import)' })
  .option('resolve-from', { type: 'string', array: true, describe: 'with --ipns-key: first ask this gateway for the name\'s current record (repeatable): the sequence number goes above it, and on a repo with no edition yet the edition it names becomes previous (what the repo lacks of it is fetched from the gateway, every block verified)' })
  .option('lifetime', { type: 'string', default: '48h', describe: 'with --ipns-key: how long the record\'s signature is valid' })
  .option('ttl', { type: 'string', default: '5m', describe: 'with --ipns-key: how long resolvers may cache the record' })
  .option('put-to', { type: 'string', array: true, describe: 'with --ipns-key: then hand the record to this node (PUT /routing/v1/ipns/<name>: serve of the newsroom\'s repo); repeatable' })
  .option('domain', { type: 'string', describe: 'with --ipns-key: print the DNSLink TXT record this domain needs' })
  .option('pin-remote', { type: 'string', array: true, describe: 'pin the edition on this remote service too (see pin remote service add), serving it until pinned; repeatable; the name moves only once every one holds it' })
  .option('pin-remote-url', { type: 'string', array: true, describe: 'the same with a service endpoint given inline (token from $IPFS_PINNING_TOKEN); repeatable' })
  .option('pin-remote-kind', { type: 'string', choices: ['psa', 'kubo-rpc'], default: 'psa', describe: 'the kind of the --pin-remote-url endpoints: psa, or kubo-rpc (a CAR upload of what the node lacks)' })
  .option('pin-timeout', { type: 'string', describe: 'with --pin-remote: stop waiting after this long (exit 1, the name not moved)' })
  .option('delegates', { type: 'boolean', default: true, describe: 'with --pin-remote: dial the delegates the service names' })

interface EditionArgs {
  manifest?: string
  title: string
  feedSize: number
  pageSize: number
  feedId?: string
  date?: string
  previous?: string
  keepPrevious: boolean
  allowEmpty: boolean
  full: boolean
  cidProfile: CidProfileName
  gateway: string
  gatewayStyle?: GatewayStyle
  linkTemplate?: string
  ipnsKey?: string
  resolveFrom?: string[]
  lifetime: string
  ttl: string
  domain?: string
  putTo?: string[]
}

export async function handler (args: EditionArgs, ctx: Context): Promise<void> {
  for (const [flag, n] of [['--feed-size', args.feedSize], ['--page-size', args.pageSize]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a whole number of at least 1`)
  }
  // --previous is checked with the other arguments, before any file is read (buildEdition takes any multibase)
  let previous = args.previous === 'none' ? null : args.previous
  if (previous != null) {
    try { parseCidText(previous) } catch { throw new InvalidArgumentError(`--previous "${previous}" is not a CID (or "none")`) }
  }
  // a manifest that is not there is a file not found (exit 3), as wherever a file is named
  if (args.manifest != null && !existsSync(ctx.resolve(args.manifest))) throw new NotFoundError(`manifest ${args.manifest} does not exist`)
  const manifest = args.manifest != null ? await readManifest(ctx.resolve(args.manifest), args.manifest) : undefined
  if (manifest != null && Object.keys(manifest).length === 0) throw new InvalidArgumentError(`${args.manifest} lists no articles`)
  if (args.date != null) {
    const { isDate } = await import('../../core/edition/build-edition.js')
    if (!isDate(args.date)) throw new InvalidArgumentError(`--date "${args.date}" is not a date (YYYY-MM-DD)`)
  }
  if (args.ipnsKey == null) {
    for (const [flag, given] of [['--resolve-from', args.resolveFrom != null], ['--domain', args.domain != null], ['--put-to', args.putTo != null]] as const) if (given) throw new InvalidArgumentError(`${flag} goes with --ipns-key <name>`)
  }
  if (args.domain != null && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i.test(args.domain)) throw new InvalidArgumentError(`--domain "${args.domain}" is not a domain name`)
  const lifetime = parseDuration(args.lifetime, '--lifetime')
  const ttl = parseDuration(args.ttl, '--ttl')
  const a = args as any
  const remote = a.pinRemote != null || a.pinRemoteUrl != null
  // an edition is made of published articles: a missing repo is an error, as for the read commands;
  // online when a Pinning Service API target fetches the edition from this node
  const fetchedFromHere = a.pinRemote != null || (a.pinRemoteUrl != null && a.pinRemoteKind !== 'kubo-rpc')
  const repo = fetchedFromHere ? await openOnline(a, ctx, 'write', false) : await ctx.repo({ access: 'write', create: false })
  // every pinning target is checked before anything is made (a bad name, token or URL: exit 2)
  const remoteArgs = { ...a, service: a.pinRemote, serviceUrl: a.pinRemoteUrl, serviceKind: a.pinRemoteKind, timeout: a.pinTimeout, name: undefined, background: false, asNote: true }
  const targets = remote ? await remoteTargets(remoteArgs, ctx) : undefined
  // the name first: a missing key or an unreachable gateway fails before anything is made
  let ipns: { name: string, seen: NameRecord[] } | undefined
  if (args.ipnsKey != null) {
    const { loadKey, nameOf } = await import('../../core/ipns/keystore.js')
    const name = nameOf(await loadKey(repo.path, args.ipnsKey))
    const current = await newestOn(name, args.resolveFrom ?? [], ctx)
    ipns = { name, seen: current != null ? [current] : [] }
    const { readLatest } = await import('../../core/edition/build-edition.js')
    // a fresh machine (a CI runner) continues the chain of editions the name follows
    if (previous === undefined && current != null && await readLatest(repo) == null) {
      const m = /^\/ipfs\/([^/]+)$/.exec(current.value)
      if (m != null) previous = m[1]
    }
  }
  const fetchBlock = args.resolveFrom != null && args.resolveFrom.length > 0 ? (await import('../../net/block-fetch.js')).gatewayBlocks(args.resolveFrom) : undefined
  const { buildEdition } = await import('../../core/edition/build-edition.js')
  const progress = progressRenderer(ctx, 'edition')
  const result = await buildEdition(repo, {
    onProgress: progress.onProgress,
    manifest,
    manifestName: args.manifest,
    title: args.title,
    feedSize: args.feedSize,
    pageSize: args.pageSize,
    feedId: args.feedId ?? (ipns != null ? `ipns://${ipns.name}` : undefined),
    date: args.date,
    previous,
    keepPrevious: args.keepPrevious,
    full: args.full,
    allowEmpty: args.allowEmpty,
    // what the repo does not hold of the previous edition is fetched, verified, from the node's gateway
    ...(fetchBlock != null ? { fetchBlock } : {}),
    cidProfile: args.cidProfile,
    gateway: args.gateway,
    gatewayStyle: args.gatewayStyle,
    linkTemplate: args.linkTemplate,
    signal: ctx.signal
  }).finally(() => { progress.done() })
  const link = folderLink(result.cid, args.gateway, args.gatewayStyle)
  if (targets != null) {
    // the name moves only once every target holds the edition: a failure here is exit 1 with no record signed or put
    // a Kubo RPC target that pins the previous edition is sent only the blocks this one changed
    const upload = editionUpload(result.previous, fetchBlock)
    try {
      await remoteAdd(remoteArgs, [result.cid.toString()], ctx, new Map([[result.cid.toString(), `edition ${args.title}`]]), targets, upload)
    } catch (err: any) {
      if (!(err instanceof RemotePinError)) throw err
      await printEdition(args, ctx, result, link)
      throw new RemotePinError(`${err.message}${ipns != null ? `; /ipns/${ipns.name} was not moved` : ''}`)
    }
  }
  if (ipns != null && targets == null && (args.putTo ?? []).length > 0) {
    // no pin target confirmed the edition: the node the record goes to must hold it already, else the
    // name would point readers at content that exists only here (a runner, gone a minute later)
    const { nodeHolds } = await import('../../net/block-fetch.js')
    for (const endpoint of args.putTo!) {
      if (!await nodeHolds(endpoint, result.cid, { signal: ctx.signal })) {
        await printEdition(args, ctx, result, link)
        throw new RemotePinError(`${endpoint} does not hold edition ${result.cid}: pin it there first (edition --pin-remote-url <its RPC API> --pin-remote-kind kubo-rpc, or --pin-remote <service>); /ipns/${ipns.name} was not moved`)
      }
    }
  }
  let record: NameRecord | undefined
  if (ipns != null) {
    const { publishName } = await import('../../core/ipns/names.js')
    record = await publishName(repo, args.ipnsKey!, result.cid.toString(), { lifetime, ttl, seen: ipns.seen, signal: ctx.signal })
    try {
      await putTo(args.putTo ?? [], record, ctx)
    } catch (err: any) {
      // the record is signed and kept here, but the node did not take it: its name did not move
      await printEdition(args, ctx, result, link)
      if (typeof err?.message === 'string' && err.name !== 'AbortError') err.message += `; /ipns/${ipns.name} was not moved there`
      throw err
    }
  }
  await printEdition(args, ctx, result, link, record, ipns?.name)
}

/** The edition as printed (and, once the name moved, its record and DNSLink). */
async function printEdition (args: EditionArgs, ctx: Context, result: Awaited<ReturnType<typeof import('../../core/edition/build-edition.js').buildEdition>>, link: string, record?: NameRecord, name?: string): Promise<void> {
  const dnslink = record != null ? `_dnslink.${args.domain ?? '<your-domain>'} TXT "dnslink=/ipns/${name}"` : undefined
  if (ctx.json) {
    await ctx.out(JSON.stringify({
      cid: result.cid.toString(),
      previous: result.previous,
      articles: result.articles,
      corrected: result.corrected,
      unchanged: result.unchanged,
      incremental: result.incremental,
      link,
      ...(record != null ? { name: record.name, sequence: Number(record.sequence), dnslink } : {})
    }) + '\n')
  } else if (ctx.quiet) {
    await ctx.out(result.cid.toString() + '\n')
  } else {
    await ctx.out(`${result.cid} edition of ${result.articles} article(s)${result.corrected > 0 ? `, ${result.corrected} corrected` : ''}${result.unchanged ? ' (unchanged)' : ''}\n  ${link}\n`)
    if (record != null) await ctx.out(`  /ipns/${record.name} (sequence ${record.sequence})\n`)
    if (result.previous != null && !result.unchanged) ctx.info(`replaces ${result.previous}${result.incremental ? ' (made from it and the changes since)' : ''}`)
    if (dnslink != null) ctx.info(`DNSLink: ${dnslink}`)
  }
}
