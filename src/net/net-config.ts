import { fsError } from '../core/fs/fs-error.js'
import { InvalidArgumentError } from '../errors.js'
import type { NetOptions } from './node.js'

/** Reads a JSON config file of NetOptions (`net`, `listen`, `bootstrap`, `dht`, `delegatedRouting`, `mdns`, `upnp`). */
export async function readNetConfig (path: string): Promise<NetOptions> {
  const { readFile } = await import('node:fs/promises')
  let data: any
  try {
    data = JSON.parse(await readFile(path, 'utf8'))
  } catch (err: any) {
    if (err instanceof SyntaxError) throw new InvalidArgumentError(`--config ${path}: not valid JSON`)
    throw fsError(err, `--config ${path}`)
  }
  if (data == null || typeof data !== 'object' || Array.isArray(data)) throw new InvalidArgumentError(`--config ${path}: not a JSON object`)
  const known = ['net', 'listen', 'bootstrap', 'dht', 'delegatedRouting', 'mdns', 'upnp']
  for (const k of Object.keys(data)) if (!known.includes(k)) throw new InvalidArgumentError(`--config ${path}: unknown key "${k}" (known: ${known.join(', ')})`)
  if (data.net != null && data.net !== 'public' && data.net !== 'local') throw new InvalidArgumentError(`--config ${path}: "net" is "public" or "local"`)
  return data as NetOptions
}
