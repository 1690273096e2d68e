import { chmod, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ed25519Crypto } from '@ipshipyard/crypto'
import { base36 } from 'multiformats/bases/base36'
import { InvalidArgumentError, NotFoundError, RepoError } from '../../errors.js'
import { writeFileAtomic } from '../fs/atomic-write.js'
import type { PrivateKey } from '@ipshipyard/crypto'

/**
 * IPNS keys, kept in the repo's `keys/` folder (mode 0700), one file per key
 * (mode 0600) in Kubo's export format, libp2p-protobuf-cleartext. Only Ed25519
 * keys: the kind Kubo makes by default and every IPNS implementation reads.
 */
export interface KeyInfo {
  name: string
  /** The IPNS name: the key's public key as a libp2p-key CID in base36 (`k51…`). */
  id: string
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const SUFFIX = '.key'

function keysDir (repoPath: string): string {
  return join(repoPath, 'keys')
}

/** A key's file (its name checked first). */
function keyPath (repoPath: string, name: string): string {
  checkName(name)
  return join(keysDir(repoPath), name + SUFFIX)
}

function checkName (name: string): void {
  if (!NAME.test(name) || name === 'self') throw new InvalidArgumentError(`key name "${name}": use letters, digits, ".", "_" and "-" (up to 64, not starting with a symbol; "self" is reserved)`)
}

/** The IPNS name of a key. */
export function nameOf (key: PrivateKey): string {
  return key.publicKey.toCID().toString(base36)
}

async function ensureDir (repoPath: string): Promise<void> {
  const dir = keysDir(repoPath)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
}

async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

/** Makes a new Ed25519 key; an existing name is refused. */
export async function generateKey (repoPath: string, name: string): Promise<KeyInfo> {
  checkName(name)
  const key = await ed25519Crypto().generatePrivateKey()
  return await storeKey(repoPath, name, key)
}

/** Stores a key given in libp2p-protobuf-cleartext form (the bytes, or their base64 / multibase text); an existing name is refused. */
export async function importKey (repoPath: string, name: string, data: Uint8Array | string): Promise<KeyInfo> {
  checkName(name)
  return await storeKey(repoPath, name, await decodeKey(data))
}

async function storeKey (repoPath: string, name: string, key: PrivateKey): Promise<KeyInfo> {
  await ensureDir(repoPath)
  const path = keyPath(repoPath, name)
  if (await exists(path)) throw new InvalidArgumentError(`key "${name}" already exists (remove it first with key rm)`)
  await writeFileAtomic(path, key.toProtobuf(), 0o600)
  return { name, id: nameOf(key) }
}

/** A private key from its libp2p-protobuf-cleartext bytes, or that as base64 (standard or url) or multibase (`m…`, `u…`) text. */
export async function decodeKey (data: Uint8Array | string): Promise<PrivateKey> {
  const candidates: Uint8Array[] = []
  if (typeof data === 'string' || looksLikeText(data)) {
    const text = (typeof data === 'string' ? data : new TextDecoder().decode(data)).replace(/\s+/g, '')
    const b64 = (t: string): Uint8Array => Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    candidates.push(b64(text))
    if (/^[mu]/.test(text)) candidates.push(b64(text.slice(1)))
  } else {
    candidates.push(data)
  }
  let error: Error | undefined
  for (const bytes of candidates) {
    try {
      return await ed25519Crypto().privateKeyFromProtobuf(bytes)
    } catch (err: any) {
      error ??= err
    }
  }
  throw new InvalidArgumentError(`not an Ed25519 private key in libp2p-protobuf-cleartext form, as \`ipfs key export\` writes it (${error?.message ?? 'empty'})`)
}

/** Base64 text has only its alphabet and whitespace; a protobuf key starts with the byte 0x08. */
function looksLikeText (data: Uint8Array): boolean {
  return data.byteLength > 0 && data[0] !== 0x08 && /^[A-Za-z0-9+/=_\-\s]+$/.test(Buffer.from(data).toString('latin1'))
}

/** A stored key; a missing one is NotFoundError naming it. */
export async function loadKey (repoPath: string, name: string): Promise<PrivateKey> {
  const path = keyPath(repoPath, name)
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err: any) {
    if (err.code === 'ENOENT') throw new NotFoundError(`no key "${name}" in this repo (make one with key gen, or bring one with key import)`)
    throw err
  }
  try {
    return await ed25519Crypto().privateKeyFromProtobuf(bytes)
  } catch (err: any) {
    throw new RepoError(`key file ${path} is damaged: ${err.message}`)
  }
}

/** Every key: name and IPNS name, sorted by name. */
export async function listKeys (repoPath: string): Promise<KeyInfo[]> {
  let files: string[]
  try {
    files = await readdir(keysDir(repoPath))
  } catch (err: any) {
    if (err.code === 'ENOENT') return []
    throw err
  }
  const out: KeyInfo[] = []
  for (const file of files.filter(f => f.endsWith(SUFFIX)).sort()) {
    const name = file.slice(0, -SUFFIX.length)
    out.push({ name, id: nameOf(await loadKey(repoPath, name)) })
  }
  return out
}

/** Removes a key; its IPNS name can then no longer be moved by this repo. */
export async function removeKey (repoPath: string, name: string): Promise<KeyInfo> {
  const key = await loadKey(repoPath, name)
  await rm(keyPath(repoPath, name))
  return { name, id: nameOf(key) }
}
