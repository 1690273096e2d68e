import { createIPNSRecord, IPNSEntry, ipnsSelector, ipnsValidator, multihashToIPNSRoutingKey } from '@helia/ipns'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import * as cborg from 'cborg'
import { Key } from 'interface-datastore'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidArgumentError, IpnsError, NotFoundError } from '../../errors.js'
import { parseIpfsPath } from '../cid.js'
import { loadKey, nameOf } from './keystore.js'
import type { Repo } from '../store/repo.js'
import type { PrivateKey } from '@ipshipyard/crypto'
import type { AbortOptions } from 'abort-error'
import type { MultihashDigest } from 'multiformats/hashes/interface'

/** What an IPNS record says, once its signature and validity are checked. */
export interface NameRecord {
  /** The IPNS name (`k51…`). */
  name: string
  /** The path it points to: `/ipfs/<cid>[/…]`. */
  value: string
  sequence: bigint
  /** When it stops being valid (RFC 3339). */
  validity: string
  /** How long resolvers may cache it, in milliseconds. */
  ttl: number
  /** The record as signed (protobuf), as the trustless gateway and the routing carry it. */
  bytes: Uint8Array
}

export interface PublishNameOptions extends AbortOptions {
  /** How long the signature is valid, in ms. @default 48 hours (Kubo's default) */
  lifetime?: number
  /** How long resolvers may cache it, in ms. @default 5 minutes */
  ttl?: number
  /** Records seen elsewhere (a gateway, the routing): the new sequence number is above theirs too. */
  seen?: NameRecord[]
}

export const DEFAULT_LIFETIME = 48 * 60 * 60 * 1000
export const DEFAULT_TTL = 5 * 60 * 1000

/** The largest record the IPNS record specification allows (and the validator accepts). */
export const MAX_RECORD_BYTES = 10 * 1024

/** Where the repo keeps the latest record of each name (its own and ones it was given). */
const PREFIX = '/ipfs-publish/ipns/'
const LIBP2P_KEY = 0x72

/** The multihash of an IPNS name: `k51…` (or any base of a libp2p-key CID), `/ipns/<name>`, or a peer ID (`12D3Koo…`). */
export function parseName (input: string): { name: string, multihash: MultihashDigest } {
  const text = input.startsWith('/ipns/') ? input.slice('/ipns/'.length).split('/')[0] : input
  try {
    let cid: CID
    if (/^(Qm|1)/.test(text)) cid = CID.createV1(LIBP2P_KEY, Digest.decode(base58btc.decode('z' + text)))
    else cid = CID.parse(text, text.startsWith('k') ? base36 : undefined)
    if (cid.code !== LIBP2P_KEY) throw new Error('not a libp2p-key CID')
    return { name: cid.toString(base36), multihash: cid.multihash }
  } catch {
    throw new InvalidArgumentError(`"${text}" is not an IPNS name (a libp2p-key CID such as k51…, or a peer ID)`)
  }
}

/** The routing key of a name (`/ipns/` + its multihash), as the DHT and the validator take it. */
export function routingKey (name: string): Uint8Array {
  return multihashToIPNSRoutingKey(parseName(name).multihash)
}

/** The one part of a keychain the IPNS validator uses: reading the public key a name or record carries (any key type libp2p knows). */
const PUBLIC_KEYS = { loadPublicKeyFromProtobuf: (buf: Uint8Array) => publicKeyFromProtobuf(buf) } as any

/** Checks a record for a name: signature by the name's key, not expired, at most 10 KiB; returns what it says. */
export async function validateRecord (name: string, bytes: Uint8Array, options: AbortOptions = {}): Promise<NameRecord> {
  let entry: IPNSEntry
  try {
    entry = await ipnsValidator(routingKey(name), bytes, PUBLIC_KEYS, options)
  } catch (err: any) {
    throw new IpnsError(`the record for ${name} is not valid: ${err.message}`)
  }
  return describe(name, entry, bytes)
}

function describe (name: string, entry: IPNSEntry, bytes: Uint8Array): NameRecord {
  const data = cborg.decode(entry.data!) as { Value: Uint8Array, Validity: Uint8Array, Sequence: bigint | number, TTL: bigint | number }
  const decoder = new TextDecoder()
  return {
    name,
    value: decoder.decode(data.Value),
    sequence: BigInt(data.Sequence),
    validity: decoder.decode(data.Validity),
    ttl: Number(BigInt(data.TTL) / 1_000_000n),
    bytes
  }
}

/** The newest of several records of one name, by the IPNS rule: the highest sequence number, then the longest validity. */
export function newest (name: string, records: NameRecord[]): NameRecord | undefined {
  if (records.length === 0) return undefined
  const i = ipnsSelector(routingKey(name), records.map(r => IPNSEntry.decode(r.bytes)))
  return records[i]
}

/** The repo's record of a name as stored (decoded, not validated: it may have expired), or undefined. */
async function storedRecord (repo: Repo, name: string, options: AbortOptions): Promise<NameRecord | undefined> {
  let bytes: Uint8Array
  try {
    bytes = await repo.datastore.get(new Key(PREFIX + name), options)
  } catch (err: any) {
    if (err?.name === 'NotFoundError') return undefined
    throw err
  }
  return describe(name, IPNSEntry.decode(bytes), bytes)
}

/** The repo's record of a name, validated (an expired one is IpnsError); undefined when it has none. */
export async function getRecord (repo: Repo, name: string, options: AbortOptions = {}): Promise<NameRecord | undefined> {
  const stored = await storedRecord(repo, name, options)
  return stored != null ? await validateRecord(name, stored.bytes, options) : undefined
}

/** Every record the repo holds, as stored (names and bytes; not validated). */
export async function * listRecords (repo: Repo, options: AbortOptions = {}): AsyncGenerator<{ name: string, bytes: Uint8Array }> {
  for await (const { key, value } of repo.datastore.query({ prefix: PREFIX }, options)) {
    yield { name: key.toString().slice(PREFIX.length), bytes: value }
  }
}

/**
 * Keeps a record of a name if it is valid and newer than the one the repo holds
 * (higher sequence number, or the same with a longer validity). A record with a
 * lower sequence number, or a bad signature, is refused with IpnsError.
 */
export async function acceptRecord (repo: Repo, name: string, bytes: Uint8Array, options: AbortOptions = {}): Promise<NameRecord> {
  const record = await validateRecord(name, bytes, options)
  const held = await getRecord(repo, name, options).catch(() => undefined)
  if (held != null) {
    if (record.sequence < held.sequence) throw new IpnsError(`the record for ${name} has sequence number ${record.sequence}, lower than the ${held.sequence} this repo holds`)
    if (newest(name, [held, record]) === held && !Buffer.from(held.bytes).equals(Buffer.from(record.bytes))) return held
  }
  await repo.datastore.put(new Key(PREFIX + name), record.bytes, options)
  await repo.flush(options)
  return record
}

/** A publishable value: a CID or an `/ipfs/<cid>[/path]` (checked), as `/ipfs/…`. */
export function normalizeValue (value: string): string {
  const text = value.startsWith('/ipfs/') ? value.slice('/ipfs/'.length) : value
  const { cid, segments } = parseIpfsPath(text)
  return `/ipfs/${cid}${segments.map(s => '/' + s).join('')}`
}

/**
 * Signs and keeps a record that points the key's name at `value`: V1 and V2
 * signatures, a sequence number above every record of the name the repo holds
 * or was shown (`seen`), so it never goes back. The record is committed before
 * this returns; `serve` puts it to the routing.
 */
export async function publishName (repo: Repo, keyName: string, value: string, options: PublishNameOptions = {}): Promise<NameRecord> {
  const key = await loadKey(repo.path, keyName)
  const name = nameOf(key)
  const path = normalizeValue(value)
  const lifetime = options.lifetime ?? DEFAULT_LIFETIME
  const ttl = options.ttl ?? DEFAULT_TTL
  if (!(lifetime > 0)) throw new InvalidArgumentError('`lifetime` must be more than 0')
  if (!(ttl >= 0)) throw new InvalidArgumentError('`ttl` must not be negative')
  // above the record held, even an expired one: a name never goes back
  const held = await storedRecord(repo, name, options)
  let sequence = held != null ? held.sequence + 1n : 0n
  for (const r of options.seen ?? []) if (r.sequence + 1n > sequence) sequence = r.sequence + 1n
  return await signAndKeep(repo, key, path, sequence, lifetime, ttl, options)
}

/** Signs a record (V1 and V2 signatures) and commits it as the repo's record of the key's name. */
async function signAndKeep (repo: Repo, key: PrivateKey, value: string, sequence: bigint, lifetime: number, ttl: number, options: AbortOptions): Promise<NameRecord> {
  const entry = await createIPNSRecord(key, value, sequence, lifetime, { v1Compatible: true, ttlNs: BigInt(ttl) * 1_000_000n })
  const bytes = IPNSEntry.encode(entry)
  await repo.datastore.put(new Key(PREFIX + nameOf(key)), bytes, options)
  await repo.flush(options)
  return describe(nameOf(key), entry, bytes)
}

/**
 * Signs the record of a key's name again when less than `before` ms of its
 * validity is left: the same value and sequence number, a new validity of
 * `lifetime` (by the IPNS rule the longer validity wins at equal sequence
 * numbers). Returns the new record, or undefined when none was due.
 */
export async function refreshRecord (repo: Repo, keyName: string, options: AbortOptions & { before?: number, lifetime?: number } = {}): Promise<NameRecord | undefined> {
  const key = await loadKey(repo.path, keyName)
  const held = await storedRecord(repo, nameOf(key), options)
  if (held == null || Date.parse(held.validity) - Date.now() > (options.before ?? 24 * 60 * 60 * 1000)) return undefined
  return await signAndKeep(repo, key, held.value, held.sequence, options.lifetime ?? DEFAULT_LIFETIME, held.ttl, options)
}

/** What a name points to, from the repo's record: a name it has no (valid) record of is NotFoundError. */
export async function resolveName (repo: Repo, input: string, options: AbortOptions = {}): Promise<NameRecord> {
  const { name } = parseName(input)
  const record = await getRecord(repo, name, options)
  if (record == null) throw new NotFoundError(`no record of ${name} in this repo (publish one with name publish, or resolve it with --from <gateway>)`)
  return record
}
