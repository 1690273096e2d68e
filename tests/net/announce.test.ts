import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/core/store/repo.js'
import { watchPins } from '../../src/net/announce.js'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'

describe('watchPins (what serve announces)', () => {
  it('reports the pins there are, then a root pinned by another process within a second', async () => {
    const tmp = await tempDir()
    const controller = new AbortController()
    try {
      const path = join(tmp.path, 'repo')
      const first = (await cli(['--repo', path, 'add', SAMPLE, '-q'])).stdout.trim()
      const repo = await openRepo(path, { access: 'read' })
      const seen: string[] = []
      const watching = watchPins(repo, cid => { seen.push(cid.toString()) }, { signal: controller.signal, intervalMs: 100 })
      try {
        for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise(resolve => setTimeout(resolve, 20))
        expect(seen).toEqual([first])
        const published = (await cli(['--repo', path, 'publish', SAMPLE, '-q'])).stdout.trim()
        const done = Date.now()
        while (seen.length < 2 && Date.now() - done < 1000) await new Promise(resolve => setTimeout(resolve, 20))
        expect(seen).toEqual([first, published])
      } finally {
        controller.abort()
        await watching
        await repo.close()
      }
    } finally {
      await tmp.cleanup()
    }
  })
})
