import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, PUBLISH_BIN, SAMPLE, tempDir } from '../helpers/cli.js'

/** The sample's CID in each profile: pinned here so that a change to the bundle format cannot go unnoticed. */
const SAMPLE_CID_V1 = 'bafybeibzj7diah22xe43rtnlfqyjnyqps33jytvbzo4lbn4hmpklfcryhi'

describe('publish', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let repo: string
  beforeAll(async () => {
    tmp = await tempDir()
    repo = join(tmp.path, 'repo')
  })
  afterAll(async () => { await tmp.cleanup() })

  it('publishes the sample: prints CID and link, exit 0', async () => {
    const res = await cli(['--repo', repo, 'publish', SAMPLE])
    expect(res.code).toBe(0)
    expect(res.stderr).toBe('')
    const [first, second] = res.stdout.split('\n')
    expect(first.split(' ')[0]).toBe(SAMPLE_CID_V1)
    expect(second.trim()).toBe(`https://${SAMPLE_CID_V1}.ipfs.dweb.link/article.txt?filename=us-joins-ukraine-peace-force-talks-plans-ready-to-act.txt&download=true`)
  })

  it('`publish` (the second bin) is `ipfs-publish publish`', async () => {
    const res = await cli(['--repo', repo, '-q', SAMPLE], { bin: PUBLISH_BIN })
    expect(res.code).toBe(0)
    expect(res.stdout.trim()).toBe(SAMPLE_CID_V1)
  })

  it('--json prints one object per article and nothing else on stdout', async () => {
    const res = await cli(['--repo', repo, '--json', 'publish', SAMPLE])
    expect(res.code).toBe(0)
    const lines = res.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const json = JSON.parse(lines[0])
    expect(Object.keys(json).sort()).toEqual(['categories', 'cid', 'date', 'files', 'link', 'path', 'title'])
    expect(json).toMatchObject({ cid: SAMPLE_CID_V1, title: 'US Joins Ukraine Peace Force Talks, Plans Ready to Act', date: '2025-07-11', categories: ['Defence & Security'] })
    expect(json.files).toEqual([
      { name: 'article.txt', cid: expect.stringMatching(/^bafkrei/), bytes: 3501 },
      { name: 'metadata.json', cid: expect.stringMatching(/^bafkrei/), bytes: expect.any(Number) }
    ])
  })

  it('--cid-profile unixfs-v0-2015 gives a CIDv0, and the link uses its base32 CIDv1 form', async () => {
    const res = await cli(['--repo', repo, '--json', 'publish', SAMPLE, '--cid-profile', 'unixfs-v0-2015'])
    expect(res.code).toBe(0)
    const json = JSON.parse(res.stdout)
    expect(json.cid).toMatch(/^Qm/)
    expect(json.link).toMatch(/^https:\/\/bafybei[a-z2-7]+\.ipfs\.dweb\.link\//)
    expect(json.files[0].cid).toMatch(/^Qm/)
  })

  it('--gateway and --link-template shape the link', async () => {
    const path = await cli(['-q', '--json', 'publish', SAMPLE, '-n', '--gateway', 'http://127.0.0.1:8080'])
    expect(JSON.parse(path.stdout).link).toBe(`http://127.0.0.1:8080/ipfs/${SAMPLE_CID_V1}/article.txt?filename=us-joins-ukraine-peace-force-talks-plans-ready-to-act.txt&download=true`)
    const tpl = await cli(['--json', 'publish', SAMPLE, '-n', '--link-template', 'ipfs://{cid}/{file}#{slug}'])
    expect(JSON.parse(tpl.stdout).link).toBe(`ipfs://${SAMPLE_CID_V1}/article.txt#us-joins-ukraine-peace-force-talks-plans-ready-to-act`)
  })

  it('a gateway URL with a path gives path links; --gateway-style chooses; impossible choices are refused', async () => {
    const link = async (...args: string[]): Promise<string> => JSON.parse((await cli(['--json', 'publish', SAMPLE, '-n', ...args])).stdout).link
    const tail = `/ipfs/${SAMPLE_CID_V1}/article.txt?filename=us-joins-ukraine-peace-force-talks-plans-ready-to-act.txt&download=true`
    expect(await link('--gateway', 'https://ipfs.io/ipfs')).toBe(`https://ipfs.io${tail}`)
    expect(await link('--gateway', 'https://ipfs.io/ipfs/')).toBe(`https://ipfs.io${tail}`)
    expect(await link('--gateway', 'https://example.org/mirror')).toBe(`https://example.org/mirror${tail}`)
    expect(await link('--gateway', 'https://dweb.link', '--gateway-style', 'path')).toBe(`https://dweb.link${tail}`)
    expect(await link('--gateway', 'http://localhost:8080')).toBe(`http://${SAMPLE_CID_V1}.ipfs.localhost:8080/article.txt?filename=us-joins-ukraine-peace-force-talks-plans-ready-to-act.txt&download=true`)
    expect(await link('--gateway', 'https://dweb.link', '--gateway-style', 'subdomain')).toMatch(/^https:\/\/bafybei[a-z2-7]+\.ipfs\.dweb\.link\/article\.txt\?/)
    for (const bad of [['--gateway', 'https://ipfs.io/ipfs', '--gateway-style', 'subdomain'], ['--gateway', 'http://127.0.0.1:8080', '--gateway-style', 'subdomain'], ['--gateway', 'https://ipfs.io/?x=1']]) {
      const r = await cli(['publish', SAMPLE, '-n', ...bad])
      expect(r.code, bad.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/^error: [^\n]+\n$/)
    }
  })

  it('--only-hash stores nothing', async () => {
    const fresh = join(tmp.path, 'untouched')
    const res = await cli(['--repo', fresh, 'publish', SAMPLE, '--only-hash', '-q'])
    expect(res.code).toBe(0)
    expect(res.stdout.trim()).toBe(SAMPLE_CID_V1)
    await expect(readFile(join(fresh, 'owner.pid'))).rejects.toThrow()
  })

  it('ls lists what was published', async () => {
    // the sample was published again with the CIDv0 profile above: a later version of the same file,
    // so the CIDv1 one is listed among every version
    const res = await cli(['--repo', repo, 'ls', '--all-versions'])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain(SAMPLE_CID_V1)
    expect(res.stdout).toContain('2025-07-11')
    expect(res.stdout).toContain('US Joins Ukraine Peace Force Talks')
    const json = (await cli(['--repo', repo, 'ls', '--json', '--all-versions'])).stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(json.map(j => j.cid)).toContain(SAMPLE_CID_V1)
    expect(Object.keys(json[0]).sort()).toEqual(['categories', 'cid', 'current', 'date', 'earlier', 'files', 'link', 'path', 'title', 'version', 'versions'])
  })

  it('is deterministic: two repos, two paths, two runs give one CID', async () => {
    const other = join(tmp.path, 'elsewhere', 'renamed.txt')
    await mkdir(join(tmp.path, 'elsewhere'), { recursive: true })
    await copyFile(SAMPLE, other)
    const a = await cli(['--repo', join(tmp.path, 'repo-a'), 'publish', SAMPLE, '-q'])
    const b = await cli(['--repo', join(tmp.path, 'repo-b'), 'publish', other, '-q'], { cwd: tmp.path })
    const c = await cli(['--repo', join(tmp.path, 'repo-b'), 'publish', other, '-q'])
    expect(new Set([a.stdout, b.stdout, c.stdout, SAMPLE_CID_V1 + '\n']).size).toBe(1)
  })

  it('--write-link writes the link into the source, and publishing it again gives the same CID', async () => {
    const file = join(tmp.path, 'write-link.txt')
    await copyFile(SAMPLE, file)
    const res = await cli(['--repo', repo, '--json', 'publish', file, '--write-link'])
    expect(res.code).toBe(0)
    const { cid, link } = JSON.parse(res.stdout)
    const text = await readFile(file, 'utf8')
    expect(text.endsWith(`[Download IPFS](${link})`)).toBe(true)
    expect(text.replace(link, '#')).toBe(await readFile(SAMPLE, 'utf8'))
    const again = await cli(['--repo', repo, 'publish', file, '-q'])
    expect(again.stdout.trim()).toBe(cid)
  })

  it('--write-link on an article with no Download IPFS line: refused before storing (exit 1, no CID, nothing pinned, file untouched)', async () => {
    const fresh = join(tmp.path, 'no-link-repo')
    const file = join(tmp.path, 'no-link.txt')
    const text = '## No Link Here\n\nJuly 1, 2025\n\nBody without the line.\n'
    await writeFile(file, text)
    const res = await cli(['--repo', fresh, 'publish', file, '--write-link'])
    expect(res.code).toBe(1)
    expect(res.stdout).toBe('')
    expect(res.stderr).toMatch(/^error: [^\n]*no \[Download IPFS\]\(…\) link to write the link into; nothing was stored[^\n]*\n$/)
    expect(await readFile(file, 'utf8')).toBe(text)
    const pins = await cli(['--repo', fresh, 'pin', 'ls', '-q'])
    expect(pins.stdout).toBe('')
    expect((await cli(['--repo', fresh, 'stat', '--json'])).stdout).toMatch(/"blocks":0/)
  })

  it('publishes a folder recursively (*.txt and *.md), with Markdown front matter and plain text', async () => {
    const dir = join(tmp.path, 'batch')
    await mkdir(join(dir, 'nested'), { recursive: true })
    await copyFile(SAMPLE, join(dir, 'house.txt'))
    await writeFile(join(dir, 'nested', 'front.md'), '---\ntitle: Front matter\ndate: 2024-01-02\ncategories: [Science]\nauthor: Ada\n---\nBody text.\n\n[Download IPFS](#)\n')
    await writeFile(join(dir, 'plain.txt'), 'Plain notes\nwith no header\n')
    await writeFile(join(dir, 'ignored.json'), '{}')
    const res = await cli(['--repo', repo, '--json', 'publish', dir])
    expect(res.code).toBe(0)
    const out = res.stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(out.map(o => o.path.split('/').pop())).toEqual(['house.txt', 'front.md', 'plain.txt'])
    expect(out[1]).toMatchObject({ title: 'Front matter', date: '2024-01-02', categories: ['Science'] })
    expect(out[1].files[0].name).toBe('article.md')
    expect(out[2]).toMatchObject({ title: 'Plain notes', date: null, categories: [] })
    expect(res.stderr).toMatch(/^warning: .*plain\.txt: not in the house format/m)
  })

  it('in a batch a bad article fails alone: the others publish, exit 1 naming each failure', async () => {
    const dir = join(tmp.path, 'mixed')
    await mkdir(dir, { recursive: true })
    await copyFile(SAMPLE, join(dir, 'good.txt'))
    await writeFile(join(dir, 'empty.txt'), '')
    await writeFile(join(dir, 'binary.txt'), Buffer.from([0x68, 0x00, 0x69]))
    const res = await cli(['--repo', repo, 'publish', dir, join(tmp.path, 'missing.txt'), '-q'])
    expect(res.code).toBe(1)
    expect(res.stdout.trim()).toBe(SAMPLE_CID_V1)
    expect(res.stderr).toMatch(/^error: .*empty\.txt: the file is empty$/m)
    expect(res.stderr).toMatch(/^error: .*binary\.txt: .*NUL byte.*add/m)
    expect(res.stderr).toMatch(/^error: .*missing\.txt: no such file or directory$/m)
    expect(res.stderr).toMatch(/^error: 3 of 4 article\(s\) failed: /m)
  })
})

describe('publish: bad input', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  const cases: Array<[string, () => Promise<string[]>, number, RegExp]> = [
    ['a missing path', async () => [join(tmp.path, 'nope.txt')], 3, /nope\.txt: no such file or directory/],
    ['an empty file', async () => { const f = join(tmp.path, 'empty.txt'); await writeFile(f, ''); return [f] }, 1, /empty\.txt: the file is empty/],
    ['a file with a NUL byte', async () => { const f = join(tmp.path, 'nul.txt'); await writeFile(f, 'a\0b'); return [f] }, 1, /NUL byte.*ipfs-publish add/],
    ['a file that is not UTF-8', async () => { const f = join(tmp.path, 'latin1.txt'); await writeFile(f, Buffer.from([0x63, 0x61, 0x66, 0xe9])); return [f] }, 1, /not valid UTF-8.*ipfs-publish add/],
    ['an article over the size limit', async () => { const f = join(tmp.path, 'big.txt'); await writeFile(f, 'x'.repeat(2048)); return [f, '--max-size', '1KiB'] }, 1, /over the article size limit of 1024 bytes/],
    ['a ~100 KB title', async () => { const f = join(tmp.path, 'long-title.txt'); await writeFile(f, `## ${'T'.repeat(100_000)}\n\nJuly 11, 2025\n\n— Categories: News\n\nBody.\n`); return [f] }, 1, /long-title\.txt: the title is more than \d+ characters long, over the limit of 1000 \(is a line break missing after it\?\)$/],
    ['a folder with no articles', async () => { const d = join(tmp.path, 'no-articles'); await mkdir(d, { recursive: true }); await writeFile(join(d, 'x.json'), '{}'); return [d] }, 1, /no-articles: no \*\.txt or \*\.md articles/],
    ['--check without --manifest', async () => [SAMPLE, '--check'], 2, /--check needs --manifest/],
    ['an unknown profile', async () => [SAMPLE, '--cid-profile', 'unixfs-v9'], 2, /cid-profile/],
    ['a gateway that is not a URL', async () => [SAMPLE, '--gateway', 'not a url'], 2, /--gateway "not a url" is not a URL/],
    ['an unknown link placeholder', async () => [SAMPLE, '--link-template', 'https://x/{nope}'], 2, /unknown placeholder \{nope\}/],
    ['a malformed --max-size', async () => [SAMPLE, '--max-size', 'lots'], 2, /--max-size "lots" is not a size/],
    ['an unknown option', async () => [SAMPLE, '--frobnicate'], 2, /Unknown argument/]
  ]
  for (const [name, args, code, message] of cases) {
    it(`${name}: one error line, exit ${code}, nothing lost`, async () => {
      const repo = join(tmp.path, `repo-${name.replace(/\W+/g, '-')}`)
      const res = await cli(['--repo', repo, 'publish', ...await args()])
      expect(res.code).toBe(code)
      const lines = res.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^error: /)
      expect(lines[0]).toMatch(message)
      expect(res.stderr).not.toMatch(/\n\s+at /)
      expect(res.stdout).toBe('')
    })
  }

  it('--debug adds the stack trace', async () => {
    const res = await cli(['publish', SAMPLE, '-n', '--gateway', 'nope', '--debug'])
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/\n\s+at /)
  })

  it('a source file is never changed by a failed publish', async () => {
    const f = join(tmp.path, 'keep.txt')
    await writeFile(f, 'a\0b [Download IPFS](#)')
    await cli(['--repo', join(tmp.path, 'r'), 'publish', f, '--write-link'])
    expect(await readFile(f, 'utf8')).toBe('a\0b [Download IPFS](#)')
  })
})

describe('publish: the stat cache of unchanged articles', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('a return to an earlier text is counted as published in the summary, not as unchanged', async () => {
    const repo = join(tmp.path, 'repo-return')
    const dir = join(tmp.path, 'return')
    await mkdir(dir, { recursive: true })
    const a = join(dir, 'a.txt')
    const textA = '## Return\n\nJuly 2, 2025\n\n— Categories: X\n\nThe first text.\n'
    await writeFile(a, textA)
    await writeFile(join(dir, 'b.txt'), '## Other\n\nJuly 3, 2025\n\n— Categories: X\n\nUnchanged.\n')
    const summary = async (): Promise<{ code: number, line: string, cid: string }> => {
      const res = await cli(['--repo', repo, 'publish', dir])
      // stdout: `<cid> <path>` then the link, for each article
      const cid = res.stdout.split('\n').find(l => l.endsWith('a.txt'))?.split(' ')[0] ?? ''
      return { code: res.code, line: res.stderr.trim().split('\n').pop()!.replace(/ in [\d.]+ s$/, ''), cid }
    }
    const first = await summary()
    expect(first).toMatchObject({ code: 0, line: '2 published, 0 failed, 0 unchanged' })
    await writeFile(a, textA.replace('The first text.', 'A corrected text.'))
    const corrected = await summary()
    expect(corrected).toMatchObject({ code: 0, line: '1 published, 0 failed, 1 unchanged' })
    expect(corrected.cid).not.toBe(first.cid)
    // back to the first text: its bundle is stored already, but the article changed
    await writeFile(a, textA)
    const back = await summary()
    expect(back).toMatchObject({ code: 0, line: '1 published, 0 failed, 1 unchanged', cid: first.cid })
    // and again, nothing changed
    expect((await summary()).line).toBe('0 published, 0 failed, 2 unchanged')
  })

  it('never serves a changed file from the cache, even with its mtime put back', async () => {
    const { utimes, stat } = await import('node:fs/promises')
    const repo = join(tmp.path, 'repo')
    const file = join(tmp.path, 'a.txt')
    await writeFile(file, '## One\n\nJuly 1, 2025\n\n— Categories: X\n\nAAAA\n')
    const old = new Date(Date.now() - 3600_000)
    await utimes(file, old, old)
    const first = (await cli(['--repo', repo, 'publish', file, '-q'])).stdout.trim()
    const again = (await cli(['--repo', repo, 'publish', file, '-q'])).stdout.trim()
    expect(again).toBe(first)
    const { mtime } = await stat(file)
    await writeFile(file, '## One\n\nJuly 1, 2025\n\n— Categories: X\n\nBBBB\n') // same size
    await utimes(file, mtime, mtime)
    const changed = (await cli(['--repo', repo, 'publish', file, '-q'])).stdout.trim()
    expect(changed).not.toBe(first)
    expect((await cli(['publish', file, '-n', '-q'])).stdout.trim()).toBe(changed)
  })
})
