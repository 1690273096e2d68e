import { importer } from 'ipfs-unixfs-importer'
import { describe, expect, it } from 'vitest'
import { catCid } from '../../../src/core/read/cat.js'
import { VerifyingBlockstore } from '../../../src/core/store/verifying-blockstore.js'
import { DagBuilder } from '../../helpers/dag.js'
import { detBytes } from '../../helpers/fixtures.js'
import type { CID } from 'multiformats/cid'

/** Reads `cat <path>` to the end. */
async function cat (path: string, store: VerifyingBlockstore): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const chunk of catCid(path, store)) parts.push(chunk)
  return Buffer.concat(parts)
}

describe('a path inside a CID (resolvePath, through catCid)', () => {
  /** A folder holding a file of several blocks (`many.bin`) and a one-block file (`one.txt`), made by the importer. */
  async function folder (dag: DagBuilder): Promise<{ root: CID, many: CID }> {
    let root: CID | undefined
    let many: CID | undefined
    for await (const e of importer([{ path: 'site/many.bin', content: detBytes(600_000, 'many') }, { path: 'site/one.txt', content: Buffer.from('one\n') }], dag.blockstore, { rawLeaves: true, cidVersion: 1 })) {
      if (e.path === 'site') root = e.cid
      if (e.path === 'site/many.bin') many = e.cid
    }
    return { root: root!, many: many! }
  }

  it('a path that goes on past a file is NotFoundError "no such path", for a file of one block or many', async () => {
    const dag = new DagBuilder()
    const { root, many } = await folder(dag)
    expect(many.code).toBe(0x70) // dag-pb: a root with links
    const store = new VerifyingBlockstore(dag.blockstore)
    expect(Buffer.compare(await cat(`${root}/many.bin`, store), detBytes(600_000, 'many'))).toBe(0)
    for (const [path, at] of [[`${root}/many.bin/x`, `${root}/many.bin`], [`${root}/one.txt/x/y`, `${root}/one.txt`], [`${many}/x`, `${many}`]]) {
      await expect(cat(path, store), path).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', message: `${path}: no such path, ${at} is a file` })
    }
    await expect(cat(`${root}/nope`, store)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', message: `${root}/nope: no such path, ${root} has no entry "nope"` })
  })

  it('a block missing on the way is the store\'s not-found, naming the block (not "no such path")', async () => {
    const dag = new DagBuilder()
    const absent = await new DagBuilder().file('elsewhere')
    const root = await dag.dir([['gone', absent]])
    await expect(cat(`${root}/gone/x`, new VerifyingBlockstore(dag.blockstore))).rejects.toMatchObject({ code: 'ERR_NOT_FOUND', message: expect.stringContaining(`block ${absent} is not in the store`) })
  })
})
