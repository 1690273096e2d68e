import { readFile } from 'node:fs/promises'
import { Key } from 'interface-datastore'
import { InvalidArgumentError, NotFoundError } from '../../errors.js'
import type { Datastore } from 'interface-datastore'

/**
 * A remote pinning service as the repo remembers it. The token itself is never
 * stored: only where to read it from (an environment variable or a file).
 */
export interface RemoteService {
  name: string
  endpoint: string
  /** psa (the Pinning Service API, the default) or kubo-rpc (a CAR upload to the Kubo RPC API). */
  kind?: 'psa' | 'kubo-rpc'
  tokenEnv?: string
  tokenFile?: string
}

const PREFIX = '/ipfs-publish/remote-services/'

function key (name: string): Key {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new InvalidArgumentError(`service name "${name}" must be 1 to 64 letters, digits, dots, dashes or underscores`)
  return new Key(PREFIX + name)
}

export function checkEndpoint (endpoint: string): string {
  let u: URL
  try { u = new URL(endpoint) } catch { throw new InvalidArgumentError(`"${endpoint}" is not a URL (a pinning service endpoint such as https://api.example.com/psa)`) }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new InvalidArgumentError(`"${endpoint}" must be an http or https URL`)
  // credentials in the URL would be stored, listed and printed, and a bearer-token API ignores them
  if (u.username !== '' || u.password !== '') throw new InvalidArgumentError(`${u.protocol}//${u.host}${u.pathname}: an endpoint may not hold a user name or password (give the token with --token-env or --token-file)`)
  return endpoint.replace(/\/+$/, '')
}

export async function addService (datastore: Datastore, service: RemoteService): Promise<void> {
  checkEndpoint(service.endpoint)
  if (service.tokenEnv != null && service.tokenFile != null) throw new InvalidArgumentError('give the token\'s source with one of --token-env <VAR> or --token-file <path>, not both')
  // the Pinning Service API needs a token; a Kubo RPC API often has none
  if (service.kind !== 'kubo-rpc' && service.tokenEnv == null && service.tokenFile == null) throw new InvalidArgumentError('give the token\'s source with exactly one of --token-env <VAR> or --token-file <path> (never the token itself)')
  await datastore.put(key(service.name), new TextEncoder().encode(JSON.stringify(service)))
}

export async function getService (datastore: Datastore, name: string): Promise<RemoteService> {
  try {
    return JSON.parse(new TextDecoder().decode(await datastore.get(key(name))))
  } catch (err: any) {
    if (err?.name === 'NotFoundError') throw new NotFoundError(`no remote pinning service named "${name}" (add one with 'pin remote service add')`)
    throw err
  }
}

export async function removeService (datastore: Datastore, name: string): Promise<void> {
  await getService(datastore, name)
  await datastore.delete(key(name))
}

export async function * listServices (datastore: Datastore): AsyncGenerator<RemoteService> {
  for await (const { value } of datastore.query({ prefix: PREFIX })) yield JSON.parse(new TextDecoder().decode(value))
}

/** Reads a service's token from its environment variable or file; errors name the source, never the value. */
export async function readToken (service: Pick<RemoteService, 'name' | 'tokenEnv' | 'tokenFile'>, env: NodeJS.ProcessEnv): Promise<string> {
  if (service.tokenEnv != null) {
    const t = env[service.tokenEnv]
    if (t == null || t.trim() === '') throw new InvalidArgumentError(`the token of service "${service.name}" comes from $${service.tokenEnv}, which is not set`)
    return t.trim()
  }
  if (service.tokenFile != null) {
    try {
      const t = (await readFile(service.tokenFile, 'utf8')).trim()
      if (t === '') throw new Error('empty')
      return t
    } catch {
      throw new InvalidArgumentError(`the token of service "${service.name}" comes from ${service.tokenFile}, which cannot be read or is empty`)
    }
  }
  throw new InvalidArgumentError(`service "${service.name}" has no token source`)
}
