import { mkdir, readFile } from 'node:fs/promises'
import { dirname, relative, resolve, sep } from 'node:path'
import { CID } from 'multiformats/cid'
import { InvalidArgumentError } from '../errors.js'
import { parseCidText } from './cid.js'
import { writeFileAtomic } from './fs/atomic-write.js'

/** One article in a manifest. */
export interface ManifestEntry {
  cid: string
  link: string
  title: string | null
  date: string | null
  /** Earlier CIDs of this article (corrections), each once, in the order they were first replaced (the current one among them after a return to its text); absent when it has none. */
  previous?: string[]
}

/** Article path (relative to the manifest's folder, with `/`) → entry. */
export type Manifest = Record<string, ManifestEntry>

/** The key of an article in the manifest at `manifestPath`: its path relative to the manifest's folder, with forward slashes. */
export function manifestKey (manifestPath: string, articlePath: string): string {
  return relative(dirname(resolve(manifestPath)), resolve(articlePath)).split(sep).join('/')
}

/** Reads a manifest; a missing file is an empty manifest, a malformed one an error (naming it as `shown`, the path as the user gave it). */
export async function readManifest (path: string, shown = path): Promise<Manifest> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    if (err.code === 'ENOENT') return {}
    if (err.code === 'EISDIR') throw new InvalidArgumentError(`manifest ${shown} is a folder, not a JSON file`)
    throw new InvalidArgumentError(`cannot read manifest ${shown}: ${err.code ?? err.message}`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new InvalidArgumentError(`manifest ${shown} is not valid JSON`)
  }
  if (data == null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InvalidArgumentError(`manifest ${shown} is not a JSON object of article path → {cid, link, title, date}`)
  }
  // what publish and edition rely on, checked before either uses it
  checkManifest(data as Manifest, `manifest ${shown}`)
  return data as Manifest
}

/** Manifests already checked (a manifest read by readManifest is not checked again by the edition). */
const checked = new WeakSet<Manifest>()

/**
 * Checks every entry of a manifest ({@link checkManifestEntry}), once per manifest object. A CID
 * written in another multibase (`BAFY…`, base36 `k…`) is the same CID: the entry is given its
 * usual text (base32, `Qm…` for CIDv0), which is what publish compares and an edition links.
 */
export function checkManifest (manifest: Manifest, where: string): void {
  if (checked.has(manifest)) return
  for (const [key, entry] of Object.entries(manifest)) checkManifestEntry(where, key, entry)
  checked.add(manifest)
}

/**
 * Checks what publish and edition rely on in a manifest's entry: its CID, and its earlier CIDs
 * (a list of CIDs, each once: their places are the corrections' numbers). `where` names the
 * manifest in the error.
 */
function checkManifestEntry (where: string, key: string, entry: unknown): asserts entry is ManifestEntry {
  if (entry == null || typeof entry !== 'object' || Array.isArray(entry)) throw new InvalidArgumentError(`${where}: "${key}" is not an object {cid, link, title, date}`)
  const e = entry as Record<string, unknown>
  if (typeof e.cid !== 'string') throw new InvalidArgumentError(`${where}: "${key}" has no cid`)
  // every entry's CID: the forms publish writes are recognised by their text (parsing 200,000 CIDs
  // took a second, on every publish --manifest and edition --manifest of a large site); others are parsed
  // (another multibase, `BAFY…`, is the same CID: it is written in its usual text, which is what publish compares and links)
  if (!USUAL_CID.test(e.cid)) e.cid = assertCid(e.cid, where, key).toString()
  if (e.previous === undefined) return
  if (!Array.isArray(e.previous) || e.previous.some(c => typeof c !== 'string')) throw new InvalidArgumentError(`${where}: "${key}".previous is not a list of CIDs`)
  // the same content in another form (CIDv0 and CIDv1, another base) is the same version
  const seen = new Map<string, string>()
  const previous = e.previous as string[]
  for (const [i, c] of previous.entries()) {
    const cid = assertCid(c, where, key)
    previous[i] = cid.toString()
    const same = cid.toV1().toString()
    const first = seen.get(same)
    if (first != null) throw new InvalidArgumentError(`${where}: "${key}".previous lists ${first === c ? c : `${first} and ${c} (the same content)`} twice (each earlier CID once: its place is its correction's number)`)
    seen.set(same, c)
  }
}

/** A CIDv1 in base32 of a dag-pb or raw block under sha2-256 (`bafybei…`, `bafkrei…`; its last character carries no padding bits), or a CIDv0 (`Qm…`). */
const USUAL_CID = /^(?:baf(?:ybei|krei)[a-z2-7]{51}[aeimquy4]|Qm[1-9A-HJ-NP-Za-km-z]{44})$/

function assertCid (text: string, where: string, key: string): CID {
  try {
    return parseCidText(text)
  } catch {
    throw new InvalidArgumentError(`${where}: "${key}": ${JSON.stringify(text.slice(0, 100))} is not a CID`)
  }
}

/** The manifest as written: keys sorted, fields in a fixed order, two-space indent, final newline. */
export function serializeManifest (manifest: Manifest): string {
  const sorted: Manifest = {}
  for (const key of Object.keys(manifest).sort()) {
    const { cid, link, title, date, previous } = manifest[key]
    sorted[key] = { cid, link, title, date }
    if (previous != null && previous.length > 0) sorted[key].previous = previous
  }
  return JSON.stringify(sorted, null, 2) + '\n'
}

/** Writes the manifest atomically, only when its content changes (its folder is made if missing, as a site's output folder may be). Returns whether it changed. */
export async function writeManifest (path: string, manifest: Manifest): Promise<boolean> {
  const text = serializeManifest(manifest)
  const old = await readFile(path, 'utf8').catch(() => null)
  if (old === text) return false
  await mkdir(dirname(path), { recursive: true })
  await writeFileAtomic(path, text)
  return true
}

/**
 * The entry of an article published to `cid`: when the manifest held another CID
 * for it, that one joins the end of `previous` (a correction) unless it is there
 * already. `previous` only grows: going back to an earlier CID leaves it where it
 * is, so each earlier version keeps its place, which is its correction's number
 * in an edition (`corrections/<name>/<n>`, versions.ts `splitVersions`).
 */
export function nextEntry (old: ManifestEntry | undefined, entry: Omit<ManifestEntry, 'previous'>): ManifestEntry {
  const previous = [...new Set(old?.previous ?? [])]
  if (old != null && old.cid !== entry.cid && !previous.includes(old.cid)) previous.push(old.cid)
  return previous.length > 0 ? { ...entry, previous } : { ...entry }
}

/** Article paths whose CID in `manifest` is missing or differs from `actual` (key → CID). */
export function compareManifest (manifest: Manifest, actual: Map<string, string>): Array<{ key: string, expected: string | null, actual: string }> {
  const out: Array<{ key: string, expected: string | null, actual: string }> = []
  for (const [key, cid] of actual) {
    const expected = manifest[key]?.cid ?? null
    if (expected !== cid) out.push({ key, expected, actual: cid })
  }
  return out
}
