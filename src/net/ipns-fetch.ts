import { NotFoundError, IpnsError } from '../errors.js'
import { MAX_RECORD_BYTES, newest, validateRecord } from '../core/ipns/names.js'
import { withTimeout } from './with-timeout.js'
import type { NameRecord } from '../core/ipns/names.js'
import type { AbortOptions } from 'abort-error'

/** The media type of a signed IPNS record on a trustless gateway. */
export const IPNS_RECORD_TYPE = 'application/vnd.ipfs.ipns-record'

/**
 * A name's record from a trustless gateway (`/ipns/<name>?format=ipns-record`),
 * validated here (signature, expiry): undefined when the gateway has none (404),
 * NotFoundError when it cannot be reached, IpnsError when what it sends is not a
 * valid record of the name.
 */
export async function fetchRecord (gateway: string, name: string, options: AbortOptions & { timeout?: number } = {}): Promise<NameRecord | undefined> {
  const url = `${gateway.replace(/\/+$/, '')}/ipns/${name}?format=ipns-record`
  let res: Response
  try {
    res = await fetch(url, { signal: withTimeout(options.timeout ?? 30_000, options.signal), headers: { Accept: IPNS_RECORD_TYPE }, redirect: 'error' })
  } catch (err: any) {
    options.signal?.throwIfAborted()
    throw new NotFoundError(`${gateway} did not answer for ${name}: ${err.cause?.code ?? err.message}`)
  }
  if (res.status === 404) { await res.body?.cancel(); return undefined }
  if (!res.ok) { await res.body?.cancel(); throw new NotFoundError(`${gateway} answered ${res.status} for ${name}`) }
  const bytes = new Uint8Array(await res.arrayBuffer())
  if (bytes.byteLength > MAX_RECORD_BYTES) throw new IpnsError(`${gateway} sent ${bytes.byteLength} bytes for ${name}: more than an IPNS record may be`)
  try {
    return await validateRecord(name, bytes, options)
  } catch (err: any) {
    throw new IpnsError(`${gateway}: ${err.message}`)
  }
}

/** The newest valid record of a name on any of the gateways (each asked in turn, each answer validated), or undefined when none has one. */
export async function newestFrom (gateways: string[], name: string, options: AbortOptions = {}): Promise<NameRecord | undefined> {
  const found: NameRecord[] = []
  for (const gw of gateways) {
    const r = await fetchRecord(gw, name, options)
    if (r != null) found.push(r)
  }
  return newest(name, found)
}

/**
 * Hands a signed record to a node through the Delegated Routing V1 HTTP API
 * (`PUT <endpoint>/routing/v1/ipns/<name>`): `serve` of another repo, or any
 * delegated routing endpoint that takes IPNS records. Unreachable: NotFoundError;
 * refused (a lower sequence number than the node holds, …): IpnsError with its answer.
 */
export async function putRecord (endpoint: string, name: string, bytes: Uint8Array, options: AbortOptions & { timeout?: number } = {}): Promise<void> {
  const url = `${endpoint.replace(/\/+$/, '')}/routing/v1/ipns/${name}`
  let res: Response
  try {
    res = await fetch(url, { method: 'PUT', body: Buffer.from(bytes), headers: { 'Content-Type': IPNS_RECORD_TYPE }, signal: withTimeout(options.timeout ?? 30_000, options.signal), redirect: 'error' })
  } catch (err: any) {
    options.signal?.throwIfAborted()
    throw new NotFoundError(`${endpoint} did not take the record of ${name}: ${err.cause?.code ?? err.cause?.errors?.[0]?.code ?? err.cause?.message ?? err.message}`)
  }
  const text = (await res.text()).trim().slice(0, 300)
  if (!res.ok) throw new IpnsError(`${endpoint} refused the record of ${name} (${res.status}${text !== '' ? `: ${text}` : ''})`)
}
