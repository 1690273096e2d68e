import { ignoredNetOptions } from '../net-options.js'
import { parseDuration } from '../parse-size.js'
import type { NameRecord } from '../../core/ipns/names.js'
import type { Context } from '../context.js'
import type { Argv } from 'yargs'

export const command = 'name <command>'
export const describe = 'IPNS names: point a key\'s name at a CID (signed record), resolve a name'

export const builder = (y: Argv, ctx: Context) => y
  .command('publish <value>', 'sign a record that points the key\'s name at a CID (or /ipfs/ path); serve puts it to the routing and its gateway', (b: Argv) => ignoredNetOptions(b)
    .positional('value', { type: 'string', describe: 'a CID or /ipfs/<cid>/path' })
    .option('key', { type: 'string', demandOption: true, describe: 'the key (key gen / key import) whose name is moved' })
    .option('lifetime', { type: 'string', default: '48h', describe: 'how long the signature is valid' })
    .option('ttl', { type: 'string', default: '5m', describe: 'how long resolvers may cache the record' })
    .option('resolve-from', { type: 'string', array: true, describe: 'first ask this gateway for the current record (repeatable): the new sequence number is above it; a fresh CI machine should' })
    .option('put-to', { type: 'string', array: true, describe: 'then hand the record to this node (Delegated Routing API: PUT /routing/v1/ipns/<name>; serve of the newsroom\'s repo takes it); repeatable' }), async (a: any) => { await publish(a, ctx) })
  .command('resolve <name>', 'what a name points to: the repo\'s record, or a gateway\'s with --from (verified)', (b: Argv) => ignoredNetOptions(b)
    .positional('name', { type: 'string', describe: 'k51…, /ipns/k51…, or a peer ID' })
    .option('from', { type: 'string', array: true, describe: 'ask this trustless gateway (repeatable); the newest valid record wins' }), async (a: any) => { await resolve(a, ctx) })
  .demandCommand(1, 'name a name command: publish or resolve')

export async function handler (): Promise<void> {}

/** The newest valid record of a name on the given gateways (none given: undefined, nothing asked). */
export async function newestOn (name: string, gateways: string[], ctx: Context): Promise<NameRecord | undefined> {
  if (gateways.length === 0) return undefined
  const { newestFrom } = await import('../../net/ipns-fetch.js')
  return await newestFrom(gateways, name, { signal: ctx.signal })
}

export async function printRecord (ctx: Context, r: NameRecord): Promise<void> {
  if (ctx.json) await ctx.out(JSON.stringify({ name: r.name, value: r.value, sequence: Number(r.sequence), validity: r.validity, ttl: r.ttl }) + '\n')
  else await ctx.out(`/ipns/${r.name} ${r.value} (sequence ${r.sequence})\n`)
}

/** Hands a record to each node named with --put-to. */
export async function putTo (endpoints: string[], record: NameRecord, ctx: Context): Promise<void> {
  if (endpoints.length === 0) return
  const { putRecord } = await import('../../net/ipns-fetch.js')
  for (const endpoint of endpoints) {
    await putRecord(endpoint, record.name, record.bytes, { signal: ctx.signal })
    ctx.info(`handed the record of /ipns/${record.name} (sequence ${record.sequence}) to ${endpoint}`)
  }
}

async function publish (args: { value: string, key: string, lifetime: string, ttl: string, resolveFrom?: string[], putTo?: string[] }, ctx: Context): Promise<void> {
  const lifetime = parseDuration(args.lifetime, '--lifetime')
  const ttl = parseDuration(args.ttl, '--ttl')
  const { normalizeValue, publishName } = await import('../../core/ipns/names.js')
  normalizeValue(args.value)
  const repo = await ctx.repo({ access: 'write' })
  const { loadKey, nameOf } = await import('../../core/ipns/keystore.js')
  const name = nameOf(await loadKey(repo.path, args.key))
  const current = await newestOn(name, args.resolveFrom ?? [], ctx)
  const record = await publishName(repo, args.key, args.value, { lifetime, ttl, seen: current != null ? [current] : [], signal: ctx.signal })
  await printRecord(ctx, record)
  await putTo(args.putTo ?? [], record, ctx)
}

async function resolve (args: { name: string, from?: string[] }, ctx: Context): Promise<void> {
  const { parseName, resolveName } = await import('../../core/ipns/names.js')
  const { name } = parseName(args.name)
  if ((args.from ?? []).length > 0) {
    // gateways only: no repo is needed (each record is validated against the name itself)
    const found = await newestOn(name, args.from!, ctx)
    if (found == null) {
      const { NotFoundError } = await import('../../errors.js')
      throw new NotFoundError(`no record of ${name} on ${args.from!.join(', ')}`)
    }
    await printRecord(ctx, found)
    return
  }
  const repo = await ctx.repo()
  await printRecord(ctx, await resolveName(repo, name, { signal: ctx.signal }))
}
