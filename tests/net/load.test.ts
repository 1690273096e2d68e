import { join } from 'node:path'
import autocannon from 'autocannon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRepo, publish } from '../../src/index.js'
import { startGateway } from '../../src/net/gateway.js'
import { SAMPLE, tempDir } from '../helpers/cli.js'
import type { Gateway } from '../../src/net/gateway.js'
import type { Repo } from '../../src/index.js'

describe('the gateway under load', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: Repo
  let gw: Gateway
  let cid: string
  beforeAll(async () => {
    tmp = await tempDir()
    repo = await openRepo(join(tmp.path, 'repo'))
    const [r] = await publish([SAMPLE], { repo })
    if (!r.ok) throw r.error
    cid = r.cid
    gw = await startGateway(repo, { listen: '127.0.0.1:0' })
  })
  afterAll(async () => { await gw?.close(); await repo?.close(); await tmp.cleanup() })

  it('answers 2,000 requests at concurrency 50 with no errors', async () => {
    const result = await autocannon({ url: `${gw.url}/ipfs/${cid}/article.txt`, connections: 50, amount: 2000, timeout: 10 })
    expect(result.errors).toBe(0)
    expect(result.timeouts).toBe(0)
    expect(result.non2xx).toBe(0)
    expect(result['2xx']).toBe(2000)
  }, 60_000)
})
