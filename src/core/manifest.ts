import { mkdir, readFile } from 'node:fs/promises'
import { dirname, relative, resolve, sep } from 'node:path'
import { InvalidArgumentError } from '../errors.js'
import { writeFileAtomic } from './fs/atomic-write.js'

/** One article in a manifest. */
export interface ManifestEntry {
  cid: string
  link: string
  title: string | null
  date: string | null
  /** Earlier CIDs of this article (corrections), oldest first; absent when it has none. */
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
  return data as Manifest
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
