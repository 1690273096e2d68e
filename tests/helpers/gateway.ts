import { join } from 'node:path'
import { openRepo, publish } from '../../src/index.js'
import { startGateway } from '../../src/net/gateway.js'
import { SAMPLE, tempDir } from './cli.js'
import type { PublishResult, Repo } from '../../src/index.js'
import type { Gateway } from '../../src/net/gateway.js'

export interface GatewayFixture { repo: Repo, gw: Gateway, article: PublishResult, close(): Promise<void> }

/** A repo with the sample published, and a gateway over it on 127.0.0.1 (a random port). */
export async function gatewayWithSample (): Promise<GatewayFixture> {
  const tmp = await tempDir()
  const repo = await openRepo(join(tmp.path, 'repo'))
  const [r] = await publish([SAMPLE], { repo })
  if (!r.ok) throw r.error
  const gw = await startGateway(repo, { listen: '127.0.0.1:0' })
  return { repo, gw, article: r, close: async () => { await gw.close(); await repo.close(); await tmp.cleanup() } }
}
