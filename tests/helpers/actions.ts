// Runs a composite GitHub Action (action.yml) as the Actions runner would, for tests: each
// step's `if`, its `env` with `${{ … }}` expressions, `shell: bash` run with
// `bash --noprofile --norc -eo pipefail`, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, step
// outputs, and the action's outputs. Only the expression forms action.yml uses are known
// (contexts inputs, github, steps; '…' literals; == != && || and parentheses): anything else
// throws, so a change to action.yml that this runner does not understand fails loudly.
import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { track } from './processes.js'

export interface ActionRun {
  outputs: Record<string, string>
  steps: Record<string, { outputs: Record<string, string>, outcome: 'success' | 'failure' | 'skipped' }>
  summary: string
  log: string
  /** 0 when every step that ran succeeded, else the failing step's exit code. */
  code: number
}

type Value = string | undefined
interface Contexts { inputs: Record<string, string>, github: Record<string, any>, steps: Record<string, { outputs: Record<string, string> }> }

/** Evaluates one expression (the inside of `${{ … }}`, or an `if:`). */
export function evaluate (expr: string, ctx: Contexts): Value {
  const tokens = expr.match(/'(?:[^']|'')*'|==|!=|&&|\|\||[()!]|[A-Za-z_][\w.-]*|\S/g) ?? []
  let i = 0
  const peek = (): string | undefined => tokens[i]
  const truthy = (v: Value): boolean => v != null && v !== '' && v !== 'false' && v !== '0'
  const primary = (): Value => {
    const t = tokens[i++]
    if (t == null) throw new Error(`expression ended early: ${expr}`)
    if (t === '(') { const v = or(); if (tokens[i++] !== ')') throw new Error(`missing ) in ${expr}`); return v }
    if (t === '!') return truthy(primary()) ? 'false' : 'true'
    if (t.startsWith("'")) return t.slice(1, -1).replaceAll("''", "'")
    const [root, ...rest] = t.split('.')
    if (!['inputs', 'github', 'steps'].includes(root)) throw new Error(`this runner does not know the context of ${t}`)
    let v: any = (ctx as any)[root]
    for (const part of rest) v = v?.[part]
    return v == null ? '' : String(v)
  }
  const cmp = (): Value => {
    const left = primary()
    const op = peek()
    if (op === '==' || op === '!=') { i++; const right = primary(); const eq = (left ?? '').toLowerCase() === (right ?? '').toLowerCase(); return String(op === '==' ? eq : !eq) }
    return left
  }
  const and = (): Value => { let v = cmp(); while (peek() === '&&') { i++; const r = cmp(); v = truthy(v) ? r : v } return v }
  const or = (): Value => { let v = and(); while (peek() === '||') { i++; const r = and(); v = truthy(v) ? v : r } return v }
  const v = or()
  if (i !== tokens.length) throw new Error(`this runner cannot read ${expr}`)
  return v
}

/** A string with every `${{ … }}` replaced by its value. */
export function interpolate (text: string, ctx: Contexts): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => evaluate(e.trim(), ctx) ?? '')
}

/** Reads a GITHUB_OUTPUT file: `name=value` lines and `name<<delimiter` blocks. */
function readOutputs (text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([\w-]+)<<(.+)$/.exec(lines[i])
    if (heredoc != null) {
      const end = lines.indexOf(heredoc[2], i + 1)
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      out[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return out
}

/** Runs the composite action at `actionDir` in `workspace` with `inputs`; each step bounded by `stepTimeoutMs`. */
export async function runAction (actionDir: string, workspace: string, inputs: Record<string, string>, options: { github?: Record<string, any>, env?: NodeJS.ProcessEnv, stepTimeoutMs?: number } = {}): Promise<ActionRun> {
  const action = parse(await readFile(join(actionDir, 'action.yml'), 'utf8'))
  if (action?.runs?.using !== 'composite') throw new Error('not a composite action')
  // inputs as the runner gives them: the defaults, then what the workflow sets
  const given: Record<string, string> = {}
  for (const [name, spec] of Object.entries<any>(action.inputs ?? {})) given[name] = String(spec?.default ?? '')
  for (const [name, value] of Object.entries(inputs)) {
    if (!(name in given)) throw new Error(`action.yml has no input "${name}"`)
    given[name] = value
  }
  const ctx: Contexts = { inputs: given, github: { action_path: actionDir, workspace, event: {}, ...options.github }, steps: {} }
  const run: ActionRun = { outputs: {}, steps: {}, summary: '', log: '', code: 0 }
  const summaryFile = join(workspace, '..', `step-summary-${process.pid}-${Date.now()}.md`)
  await writeFile(summaryFile, '')
  let n = 0
  for (const step of action.runs.steps as any[]) {
    const id: string = step.id ?? `step${n++}`
    if (step.uses != null) throw new Error(`this runner runs run: steps only (step ${id} uses ${step.uses})`)
    if (step.shell !== 'bash') throw new Error(`step ${id}: a composite action's run step needs shell: bash`)
    if (String(step.run).includes('${{')) throw new Error(`step ${id}: an expression inside run: is pasted into the script as code; pass it through env:`)
    const failedBefore = run.code !== 0
    const condition = step.if != null ? evaluate(String(step.if).replace(/^\$\{\{|\}\}$/g, '').trim(), ctx) : 'true'
    if (failedBefore || !(condition === 'true' || (condition != null && condition !== '' && condition !== 'false'))) {
      run.steps[id] = { outputs: {}, outcome: 'skipped' }
      ctx.steps[id] = { outputs: {} }
      continue
    }
    const outputFile = join(workspace, '..', `output-${process.pid}-${id}-${Date.now()}`)
    await writeFile(outputFile, '')
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_ACTION_PATH: actionDir, GITHUB_WORKSPACE: workspace, CI: 'true', GITHUB_ACTIONS: 'true' }
    for (const [k, v] of Object.entries<any>(step.env ?? {})) env[k] = interpolate(String(v), ctx)
    const code = await new Promise<number>((resolve, reject) => {
      const child = track(spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', String(step.run)], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] }))
      const timer = setTimeout(() => child.kill('SIGKILL'), options.stepTimeoutMs ?? 180_000)
      child.stdout.on('data', (d: Buffer) => { run.log += d.toString() })
      child.stderr.on('data', (d: Buffer) => { run.log += d.toString() })
      child.on('error', reject)
      child.on('close', (c) => { clearTimeout(timer); resolve(c ?? 1) })
    })
    const outputs = readOutputs(await readFile(outputFile, 'utf8'))
    run.steps[id] = { outputs, outcome: code === 0 ? 'success' : 'failure' }
    ctx.steps[id] = { outputs }
    if (code !== 0) run.code = code
  }
  for (const [name, spec] of Object.entries<any>(action.outputs ?? {})) run.outputs[name] = interpolate(String(spec.value), ctx)
  run.summary = await readFile(summaryFile, 'utf8')
  return run
}
