import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import * as cborg from 'cborg'
import { Key } from 'interface-datastore'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { collectGarbage } from '../../../src/core/store/maintenance.js'
import { pinKeyOf } from '../../../src/core/store/pin-key.js'
import { pinRoot } from '../../../src/core/store/pins.js'
import { openRepo } from '../../../src/core/store/repo.js'
import { rawCid } from '../../../src/core/unixfs/hash.js'
import { tempDir } from '../../helpers/cli.js'

describe('gc and pin records naming pins that are gone', () => {
  it('drops them, so gc frees the blocks they held; records of live pins stay', async () => {
    const tmp = await tempDir()
    const repo = await openRepo(join(tmp.path, 'r'))
    try {
      const x = Buffer.from('a block two pins hold')
      const y = Buffer.from('a block only the gone pin held')
      const [cx, cy] = [rawCid(x), rawCid(y)]
      const root = dagPb.encode(dagPb.prepare({ Links: [{ Hash: cx, Name: 'x', Tsize: x.length }, { Hash: cy, Name: 'y', Tsize: y.length }] }))
      const croot = CID.createV1(dagPb.code, await sha256.digest(root))
      for (const [c, b] of [[cx, x], [cy, y], [croot, root]] as const) await repo.blockstore.put(c, b)
      await pinRoot(repo, croot, {})
      await pinRoot(repo, cx, {})
      // what an unpin that did not reach the DAG's blocks left: the pin is gone, its block records stay
      await repo.datastore.delete(new Key(pinKeyOf(croot)))
      await repo.flush()
      const freed = await collectGarbage(repo)
      expect(freed.blocks).toBe(2)
      expect(await repo.blockstore.has(cy)).toBe(false)
      expect(await repo.blockstore.has(croot)).toBe(false)
      expect(await repo.blockstore.has(cx)).toBe(true)
      // the live pin's record names it alone now
      const record = cborg.decode(await repo.datastore.get(new Key(`/pinned-block/${base36.encode(cx.multihash.bytes)}`)))
      expect(record).toEqual({ pinCount: 1, pinnedBy: [cx.bytes] })
      const left: string[] = []
      for await (const key of repo.datastore.queryKeys({ prefix: '/pinned-block/' })) left.push(key.toString())
      expect(left).toHaveLength(1)
    } finally {
      await repo.close()
      await tmp.cleanup()
    }
  })
})
