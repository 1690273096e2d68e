import { NotFoundError, IpnsError } from '../errors.js'
import { validateRecord } from '../core/ipns/names.js'
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
    const signal = AbortSignal.any([AbortSignal.timeout(options.timeout ?? 30_000), ...(options.signal != null ? [options.signal] : [])])
    res = await fetch(url, { headers: { Accept: IPNS_RECORD_TYPE }, signal, redirect: 'error' })
  } catch (err: any) {
    options.signal?.throwIfAborted()
    throw new NotFoundError(`${gateway} did not answer for ${name}: ${err.cause?.code ?? err.message}`)
  }
  if (res.status === 404) { await res.body?.cancel(); return undefined }
  if (!res.ok) { await res.body?.cancel(); throw new NotFoundError(`${gateway} answered ${res.status} for ${name}`) }
  const bytes = new Uint8Array(await res.arrayBuffer())
  if (bytes.byteLength > 10 * 1024) throw new IpnsError(`${gateway} sent ${bytes.byteLength} bytes for ${name}: more than an IPNS record may be`)
  try {
    return await validateRecord(name, bytes, options)
  } catch (err: any) {
    throw new IpnsError(`${gateway}: ${err.message}`)
  }
}
