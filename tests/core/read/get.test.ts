import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { getToPath } from '../../../src/core/read/get.js'
import { catCid } from '../../../src/core/read/cat.js'
import { verifyCid } from '../../../src/core/read/verify.js'
import { VerifyingBlockstore } from '../../../src/core/store/verifying-blockstore.js'
import { buildBundle } from '../../../src/core/article/bundle.js'
import { buildSmallDir } from '../../../src/core/unixfs/build-small-dir.js'
import { CID_PROFILES } from '../../../src/core/unixfs/profiles.js'
import { DagBuilder } from '../../helpers/dag.js'
import { tempDir } from '../../helpers/cli.js'

describe('getToPath refuses what could escape the output folder', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let dag: DagBuilder
  beforeEach(async () => { tmp = await tempDir(); dag = new DagBuilder() })
  afterEach(async () => { await tmp.cleanup() })

  for (const name of ['..', '.', '../x', '/etc/x', 'a/b', 'a\\b', 'nul\0byte', '']) {
    it(`an entry named ${JSON.stringify(name)}`, async () => {
      const root = await dag.dir([['ok.txt', await dag.file('fine')], [name, await dag.file('evil')]])
      const out = join(tmp.path, 'out', 'inner')
      await expect(getToPath(root, out, new VerifyingBlockstore(dag.blockstore))).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' })
      expect(existsSync(out)).toBe(false)
      expect(await readdir(join(tmp.path, 'out'))).toEqual([])
      expect(existsSync(join(tmp.path, 'x'))).toBe(false)
    })
  }

  it('two entries with the same name', async () => {
    const root = await dag.dir([['same', await dag.file('one')], ['same', await dag.file('two')]])
    await expect(getToPath(root, join(tmp.path, 'out'), new VerifyingBlockstore(dag.blockstore))).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' })
    expect(existsSync(join(tmp.path, 'out'))).toBe(false)
  })

  it('writes a nested tree when every name is safe', async () => {
    const inner = await dag.dir([['deep.txt', await dag.file('deep')]])
    const root = await dag.dir([['a.txt', await dag.file('a')], ['sub', inner]])
    const res = await getToPath(root, join(tmp.path, 'out'), new VerifyingBlockstore(dag.blockstore))
    expect(res).toMatchObject({ files: 2, bytes: 5, bundle: false })
    expect(await readFile(join(tmp.path, 'out', 'sub', 'deep.txt'), 'utf8')).toBe('deep')
  })

  it('a missing block fails with NotFoundError and leaves nothing', async () => {
    const root = await dag.dir([['a.txt', await dag.file('a')]])
    const missing = await dag.dir([['a.txt', await new DagBuilder().file('not stored')]])
    const absent = (await new DagBuilder().file('not stored')).toString()
    const err = await getToPath(missing, join(tmp.path, 'out'), new VerifyingBlockstore(dag.blockstore)).catch(e => e)
    expect(err).toMatchObject({ code: 'ERR_NOT_FOUND' })
    expect(err.message).toContain(absent)
    expect(existsSync(join(tmp.path, 'out'))).toBe(false)
    // the same folder, whole this time, is written to the same place: nothing was left in the way
    await expect(getToPath(root, join(tmp.path, 'out'), new VerifyingBlockstore(dag.blockstore))).resolves.toMatchObject({ files: 1 })
    expect(await readFile(join(tmp.path, 'out', 'a.txt'), 'utf8')).toBe('a')
  })
})

describe('bundle checks: metadata.json against the article', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => { tmp = await tempDir() })
  afterEach(async () => { await tmp.cleanup() })

  it('a bundle whose metadata lies about the article fails get, cat and verify with ERR_VERIFICATION_FAILED', async () => {
    const bundle = buildBundle(Buffer.from('## Title\n\nJuly 1, 2025\n\n— Categories: X\n\nBody.\n'), 'a.txt')
    const meta = JSON.parse(Buffer.from(bundle.files[1].bytes).toString())
    meta.file.sha256 = '0'.repeat(64)
    const lying = buildSmallDir([bundle.files[0], { name: 'metadata.json', bytes: Buffer.from(JSON.stringify(meta)) }], CID_PROFILES['unixfs-v1-2025'])
    const dag = new DagBuilder()
    for (const b of lying.blocks) await dag.blockstore.put(b.cid, b.bytes)
    const bs = new VerifyingBlockstore(dag.blockstore)
    await expect(getToPath(lying.root, join(tmp.path, 'out'), bs)).rejects.toMatchObject({ code: 'ERR_VERIFICATION_FAILED', message: expect.stringMatching(/sha256 .* but metadata\.json says 0{64}/) })
    expect(existsSync(join(tmp.path, 'out'))).toBe(false)
    await expect((async () => { for await (const _ of catCid(lying.root, bs)) {} })()).rejects.toMatchObject({ code: 'ERR_VERIFICATION_FAILED' })
    await expect(verifyCid(lying.root, bs)).rejects.toMatchObject({ code: 'ERR_VERIFICATION_FAILED' })
  })

  it('an honest bundle passes all three', async () => {
    const bundle = buildBundle(Buffer.from('## Title\n\nBody.\n'), 'a.txt')
    const built = buildSmallDir(bundle.files, CID_PROFILES['unixfs-v0-2015'])
    const dag = new DagBuilder()
    for (const b of built.blocks) await dag.blockstore.put(b.cid, b.bytes)
    const bs = new VerifyingBlockstore(dag.blockstore)
    expect((await getToPath(built.root, join(tmp.path, 'out'), bs)).bundle).toBe(true)
    expect((await verifyCid(built.root, bs)).bundle).toBe(true)
    const parts: Uint8Array[] = []
    for await (const c of catCid(built.root, bs)) parts.push(c)
    expect(Buffer.concat(parts).toString()).toBe('## Title\n\nBody.\n')
  })
})
