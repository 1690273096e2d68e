import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRepo } from '../../../src/index.js'
import { decodeKey, generateKey, importKey, listKeys, loadKey, removeKey } from '../../../src/core/ipns/keystore.js'
import { acceptRecord, publishName, refreshRecord, resolveName } from '../../../src/core/ipns/names.js'
import { nextEntry } from '../../../src/core/manifest.js'
import { getVersions, recordVersion, splitVersions } from '../../../src/core/store/versions.js'
import type { Repo } from '../../../src/index.js'

const CID_A = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
const CID_B = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

describe('IPNS keys and records in a repo', () => {
  let dir: string
  let repo: Repo
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfs-publish-ipns-'))
    repo = await openRepo(join(dir, 'repo'))
  })
  afterAll(async () => { await repo.close(); await rm(dir, { recursive: true, force: true }) })

  it('keys: a file of mode 0600 each; imported from bytes, base64 or multibase text; a bad key is refused', async () => {
    const made = await generateKey(repo.path, 'a')
    expect((await stat(join(repo.path, 'keys', 'a.key'))).mode & 0o777).toBe(0o600)
    const bytes = await readFile(join(repo.path, 'keys', 'a.key'))
    for (const [name, data] of [['b', bytes], ['c', bytes.toString('base64')], ['d', 'm' + bytes.toString('base64').replace(/=+$/, '')], ['e', Buffer.from(bytes.toString('base64url') + '\n')]] as const) {
      expect((await importKey(repo.path, name, data)).id).toBe(made.id)
    }
    expect((await listKeys(repo.path)).map(k => k.name)).toEqual(['a', 'b', 'c', 'd', 'e'])
    await expect(decodeKey('bm90IGEga2V5')).rejects.toThrow(/not an Ed25519 private key/)
    await expect(importKey(repo.path, '../x', bytes)).rejects.toThrow(/key name/)
    await removeKey(repo.path, 'e')
    await expect(loadKey(repo.path, 'e')).rejects.toThrow(/no key "e"/)
  })

  it('sequence numbers only grow: above the held record (expired too) and above records seen elsewhere', async () => {
    await generateKey(repo.path, 'seq')
    const r0 = await publishName(repo, 'seq', CID_A, { lifetime: 1 })
    expect(r0.sequence).toBe(0n)
    await new Promise(resolve => setTimeout(resolve, 20))
    // the held record has expired: resolving it fails, the next one still goes above it
    await expect(resolveName(repo, r0.name)).rejects.toThrow(/not valid: record has expired/)
    const r1 = await publishName(repo, 'seq', CID_B)
    expect(r1.sequence).toBe(1n)
    const r2 = await publishName(repo, 'seq', CID_A, { seen: [{ ...r1, sequence: 41n }] })
    expect(r2.sequence).toBe(42n)
    expect((await resolveName(repo, r2.name)).value).toBe(`/ipfs/${CID_A}`)
    // a record of lower sequence is refused; the held one stays
    await expect(acceptRecord(repo, r1.name, r1.bytes)).rejects.toThrow(/sequence number 1, lower than the 42/)
    expect((await resolveName(repo, r2.name)).sequence).toBe(42n)
  })

  it('refresh: the same value and sequence number, a new validity, only when due', async () => {
    await generateKey(repo.path, 'fresh')
    const r = await publishName(repo, 'fresh', CID_A, { lifetime: 60_000 })
    expect(await refreshRecord(repo, 'fresh', { before: 1_000 })).toBeUndefined()
    const again = await refreshRecord(repo, 'fresh', { before: 120_000, lifetime: 3_600_000 })
    expect(again).toMatchObject({ value: r.value, sequence: r.sequence })
    expect(Date.parse(again!.validity)).toBeGreaterThan(Date.parse(r.validity))
  })

  it('versions of a path and manifest entries: a correction appends; going back makes the earlier one current and leaves it in its place among the earlier ones', async () => {
    await recordVersion(repo.datastore, '/a.txt', 'x')
    await recordVersion(repo.datastore, '/a.txt', 'y')
    await recordVersion(repo.datastore, '/a.txt', 'y')
    expect(await getVersions(repo.datastore, '/a.txt')).toEqual(['x', 'y'])
    // back to the first text: it stays the first earlier version (its correction's number), and is the current one
    await recordVersion(repo.datastore, '/a.txt', 'x')
    expect(await getVersions(repo.datastore, '/a.txt')).toEqual(['x', 'y', 'x'])
    expect(splitVersions(await getVersions(repo.datastore, '/a.txt'))).toEqual({ current: 'x', earlier: ['x', 'y'] })
    await recordVersion(repo.datastore, '/a.txt', 'z')
    expect(await getVersions(repo.datastore, '/a.txt')).toEqual(['x', 'y', 'z'])
    await recordVersion(repo.datastore, '/a.txt', 'y')
    expect(await getVersions(repo.datastore, '/a.txt')).toEqual(['x', 'y', 'z', 'y'])
    // a list written before 2026-12-06 (a return moved the version to the end) reads as it did
    expect(splitVersions(['y', 'x'])).toEqual({ current: 'x', earlier: ['y'] })
    const e = { link: '', title: null, date: null }
    expect(nextEntry(undefined, { cid: 'x', ...e })).toEqual({ cid: 'x', ...e })
    expect(nextEntry({ cid: 'x', ...e }, { cid: 'y', ...e })).toEqual({ cid: 'y', ...e, previous: ['x'] })
    // the manifest's `previous` likewise only grows: the repo's and the manifest's editions agree
    expect(nextEntry({ cid: 'y', ...e, previous: ['x'] }, { cid: 'x', ...e })).toEqual({ cid: 'x', ...e, previous: ['x', 'y'] })
    expect(nextEntry({ cid: 'x', ...e, previous: ['x', 'y'] }, { cid: 'z', ...e })).toEqual({ cid: 'z', ...e, previous: ['x', 'y'] })
    expect(nextEntry({ cid: 'z', ...e, previous: ['x', 'y'] }, { cid: 'y', ...e })).toEqual({ cid: 'y', ...e, previous: ['x', 'y', 'z'] })
    expect(nextEntry({ cid: 'y', ...e, previous: ['x'] }, { cid: 'y', ...e })).toEqual({ cid: 'y', ...e, previous: ['x'] })
  })
})
