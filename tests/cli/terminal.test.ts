// The progress bar in a real terminal (tmux): results scroll above it, nothing is
// written over, and the terminal is left as it was, also after Ctrl-C.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, ROOT, tempDir } from '../helpers/cli.js'

const GEN = join(ROOT, 'tests', 'fixtures', 'gen-articles.mjs')
const GATEWAY = 'https://a-gateway-host-name-long-enough-to-wrap-every-link.example.org'

function hasTmux (): boolean {
  try { execFileSync('tmux', ['-V'], { stdio: 'ignore' }); return true } catch { return false }
}

describe.skipIf(!hasTmux())('publish on a terminal', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  let socket: string
  const tmux = (...args: string[]): string => execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 10_000 })
  const screen = (): string[] => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 't').split('\n').map(l => l.trimEnd())
  const waitFor = async (test: (lines: string[]) => boolean, ms: number): Promise<string[]> => {
    const end = Date.now() + ms
    for (;;) {
      const lines = screen()
      if (test(lines)) return lines
      if (Date.now() > end) throw new Error(`the terminal did not get there in ${ms} ms:\n${lines.filter(l => l !== '').slice(-15).join('\n')}`)
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
  const flags = (): string => tmux('display-message', '-p', '-t', 't', '#{wrap_flag} #{cursor_flag} #{insert_flag} #{alternate_on}').trim()

  beforeAll(async () => {
    tmp = await tempDir()
    socket = join(tmp.path, 'tmux.sock')
    execFileSync(process.execPath, [GEN, '--out', join(tmp.path, 'small'), '--count', '300', '--seed', '3'], { stdio: 'ignore' })
    execFileSync(process.execPath, [GEN, '--out', join(tmp.path, 'large'), '--count', '4000', '--seed', '4'], { stdio: 'ignore' })
    // an 80 × 24 terminal running a plain shell; history kept for every line of the run
    tmux('new-session', '-d', '-s', 't', '-x', '80', '-y', '24', 'env', 'PS1=$ ', 'bash', '--norc', '--noprofile')
    tmux('set-option', '-g', 'history-limit', '50000')
  }, 240_000)
  afterAll(async () => {
    try { tmux('kill-server') } catch {}
    await tmp.cleanup()
  })

  const run = (command: string): void => { tmux('send-keys', '-t', 't', command, 'Enter') }

  it('results scroll above the bar; a summary ends the run; the shell prompt comes after it', async () => {
    tmux('clear-history', '-t', 't')
    run(`clear; ${process.execPath} ${BIN} --repo ${join(tmp.path, 'repo')} publish ${join(tmp.path, 'small')} --gateway ${GATEWAY}; echo "END rc=$?"`)
    const lines = await waitFor(l => l.some(x => x.startsWith('END rc=')), 60_000)
    const end = lines.findIndex(x => x.startsWith('END rc='))
    expect(lines[end]).toBe('END rc=0')
    // the summary is the line just before, and the last result's link the line before that
    expect(lines[end - 1]).toMatch(/^300 published, 0 failed, 0 unchanged in \d+\.\d s$/)
    expect(lines[end - 2]).toMatch(new RegExp(`^  https://[a-z0-9]+\\.ipfs\\.${GATEWAY.slice(8).replaceAll('.', '\\.')}/article\\.txt\\?filename=.+&download=true$`))
    // every result whole, in order, each on its own (wrapped) line: none written over or cut at the edge
    const results = lines.filter(l => /^bafy[a-z0-9]+ /.test(l))
    const links = lines.filter(l => l.startsWith('  https://'))
    expect(results).toHaveLength(300)
    expect(links).toHaveLength(300)
    for (let i = 0; i < 300; i++) {
      const cid = results[i].split(' ')[0]
      expect(links[i].startsWith(`  https://${cid}.ipfs.`)).toBe(true)
      expect(links[i].endsWith('&download=true')).toBe(true)
    }
    // no bar left anywhere, and the terminal as it was: lines wrap, the cursor shows
    expect(lines.some(l => l.includes('publishing'))).toBe(false)
    expect(flags()).toBe('1 1 0 0')
    // the prompt comes back below the last line
    run('echo AFTER')
    const after = await waitFor(l => l.includes('AFTER'), 10_000)
    expect(after.indexOf('AFTER')).toBeGreaterThan(after.indexOf('END rc=0'))
  }, 240_000)

  it('Ctrl-C while the bar runs: the bar is gone, the terminal as it was, exit 130', async () => {
    tmux('clear-history', '-t', 't')
    run(`clear; ${process.execPath} ${BIN} --repo ${join(tmp.path, 'repo2')} publish ${join(tmp.path, 'large')} >/dev/null; echo "END rc=$?"`)
    await waitFor(l => l.some(x => x.startsWith('publishing ')), 60_000)
    tmux('send-keys', '-t', 't', 'C-c')
    const lines = await waitFor(l => l.some(x => x.startsWith('END rc=')), 60_000)
    const end = lines.findIndex(x => x.startsWith('END rc='))
    expect(lines[end]).toBe('END rc=130')
    expect(lines.some(l => l.includes('publishing '))).toBe(false)
    expect(flags()).toBe('1 1 0 0')
  }, 240_000)
})
