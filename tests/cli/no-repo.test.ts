// A folder with no repo: the commands that only read refuse it with a hint that names the
// commands that make one (issue 19, item 20: the hint named three of them), and create nothing;
// the commands the hint names do make one.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'

describe('a folder with no repo', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('reading commands fail with exit 1 and a hint naming every kind of command that makes a repo, and create nothing', async () => {
    const repo = join(tmp.path, 'none')
    for (const args of [['ls'], ['stat'], ['pin', 'ls'], ['key', 'ls'], ['gc'], ['verify', '--all']]) {
      const r = await cli(['--repo', repo, ...args])
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(/^error: no repo at .*\(a command that writes to a repo makes one: publish, add, import, key gen, key import, name publish, pin add, pin remote service add, serve\)\n$/)
      expect(existsSync(repo)).toBe(false)
    }
  })

  it('the commands the hint names beyond publish, add and import make one', async () => {
    const made = async (args: string[], env?: NodeJS.ProcessEnv): Promise<boolean> => {
      const repo = join(tmp.path, args.join('-'))
      const r = await cli(['--repo', repo, ...args], { env })
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
      return existsSync(join(repo, 'repo.json'))
    }
    expect(await made(['key', 'gen', 'site'])).toBe(true)
    expect(await made(['pin', 'remote', 'service', 'add', 'svc', 'http://127.0.0.1:9/psa', '--token-env', 'T'])).toBe(true)
    expect(await made(['publish', SAMPLE])).toBe(true)
  })
})
