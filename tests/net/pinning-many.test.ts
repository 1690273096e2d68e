// Remote pins of many articles: every request is sent first, then all are waited on together,
// each with its own timeout, so one CID a service keeps queued holds up no other.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, tempDir } from '../helpers/cli.js'
import { psaServer } from '../helpers/psa-server.js'
import type { PsaServer } from '../helpers/psa-server.js'

const TOKEN = 'tok-many-5e1d0c-never-printed'
const article = (title: string, day: number): string => `## ${title}\n\nJuly ${day}, 2025\n\nText of ${title}.\n`

describe('publish --pin-remote of many articles, one kept queued', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let psa: PsaServer
  const files: string[] = []
  beforeAll(async () => {
    tmp = await tempDir()
    psa = await psaServer(TOKEN)
    for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) {
      files.push(join(tmp.path, `${name}.txt`))
      await writeFile(files[i], article(`Story ${name.toUpperCase()}`, i + 1))
    }
  })
  afterAll(async () => { await psa?.close(); await tmp?.cleanup() })

  it('the others are asked for and pinned within their own timeout; the stuck one alone times out; a rerun asks again only for it', async () => {
    const cids = (await cli(['publish', ...files, '-n', '-q'])).stdout.trim().split('\n')
    expect(cids).toHaveLength(4)
    psa.held.add(cids[0])
    const repo = join(tmp.path, 'repo')
    const run = async (): Promise<Awaited<ReturnType<typeof cli>>> => await cli(['--repo', repo, '--json', 'publish', ...files, '--pin-remote-url', psa.url, '--pin-timeout', '6s', '--net', 'local'], { env: { IPFS_PINNING_TOKEN: TOKEN }, timeout: 60_000 })
    const r = await run()
    expect(r.code, r.stderr).toBe(1)
    const pins = r.stdout.trim().split('\n').map(l => JSON.parse(l)).filter(x => x.target != null)
    expect(pins.map(p => [p.cid, p.status])).toEqual([[cids[0], 'failed'], [cids[1], 'pinned'], [cids[2], 'pinned'], [cids[3], 'pinned']])
    expect(pins[0].reason).toMatch(/timed out waiting for the service to pin it \(last status: queued\)/)
    // every article was asked for, each once
    expect([...psa.posted].sort()).toEqual([...cids].sort())
    expect(pins.every(p => p.before === null)).toBe(true)
    expect(r.stderr).toMatch(new RegExp(`^error: ${cids[0]} could not be pinned on `, 'm'))

    // released: a second run finds the three pinned (nothing posted again) and the stuck request pinned
    psa.held.clear()
    const again = await run()
    expect(again.code, again.stderr).toBe(0)
    const second = again.stdout.trim().split('\n').map(l => JSON.parse(l)).filter(x => x.target != null)
    expect(second.map(p => [p.cid, p.status, p.before])).toEqual([[cids[0], 'pinned', 'queued'], [cids[1], 'pinned', 'pinned'], [cids[2], 'pinned', 'pinned'], [cids[3], 'pinned', 'pinned']])
    expect(psa.posted).toHaveLength(4)
  }, 120_000)
})
