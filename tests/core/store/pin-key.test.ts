import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as dagPb from '@ipld/dag-pb'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { openRepo } from '../../../src/core/store/repo.js'
import { engineOf } from '../../../src/core/store/engine-of.js'
import { pinKeyOf } from '../../../src/core/store/pin-key.js'
import { pinRoot } from '../../../src/core/store/pins.js'
import { rawCid } from '../../../src/core/unixfs/hash.js'
import { tempDir } from '../../helpers/cli.js'

describe('pinKeyOf', () => {
  it('names the record Helia\'s pinning API writes for a pin, for CIDv1 and CIDv0 roots', async () => {
    const tmp = await tempDir()
    const repo = await openRepo(join(tmp.path, 'r'))
    try {
      const bytes = Buffer.from('pinned block')
      const v1 = rawCid(bytes)
      await repo.blockstore.put(v1, bytes)
      expect(engineOf(repo).getData(pinKeyOf(v1))).toBeUndefined()
      await pinRoot(repo, v1, {})
      await repo.flush()
      expect(engineOf(repo).getData(pinKeyOf(v1))).toBeDefined()
      // a CIDv0 root (dag-pb, sha2-256) pinned through Helia
      const node = dagPb.encode(dagPb.prepare({ Data: new Uint8Array([8, 1]) }))
      const v0 = CID.createV0(await sha256.digest(node))
      await repo.blockstore.put(v0, node)
      await pinRoot(repo, v0, {})
      await repo.flush()
      // its key, derived here without pinKeyOf or CID#toV1: base36 multibase of the bytes of
      // the CIDv1 with the same codec and multihash (version 1, dag-pb 0x70, multihash)
      const expected = `/pin/${base36.encode(new Uint8Array([0x01, 0x70, ...v0.multihash.bytes]))}`
      expect(pinKeyOf(v0)).toBe(expected)
      expect(engineOf(repo).getData(expected)).toBeDefined()
      // and these are the records Helia wrote, no other
      const keys: string[] = []
      for await (const key of repo.datastore.queryKeys({ prefix: '/pin/' })) keys.push(key.toString())
      expect(keys.sort()).toEqual([pinKeyOf(v1), expected].sort())
    } finally {
      await repo.close()
      await tmp.cleanup()
    }
  })
})
