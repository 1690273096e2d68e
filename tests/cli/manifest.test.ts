import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'

describe('publish --manifest and --check', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let site: string
  beforeAll(async () => {
    tmp = await tempDir()
    site = join(tmp.path, 'site')
    await mkdir(join(site, 'articles', 'b'), { recursive: true })
    await copyFile(SAMPLE, join(site, 'articles', 'b', 'sample.txt'))
    await writeFile(join(site, 'articles', 'a.md'), '---\ntitle: A\ndate: 2024-05-06\n---\nText.\n')
  })
  afterAll(async () => { await tmp.cleanup() })

  it('creates a sorted, stable manifest of path → {cid, link, title, date}', async () => {
    const res = await cli(['--repo', join(tmp.path, 'repo'), 'publish', 'articles', '--manifest', 'manifest.json', '-q'], { cwd: site })
    expect(res.code).toBe(0)
    const text = await readFile(join(site, 'manifest.json'), 'utf8')
    const manifest = JSON.parse(text)
    expect(Object.keys(manifest)).toEqual(['articles/a.md', 'articles/b/sample.txt'])
    expect(Object.keys(manifest['articles/a.md'])).toEqual(['cid', 'link', 'title', 'date'])
    expect(manifest['articles/a.md']).toMatchObject({ title: 'A', date: '2024-05-06' })
    expect(text.endsWith('}\n')).toBe(true)
    // publishing again changes nothing, byte for byte
    await cli(['--repo', join(tmp.path, 'repo'), 'publish', 'articles', '--manifest', 'manifest.json', '-q'], { cwd: site })
    expect(await readFile(join(site, 'manifest.json'), 'utf8')).toBe(text)
  })

  it('--check passes when the manifest matches, and writes nothing', async () => {
    const before = await readFile(join(site, 'manifest.json'), 'utf8')
    const res = await cli(['publish', 'articles', '--manifest', 'manifest.json', '--check'], { cwd: site })
    expect(res.code).toBe(0)
    expect(res.stdout).toBe('')
    expect(res.stderr).toMatch(/matches all 2 article/)
    expect(await readFile(join(site, 'manifest.json'), 'utf8')).toBe(before)
  })

  it('a CID written in another multibase (BAFY…, base36 k…) is the same CID: --check passes, publish writes its usual text', async () => {
    const usual = await readFile(join(site, 'manifest.json'), 'utf8')
    const m = JSON.parse(usual)
    m['articles/a.md'].cid = m['articles/a.md'].cid.toUpperCase()
    m['articles/b/sample.txt'].cid = CID.parse(m['articles/b/sample.txt'].cid).toString(base36)
    const other = JSON.stringify(m, null, 2) + '\n'
    await writeFile(join(site, 'other.json'), other)
    const check = await cli(['publish', 'articles', '--manifest', 'other.json', '--check'], { cwd: site })
    expect(check.stderr).toMatch(/matches all 2 article/)
    expect(check.code).toBe(0)
    expect(await readFile(join(site, 'other.json'), 'utf8')).toBe(other)
    const res = await cli(['--repo', join(tmp.path, 'repo'), 'publish', 'articles', '--manifest', 'other.json', '-q'], { cwd: site })
    expect(res.code, res.stderr).toBe(0)
    expect(await readFile(join(site, 'other.json'), 'utf8')).toBe(usual)
  })

  it('--check exits 1 naming every article whose CID differs or is missing, and writes nothing', async () => {
    const before = await readFile(join(site, 'manifest.json'), 'utf8')
    await writeFile(join(site, 'articles', 'a.md'), '---\ntitle: A (edited)\ndate: 2024-05-06\n---\nText.\n')
    await writeFile(join(site, 'articles', 'new.txt'), '## New\n\nJanuary 1, 2026\n\n— Categories: X\n\nNew text.\n')
    const res = await cli(['publish', 'articles', '--manifest', 'manifest.json', '--check'], { cwd: site })
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/^error: articles\/a\.md: CID differs from manifest\.json: manifest has \S+, article publishes to \S+$/m)
    expect(res.stderr).toMatch(/^error: articles\/new\.txt: missing from manifest\.json/m)
    expect(res.stderr).toMatch(/^error: manifest\.json does not match 2 article\(s\)/m)
    expect(res.stderr).not.toMatch(/sample\.txt/)
    expect(await readFile(join(site, 'manifest.json'), 'utf8')).toBe(before)
  })

  it('refuses a manifest that is not JSON, leaving it as it was', async () => {
    await writeFile(join(site, 'broken.json'), '{ nope')
    const res = await cli(['publish', 'articles', '--manifest', 'broken.json', '-n'], { cwd: site })
    expect(res.code).toBe(2)
    expect(res.stderr.trim()).toMatch(/^error: manifest broken\.json is not valid JSON$/)
    expect(await readFile(join(site, 'broken.json'), 'utf8')).toBe('{ nope')
  })

  it('refuses a manifest whose CIDs are not CIDs, or whose previous is not a list of CIDs each once, before anything is published, and leaves it as it was (publish, --check, edition)', async () => {
    const good = JSON.parse(await readFile(join(site, 'manifest.json'), 'utf8'))
    const a = good['articles/a.md']
    const b = good['articles/b/sample.txt']
    const repo = join(tmp.path, 'repo-bad-manifest')
    const cases: Array<[string, any, RegExp]> = [
      ['a string', { ...a, previous: b.cid }, /^error: manifest bad\.json: "articles\/a\.md"\.previous is not a list of CIDs$/],
      ['a number in the list', { ...a, previous: [b.cid, 5] }, /^error: manifest bad\.json: "articles\/a\.md"\.previous is not a list of CIDs$/],
      ['a word', { ...a, previous: ['hello-not-a-cid'] }, /^error: manifest bad\.json: "articles\/a\.md": "hello-not-a-cid" is not a CID$/],
      ['a CID twice', { ...a, previous: [b.cid, a.cid, b.cid] }, new RegExp(`^error: manifest bad\\.json: "articles/a\\.md"\\.previous lists ${b.cid} twice`)],
      ['a CID twice, once as CIDv0', { ...a, previous: [b.cid, CID.parse(b.cid).toV0().toString()] }, new RegExp(`^error: manifest bad\\.json: "articles/a\\.md"\\.previous lists ${b.cid} and ${CID.parse(b.cid).toV0().toString()} \\(the same content\\) twice`)],
      ['no cid', { ...a, cid: undefined }, /^error: manifest bad\.json: "articles\/a\.md" has no cid$/],
      ['a cid that is not one', { ...a, cid: 'bafynope' }, /^error: manifest bad\.json: "articles\/a\.md": "bafynope" is not a CID$/]
    ]
    for (const [what, entry, message] of cases) {
      const text = JSON.stringify({ ...good, 'articles/a.md': entry }, null, 2) + '\n'
      await writeFile(join(site, 'bad.json'), text)
      for (const args of [['--repo', repo, 'publish', 'articles', '--manifest', 'bad.json'], ['publish', 'articles', '--manifest', 'bad.json', '--check'], ['--repo', repo, '--net', 'local', 'edition', '--manifest', 'bad.json', '--title', 'T']]) {
        const res = await cli(args, { cwd: site })
        expect(res.code, `${what}: ${args.join(' ')}: ${res.stderr}`).toBe(2)
        expect(res.stderr.trim(), what).toMatch(message)
        expect(await readFile(join(site, 'bad.json'), 'utf8'), what).toBe(text)
      }
    }
    // nothing was published into the repo by any of them
    expect((await cli(['--repo', repo, 'ls'], { cwd: site })).stdout).toBe('')
    // a folder named as the manifest
    const res = await cli(['publish', 'articles', '--manifest', 'articles', '-n'], { cwd: site })
    expect(res.code).toBe(2)
    expect(res.stderr.trim()).toBe('error: manifest articles is a folder, not a JSON file')
  }, 120_000)
})
