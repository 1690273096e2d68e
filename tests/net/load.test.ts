import autocannon from 'autocannon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gatewayWithSample } from '../helpers/gateway.js'
import type { GatewayFixture } from '../helpers/gateway.js'

describe('the gateway under load', () => {
  let fixture: GatewayFixture
  beforeAll(async () => { fixture = await gatewayWithSample() })
  afterAll(async () => { await fixture?.close() })

  it('answers 2,000 requests at concurrency 50 with no errors', async () => {
    const result = await autocannon({ url: `${fixture.gw.url}/ipfs/${fixture.article.cid}/article.txt`, connections: 50, amount: 2000, timeout: 10 })
    expect(result.errors).toBe(0)
    expect(result.timeouts).toBe(0)
    expect(result.non2xx).toBe(0)
    expect(result['2xx']).toBe(2000)
  }, 240_000)
})
