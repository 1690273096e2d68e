import { readFile } from 'node:fs/promises'
import { InvalidArgumentError } from '../../errors.js'
import { fsError } from '../../core/fs/fs-error.js'
import { writeFileAtomic } from '../../core/fs/atomic-write.js'
import { ignoredNetOptions } from '../net-options.js'
import type { Context } from '../context.js'
import type { Repo } from '../../core/store/repo.js'
import type { Argv } from 'yargs'

export const command = 'key <command>'
export const describe = 'IPNS keys kept in the repo (keys/, mode 0600): make, import, export, list, remove'

const named = (b: Argv) => ignoredNetOptions(b).positional('name', { type: 'string', describe: 'the key\'s name in this repo' })

export const builder = (y: Argv, ctx: Context) => y
  .command('gen <name>', 'make a new Ed25519 key; prints its IPNS name', named, async (a: any) => { await gen(a, ctx) })
  .command('import <name> [file]', 'bring a key exported by key export or ipfs key export (a file, or base64 text in an environment variable)', (b: Argv) => named(b)
    .positional('file', { type: 'string', describe: 'the key file (libp2p-protobuf-cleartext, or its base64)' })
    .option('from-env', { type: 'string', describe: 'read the key as base64 from this environment variable (a CI secret) instead of a file' }), async (a: any) => { await importCmd(a, ctx) })
  .command('export <name>', 'write a key to a file (mode 0600); never to the terminal', (b: Argv) => named(b)
    .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'the file to write (made with mode 0600; an existing file is refused)' })
    .option('format', { type: 'string', choices: ['protobuf', 'base64'], default: 'protobuf', describe: 'protobuf: the bytes Kubo exports; base64: the same as text, for a CI secret' }), async (a: any) => { await exportCmd(a, ctx) })
  .command('ls', 'list the keys: IPNS name and key name', (b: Argv) => ignoredNetOptions(b), async () => { await ls(ctx) })
  .command('rm <name>', 'remove a key (its name can then not be moved from this repo)', named, async (a: any) => { await rm(a, ctx) })
  .demandCommand(1, 'name a key command: gen, import, export, ls or rm')

export async function handler (): Promise<void> {}

async function print (ctx: Context, info: { name: string, id: string }, verb: string): Promise<void> {
  if (ctx.json) await ctx.out(JSON.stringify(info) + '\n')
  else await ctx.out(`${info.id} ${info.name}\n`)
  if (verb !== '') ctx.info(`${verb} key "${info.name}": IPNS name /ipns/${info.id}`)
}

/** The repo a new key goes in: made when there is none, and then said (a mistyped --repo would hide the key elsewhere). */
async function repoForKey (ctx: Context): Promise<Repo> {
  return await ctx.repo({ access: 'write', onCreate: (dir) => { ctx.notice(`no repo at ${dir}: made a new one for the key`) } })
}

async function gen (args: { name: string }, ctx: Context): Promise<void> {
  const repo = await repoForKey(ctx)
  const { generateKey } = await import('../../core/ipns/keystore.js')
  await print(ctx, await generateKey(repo.path, args.name), 'made')
}

async function importCmd (args: { name: string, file?: string, fromEnv?: string }, ctx: Context): Promise<void> {
  if ((args.file == null) === (args.fromEnv == null)) throw new InvalidArgumentError('key import: give the key file, or --from-env <variable>, not both')
  let data: Uint8Array | string
  if (args.fromEnv != null) {
    const value = ctx.env[args.fromEnv]
    if (value == null || value.trim() === '') throw new InvalidArgumentError(`--from-env ${args.fromEnv}: the variable is not set`)
    data = value
  } else {
    try {
      data = await readFile(ctx.resolve(args.file!))
    } catch (err) {
      throw fsError(err, args.file!)
    }
  }
  const { decodeKey, importKey } = await import('../../core/ipns/keystore.js')
  // a key that cannot be read makes no repo
  await decodeKey(data)
  const repo = await repoForKey(ctx)
  await print(ctx, await importKey(repo.path, args.name, data), 'imported')
}

async function exportCmd (args: { name: string, output: string, format: 'protobuf' | 'base64' }, ctx: Context): Promise<void> {
  if (args.output === '-' || args.output === '\u0000-') throw new InvalidArgumentError('key export writes to a file only: a private key is never printed')
  const repo = await ctx.repo()
  const { loadKey, nameOf } = await import('../../core/ipns/keystore.js')
  const key = await loadKey(repo.path, args.name)
  const path = ctx.resolve(args.output)
  const { stat } = await import('node:fs/promises')
  if (await stat(path).then(() => true, () => false)) throw new InvalidArgumentError(`-o ${args.output}: the file exists; a key is not written over another file`)
  const bytes = key.toProtobuf()
  await writeFileAtomic(path, args.format === 'base64' ? Buffer.from(bytes).toString('base64') + '\n' : bytes, 0o600)
  if (ctx.json) await ctx.out(JSON.stringify({ name: args.name, id: nameOf(key), file: args.output, format: args.format }) + '\n')
  else ctx.info(`wrote key "${args.name}" (/ipns/${nameOf(key)}) to ${args.output} (mode 0600)`)
}

async function ls (ctx: Context): Promise<void> {
  const repo = await ctx.repo()
  const { listKeys } = await import('../../core/ipns/keystore.js')
  for (const k of await listKeys(repo.path)) await print(ctx, k, '')
}

async function rm (args: { name: string }, ctx: Context): Promise<void> {
  const repo = await ctx.repo({ access: 'write' })
  const { removeKey } = await import('../../core/ipns/keystore.js')
  await print(ctx, await removeKey(repo.path, args.name), 'removed')
}
