import { exitCodeFor, withFlags } from '../exit.js'
import { shownPath } from '../paths.js'
import { netOptions } from '../net-options.js'
import { openOnline, remoteAdd, remoteTargets } from './pin-remote.js'
import { checkSources, verifyFromSources } from './verify.js'
import { BatchFailedError, InvalidArgumentError, InvalidArticleError, ManifestMismatchError } from '../../errors.js'
import { recordOf } from '../../core/store/record.js'
import { compareManifest, manifestKey, nextEntry, readManifest, writeManifest } from '../../core/manifest.js'
import { CID_PROFILES, DEFAULT_CID_PROFILE } from '../../core/unixfs/profiles.js'
import { DEFAULT_GATEWAY, DEFAULT_MAX_ARTICLE_BYTES } from '../../core/defaults.js'
import { parseSize } from '../parse-size.js'
import { progressRenderer } from '../render-progress.js'
import type { ArticleInput, PublishFailure, PublishOutcome, PublishResult } from '../../core/publish.js'
import type { CidProfileName } from '../../core/unixfs/profiles.js'
import type { GatewayStyle } from '../../core/link.js'
import type { Context } from '../context.js'
import type { Repo } from '../../core/store/repo.js'
import type { Argv } from 'yargs'
import { printable } from '../printable.js'

export const command = 'publish <paths..>'
export const describe = 'Publish articles (files, or folders searched for *.txt and *.md): bundle, add, pin, print CID and link'

export const builder = (y: Argv) => netOptions(y)
  .positional('paths', { type: 'string', array: true, default: undefined, describe: 'article files or folders; - reads one article from stdin (with --name)' })
  .option('name', { type: 'string', describe: 'with -: the file name of the article read from stdin (story.txt, story.md)' })
  .option('cid-profile', { type: 'string', choices: Object.keys(CID_PROFILES), default: DEFAULT_CID_PROFILE, describe: 'CID profile (IPIP-499)' })
  .option('gateway', { type: 'string', default: DEFAULT_GATEWAY, describe: 'gateway for the Download IPFS link (a host name gives a subdomain link; an IP address or a URL with a path, https://ipfs.io/ipfs, a path link)' })
  .option('gateway-style', { type: 'string', choices: ['subdomain', 'path'], describe: 'the link\'s form: <cid>.ipfs.<host> or <gateway>/ipfs/<cid> (default: subdomain for a host name)' })
  .option('link-template', { type: 'string', describe: 'link template: {cid} {cidv1} {gateway} {scheme} {host} {file} {slug} {filename}' })
  .option('write-link', { type: 'boolean', default: false, describe: 'write the link into each source file\'s [Download IPFS](...) line, atomically' })
  .option('manifest', { type: 'string', describe: 'create or update this JSON manifest of article path -> {cid, link, title, date, previous}' })
  .option('check', { type: 'boolean', default: false, describe: 'with --manifest: recompute CIDs and compare, write nothing; exit 1 if any differ' })
  .option('only-hash', { type: 'boolean', default: false, alias: 'n', describe: 'compute and print CIDs; store nothing' })
  .option('max-size', { type: 'string', default: String(DEFAULT_MAX_ARTICLE_BYTES), defaultDescription: `${DEFAULT_MAX_ARTICLE_BYTES / 1024 / 1024} MiB`, describe: 'largest article accepted (bytes, or with KiB/MiB)' })
  .option('pin-remote', { type: 'string', array: true, describe: 'then pin each article on this remote service (see pin remote service add), serving it until pinned; repeatable: every service is asked, at once' })
  .option('pin-remote-url', { type: 'string', array: true, describe: 'the same with a service endpoint given inline (token from $IPFS_PINNING_TOKEN); repeatable' })
  .option('pin-remote-kind', { type: 'string', choices: ['psa', 'kubo-rpc'], default: 'psa', describe: 'the kind of the --pin-remote-url endpoints: psa, or kubo-rpc (a CAR upload to a Kubo RPC API)' })
  .option('pin-timeout', { type: 'string', describe: 'with --pin-remote: stop waiting after this long (exit 1)' })
  .option('background', { type: 'boolean', default: false, describe: 'with --pin-remote: return once each request is queued' })
  .option('delegates', { type: 'boolean', default: true, describe: 'with --pin-remote: dial the delegates the service names' })
  .option('verify-from', { type: 'string', array: true, describe: 'then fetch each article back from this source alone and verify it: a gateway URL or a peer multiaddr (repeatable); exit 4 on a mismatch, 3 if it did not answer' })
  .option('verify-timeout', { type: 'string', default: '60s', describe: 'with --verify-from: give up one attempt at a source after this long' })
  .option('verify-retry-for', { type: 'string', describe: 'with --verify-from: keep trying a source that did not answer for this long' })

interface PublishArgs {
  paths: string[]
  cidProfile: CidProfileName
  gateway: string
  linkTemplate?: string
  gatewayStyle?: GatewayStyle
  writeLink: boolean
  manifest?: string
  check: boolean
  onlyHash: boolean
  maxSize: string
  name?: string
}

function failureLine (f: PublishFailure, cwd: string): string {
  const path = shownPath(f.path, cwd)
  const msg = withFlags(f.error.message)
  // the path as the user would write it, relative to the working folder where it is under it
  if (msg.startsWith(f.path)) return path + msg.slice(f.path.length)
  return msg.startsWith(path) ? msg : `${path}: ${msg}`
}

export async function handler (args: PublishArgs, ctx: Context): Promise<void> {
  if (args.check && args.manifest == null) throw new InvalidArgumentError('--check needs --manifest <file>')
  const maxBytes = parseSize(args.maxSize, '--max-size')
  const onlyHash = args.onlyHash || args.check
  if (args.check && args.writeLink) throw new InvalidArgumentError('--check writes nothing, so it cannot be combined with --write-link')
  const paths = await withStdin(args, ctx, maxBytes)
  // the manifest and the articles are found from the command's working folder (run() may be given one)
  const manifestPath = args.manifest != null ? ctx.resolve(args.manifest) : undefined
  const manifest = manifestPath != null ? await readManifest(manifestPath, args.manifest) : undefined
  const remote = (args as any).pinRemote != null || (args as any).pinRemoteUrl != null
  const verifyFrom: string[] = (args as any).verifyFrom ?? []
  if (remote && onlyHash) throw new InvalidArgumentError('--pin-remote stores and serves the articles: it does not go with --only-hash or --check')
  if (verifyFrom.length > 0 && onlyHash) throw new InvalidArgumentError('--verify-from checks published articles: it does not go with --only-hash or --check')
  // remote pinning waits while the service fetches from this node: open the repo online
  const repo = onlyHash ? undefined : remote && (args as any).background !== true ? await openOnline(args, ctx, 'write') : await ctx.repo({ access: 'write' })
  // every pinning target and verification source is checked before anything is published
  const a = args as any
  const remoteArgs = { ...a, service: a.pinRemote, serviceUrl: a.pinRemoteUrl, serviceKind: a.pinRemoteKind, timeout: a.pinTimeout, name: undefined, asNote: true }
  const targets = remote ? await remoteTargets(remoteArgs, ctx) : undefined
  const verifyArgs = { ...a, timeout: a.verifyTimeout, retryFor: a.verifyRetryFor, asNote: true }
  if (verifyFrom.length > 0) checkSources(verifyFrom, verifyArgs)
  const { publishArticles } = await import('../../core/publish.js')
  const progress = progressRenderer(ctx, 'publishing')
  const started = performance.now()
  const failures: PublishFailure[] = []
  // what the manifest and remote pinning need of each result, kept only when they are asked for:
  // a run of 100,000 articles otherwise holds nothing per article once it is printed
  const keep = manifest != null || remote || verifyFrom.length > 0
  const results: Array<Pick<PublishResult, 'path' | 'cid' | 'link' | 'title' | 'date'> & { slug: string }> = []
  let published = 0
  let stored = 0
  try {
    for await (const outcome of publishArticles(paths, repo, {
      cidProfile: args.cidProfile,
      gateway: args.gateway,
      linkTemplate: args.linkTemplate,
      gatewayStyle: args.gatewayStyle,
      writeLink: args.writeLink,
      onlyHash,
      maxBytes,
      signal: ctx.signal,
      cwd: ctx.cwd,
      onProgress: (event: any) => {
        if (event.type === 'article:publish:skipped') ctx.warn(`${shownPath(event.detail.path, ctx.cwd)}: ${event.detail.reason}`)
        else progress.onProgress?.(event)
      }
    })) {
      await report(outcome, args, ctx)
      if (outcome.ok) {
        published++
        // a return to an earlier text is published too (the article changed), though its bundle was stored already
        if (outcome.stored || outcome.restored === true) stored++
        if (keep) results.push({ path: outcome.path, cid: outcome.cid, link: outcome.link, title: outcome.title, date: outcome.date, slug: outcome.metadata.slug })
      }
      else failures.push(outcome)
    }
  } finally {
    progress.done()
  }
  if (published + failures.length > 1 && !args.check) {
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    ctx.info(onlyHash
      ? `${published} hashed, ${failures.length} failed in ${seconds} s`
      : `${stored} published, ${failures.length} failed, ${published - stored} unchanged in ${seconds} s`)
  }

  if (manifest != null && args.manifest != null) {
    const actual = new Map(results.map(r => [manifestKey(manifestPath!, r.path), r.cid]))
    if (args.check) {
      const stale = compareManifest(manifest, actual)
      for (const s of stale) {
        ctx.error(s.expected == null
          ? `${s.key}: missing from ${args.manifest} (publishes to ${s.actual})`
          : `${s.key}: CID differs from ${args.manifest}: manifest has ${s.expected}, article publishes to ${s.actual}`)
      }
      if (stale.length > 0 || failures.length > 0) {
        throw new ManifestMismatchError(`${args.manifest} does not match ${stale.length + failures.length} article(s); run publish with --manifest to update it`, stale.map(s => s.key))
      }
      ctx.info(`${args.manifest} matches all ${results.length} article(s)`)
      return
    }
    for (const r of results) {
      const key = manifestKey(manifestPath!, r.path)
      const entry = { cid: r.cid, link: r.link, title: r.title, date: r.date }
      // a new entry starts with the earlier versions the repo recorded for its file: an edition made
      // from the manifest then knows the article's corrections, and keeps its address
      const earlier = manifest[key] == null && repo != null ? await recordedEarlier(repo, r.path, r.cid) : []
      manifest[key] = nextEntry(manifest[key] ?? (earlier.length > 0 ? { ...entry, previous: earlier } : undefined), entry)
    }
    if (await writeManifest(manifestPath!, manifest)) ctx.info(`updated ${args.manifest}`)
  }
  if (targets != null && results.length > 0) {
    await remoteAdd(remoteArgs, results.map(r => r.cid), ctx, new Map(results.map(r => [r.cid, r.slug])), targets)
  }
  if (verifyFrom.length > 0 && results.length > 0) {
    await verifyFromSources(results.map(r => r.cid), verifyFrom, verifyArgs, ctx)
  }
  if (failures.length === 1 && published === 0) {
    // a single article: it was reported; exit with its own code (3 for a missing file, …)
    ctx.exitCode = exitCodeFor(failures[0].error)
    return
  }
  if (failures.length > 0) {
    throw new BatchFailedError(`${failures.length} of ${failures.length + published} article(s) failed: ${failures.map(f => shownPath(f.path, ctx.cwd)).join(', ')}`, failures.map(f => ({ path: f.path, error: f.error })))
  }
}

/** The paths with `-` replaced by the article read from stdin, named by --name. */
async function withStdin (args: PublishArgs, ctx: Context, maxBytes: number): Promise<Array<string | ArticleInput>> {
  const dashes = args.paths.filter(p => p === '-').length
  if (dashes === 0) {
    if (args.name != null) throw new InvalidArgumentError('--name names an article read from stdin: give - as its path')
    return args.paths
  }
  if (dashes > 1) throw new InvalidArgumentError('- (stdin) can be given once')
  if (args.name == null) throw new InvalidArgumentError('- reads an article from stdin: name it with --name <file name>, for example --name story.txt')
  if (args.name === '' || /[/\\]/.test(args.name) || args.name === '.' || args.name === '..' || !/\.(txt|md)$/i.test(args.name)) {
    throw new InvalidArgumentError(`--name ${JSON.stringify(args.name)}: give a file name ending in .txt or .md, with no folder`)
  }
  if (args.writeLink) throw new InvalidArgumentError('--write-link writes into the source file: an article from stdin has none')
  const chunks: Uint8Array[] = []
  let bytes = 0
  for await (const chunk of ctx.stdin()) {
    bytes += chunk.byteLength
    if (bytes > maxBytes) throw new InvalidArticleError(`${args.name} (stdin): over the article size limit of ${maxBytes} bytes (raise it with --max-size)`)
    chunks.push(chunk)
  }
  // named as a file in the working folder would be (shown relative to it, as the files beside it are)
  const input: ArticleInput = { name: ctx.resolve(args.name), bytes: Buffer.concat(chunks) }
  return args.paths.map(p => p === '-' ? input : p)
}

async function report (outcome: PublishOutcome, args: PublishArgs, ctx: Context): Promise<void> {
  if (!outcome.ok) {
    ctx.error(failureLine(outcome, ctx.cwd))
    ctx.trace(outcome.error)
    return
  }
  const shown = printable(shownPath(outcome.path, ctx.cwd))
  if (!ctx.quiet) for (const w of outcome.warnings) ctx.warn(`${shown}: ${w}`)
  if (args.check) return
  if (ctx.json) {
    await ctx.out(JSON.stringify({ ...recordOf(outcome), path: shownPath(outcome.path, ctx.cwd) }) + '\n')
  } else if (ctx.quiet) {
    await ctx.out(outcome.cid + '\n')
  } else {
    await ctx.out(`${outcome.cid} ${shown}\n  ${printable(outcome.link)}\n`)
  }
  if (outcome.linkWritten) ctx.info(`${shown}: wrote the link into the file`)
}

/** The earlier versions the repo recorded for a source file whose current version is `cid` (versions.ts), in their order. */
async function recordedEarlier (repo: Repo, path: string, cid: string): Promise<string[]> {
  const { getVersions, splitVersions } = await import('../../core/store/versions.js')
  const { current, earlier } = splitVersions(await getVersions(repo.datastore, path))
  return current === cid ? earlier : []
}
