// The build pool never leaves a request waiting: a worker that ends without an 'error' event fails what it had.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BuildPool } from '../../../src/core/build/build-pool.js'
import { tempDir } from '../../helpers/cli.js'

describe('BuildPool', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('a worker that exits on its own rejects the request it held, and every later one', async () => {
    const script = join(tmp.path, 'exits.mjs')
    // takes the request, then ends the thread without answering and without an error
    await writeFile(script, "import { parentPort } from 'node:worker_threads'\nparentPort.on('message', () => { process.exit(3) })\n")
    const pool = new BuildPool(script)
    try {
      const outcome = await Promise.race([
        pool.build(['a.txt'], 'unixfs-v1-2025').then(() => 'answered', (err: Error) => err.message),
        new Promise(resolve => setTimeout(() => resolve('still waiting after 10 s'), 10_000))
      ])
      expect(outcome).toMatch(/the build worker exited \(code 3\) with 1 request\(s\) unanswered/)
      await expect(pool.build(['b.txt'], 'unixfs-v1-2025')).rejects.toThrow(/exited/)
    } finally {
      await pool.close()
    }
  })
})
