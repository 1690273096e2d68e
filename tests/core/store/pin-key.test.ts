import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
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
      // Helia keys a CIDv0 by its v1 form
      const v0 = CID.parse('QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn')
      expect(pinKeyOf(v0)).toBe(pinKeyOf(v0.toV1()))
      const listed: string[] = []
      for await (const pin of repo.helia.pins.ls()) listed.push(pinKeyOf(pin.cid))
      expect(listed).toEqual([pinKeyOf(v1)])
    } finally {
      await repo.close()
      await tmp.cleanup()
    }
  })
})
