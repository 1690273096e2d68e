// A file the user names that is not there is exit 3 wherever it is named; a folder
// where a file is wanted is exit 2. One line, the path as given.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, tempDir } from '../helpers/cli.js'

const CID = 'bafybeibzj7diah22xe43rtnlfqyjnyqps33jytvbzo4lbn4hmpklfcryhi'

describe('missing files', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir(); await mkdir(join(tmp.path, 'a-folder')) })
  afterAll(async () => { await tmp.cleanup() })

  const cases: Array<[string, string[], number, RegExp]> = [
    ['publish', ['publish', 'nope.txt'], 3, /^error: nope\.txt: no such file or directory\n$/],
    ['add', ['add', 'nope.bin'], 3, /^error: nope\.bin: no such file or directory\n$/],
    ['import', ['import', 'nope.car'], 3, /^error: nope\.car: no such file or directory\n$/],
    ['import of a folder', ['import', 'a-folder'], 2, /^error: a-folder: is a directory\n$/],
    ['verify --file', ['verify', CID, '--file', 'nope.txt'], 3, /^error: nope\.txt: no such file or directory\n$/],
    ['--config', ['get', CID, '--peer', '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK', '--config', 'nope.json', '-o', 'x'], 3, /^error: --config nope\.json: no such file or directory\n$/]
  ]
  for (const [what, args, code, message] of cases) {
    it(`${what}: exit ${code}, one line naming the path as given`, async () => {
      const r = await cli(['--repo', join(tmp.path, 'repo'), ...args], { cwd: tmp.path })
      expect(r.stderr).toMatch(message)
      expect(r.code).toBe(code)
    })
  }
})
