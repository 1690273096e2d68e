// Under a Node.js older than 22 the bin runs itself again on the project's Node 24.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'
import { serve } from '../helpers/serve.js'

/** The machine's own Node.js when it is older than 22 (Debian's /usr/bin/node here), else undefined. */
function oldNode (): string | undefined {
  const node = '/usr/bin/node'
  if (!existsSync(node)) return undefined
  const major = Number(execFileSync(node, ['-p', 'process.versions.node.split(".")[0]']).toString().trim())
  return major < 22 ? node : undefined
}
const node = oldNode()

describe.skipIf(node == null)('run with a Node.js older than 22', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('gives the same results and exit codes', async () => {
    const ok = await cli(['publish', SAMPLE, '-n', '-q'], { node })
    expect(ok.code).toBe(0)
    expect(ok.stdout.trim()).toBe((await cli(['publish', SAMPLE, '-n', '-q'])).stdout.trim())
    const bad = await cli(['cat', 'not-a-cid'], { node })
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toMatch(/^error: "not-a-cid" is not a valid CID/)
  })

  it('passes SIGTERM on: a serve stopped this way leaves no process behind', async () => {
    const s = await serve(join(tmp.path, 'repo'), [], 30_000, node)
    expect((await fetch(s.gateway)).ok).toBe(true)
    expect(await s.stop('SIGTERM')).toBe(0)
    // the Node 24 process that did the serving is gone too: its gateway refuses connections
    await expect(fetch(s.gateway, { signal: AbortSignal.timeout(5000) })).rejects.toThrow()
  })
})
