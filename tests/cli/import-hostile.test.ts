import { existsSync } from 'node:fs'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dagPbCid, rawCid } from '../../src/core/unixfs/hash.js'
import { carBytes, varint } from '../helpers/car.js'
import { cli, tempDir } from '../helpers/cli.js'

const file = (text: string): { cid: CID, bytes: Uint8Array } => { const bytes = Buffer.from(text); return { cid: rawCid(bytes), bytes } }
function dir (links: Array<[string, CID]>): { cid: CID, bytes: Uint8Array } {
  const sorted = [...links].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  const bytes = dagPb.encode({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: sorted.map(([Name, Hash]) => ({ Name, Hash, Tsize: 1 })) })
  return { cid: dagPbCid(bytes, 1), bytes }
}

describe('import refuses bad CARs and keeps nothing from them', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  async function importExpect (name: string, bytes: Buffer, code: number, message: RegExp): Promise<void> {
    const repo = join(tmp.path, `repo-${name}`)
    const car = join(tmp.path, `${name}.car`)
    await writeFile(car, bytes)
    const res = await cli(['--repo', repo, 'import', car])
    expect(res.code).toBe(code)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(res.stderr).toMatch(/^error: /)
    expect(res.stderr).toMatch(message)
    const stat = JSON.parse((await cli(['--repo', repo, 'stat', '--json'])).stdout)
    expect(stat).toMatchObject({ blocks: 0, pins: 0, articles: 0 })
  }

  it('a block whose bytes do not match its CID: exit 4', async () => {
    const a = file('good'); const b = file('also good')
    const root = dir([['a', a.cid], ['b', b.cid]])
    await importExpect('bad-block', await carBytes([root.cid], [root, a, { cid: b.cid, bytes: Buffer.from('tampered') }]), 4, new RegExp(`${b.cid} does not match its hash`))
  })

  it('a truncated CAR: exit 4', async () => {
    const a = file('x'.repeat(5000))
    const root = dir([['a', a.cid]])
    const car = await carBytes([root.cid], [root, a])
    await importExpect('truncated', car.subarray(0, car.length - 100), 4, /truncated/)
  })

  it('roots that are not complete in the CAR: exit 3 naming the first missing CID', async () => {
    const a = file('present'); const missing = file('missing')
    const root = dir([['a', a.cid], ['m', missing.cid]])
    await importExpect('incomplete', await carBytes([root.cid], [root, a]), 3, new RegExp(`needs block ${missing.cid}`))
  })

  it('a header claiming an absurd length: exit 4, no crash, bounded memory', async () => {
    await importExpect('absurd-header', Buffer.concat([varint(2n ** 50n), Buffer.alloc(64, 1)]), 4, /CAR/)
  })

  it('a section claiming an absurd length: exit 4', async () => {
    const a = file('a')
    const header = (await carBytes([a.cid], [])).subarray(0)
    await importExpect('absurd-section', Buffer.concat([header, varint(2n ** 40n), Buffer.alloc(10 * 1024 * 1024, 7)]), 4, /section larger than|CAR/)
  })

  it('an identity CID claiming a huge digest: exit 4', async () => {
    const a = file('a')
    const header = await carBytes([a.cid], [])
    // section: length, CIDv1 raw with identity multihash whose length varint claims 2^40 bytes
    const cid = Buffer.concat([Buffer.from([0x01, 0x55, 0x00]), varint(2n ** 40n)])
    await importExpect('identity-huge', Buffer.concat([header, varint(cid.length + 4), cid, Buffer.from('abcd')]), 4, /CAR/)
  })

  it('not a CAR at all: exit 4', async () => {
    await importExpect('garbage', Buffer.from('this is not a CAR file at all, just text'), 4, /CAR/)
  })

  it('a missing file: exit 3', async () => {
    const res = await cli(['--repo', join(tmp.path, 'r'), 'import', join(tmp.path, 'nope.car')])
    expect(res.code).toBe(3)
    expect(res.stderr).toMatch(/nope\.car: no such file/)
  })
})

describe('hostile DAGs from CARs are handled by get', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  for (const name of ['..', '../x', '/etc/x', 'a/b', 'nul\0byte', '']) {
    it(`an entry named ${JSON.stringify(name)} imports, and get refuses it without writing anywhere`, async () => {
      const evil = file('evil'); const ok = file('ok')
      const root = dir([[name, evil.cid], ['ok.txt', ok.cid]])
      const car = join(tmp.path, `names-${Buffer.from(name).toString('hex')}.car`)
      await writeFile(car, await carBytes([root.cid], [root, evil, ok]))
      const repo = join(tmp.path, `repo-${Buffer.from(name).toString('hex')}`)
      expect((await cli(['--repo', repo, 'import', car])).code).toBe(0)
      const out = join(tmp.path, `out-${Buffer.from(name).toString('hex')}`, 'inner')
      const res = await cli(['--repo', repo, 'get', root.cid.toString(), '-o', out])
      expect(res.code).toBe(4)
      expect(res.stderr).toMatch(/unsafe name/)
      expect(existsSync(out)).toBe(false)
      expect(existsSync(join(tmp.path, 'x'))).toBe(false)
    })
  }

  it('duplicate names: get refuses', async () => {
    const a = file('one'); const b = file('two')
    const root = dir([['same', a.cid], ['same', b.cid]])
    const car = join(tmp.path, 'dupes.car')
    await writeFile(car, await carBytes([root.cid], [root, a, b]))
    const repo = join(tmp.path, 'repo-dupes')
    expect((await cli(['--repo', repo, 'import', car])).code).toBe(0)
    const res = await cli(['--repo', repo, 'get', root.cid.toString(), '-o', join(tmp.path, 'out-dupes')])
    expect(res.code).toBe(4)
    expect(res.stderr).toMatch(/two entries named "same"/)
  })

  it('a DAG nested 10,000 levels deep: import, pin and verify cope; get refuses it cleanly', async () => {
    const leaf = file('bottom')
    const blocks = [leaf]
    let child = dir([['leaf.txt', leaf.cid]])
    blocks.push(child)
    for (let i = 0; i < 10_000; i++) { child = dir([['d', child.cid]]); blocks.push(child) }
    const car = join(tmp.path, 'deep.car')
    await writeFile(car, await carBytes([child.cid], blocks.reverse()))
    const repo = join(tmp.path, 'repo-deep')
    const imp = await cli(['--repo', repo, 'import', car], { timeout: 60_000 })
    expect(imp.stderr).toMatch(/imported 10002 block/)
    expect(imp.code).toBe(0)
    expect((await cli(['--repo', repo, 'verify', child.cid.toString()])).code).toBe(0)
    const out = join(tmp.path, 'out-deep')
    const res = await cli(['--repo', repo, 'get', child.cid.toString(), '-o', out])
    expect(res.code).toBe(4)
    expect(res.stderr).toMatch(/deeper than 1024 levels/)
    expect(existsSync(out)).toBe(false)
    expect((await readdir(tmp.path)).filter(n => n.startsWith('.out-deep'))).toEqual([])
  }, 240_000)

  it('an identity CID in a folder is read from the CID itself', async () => {
    const inline = CID.createV1(0x55, identity.digest(Buffer.from('inline bytes')))
    const root = dir([['inline.txt', inline]])
    const car = join(tmp.path, 'identity.car')
    await writeFile(car, await carBytes([root.cid], [root]))
    const repo = join(tmp.path, 'repo-identity')
    expect((await cli(['--repo', repo, 'import', car])).code).toBe(0)
    const res = await cli(['--repo', repo, 'cat', inline.toString()])
    expect(res.stdout).toBe('inline bytes')
  })
})
