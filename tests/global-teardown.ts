// After the whole suite: no process started by a test may be left running.
import { execFileSync } from 'node:child_process'

export default function setup (): () => void {
  return () => {
    let ps = ''
    try { ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }) } catch { return }
    const left = ps.split('\n').filter(l => l.includes('ipfs-publish-test-') && !l.includes(' ps '))
    if (left.length > 0) {
      for (const line of left) {
        const pid = Number(line.trim().split(/\s+/)[0])
        try { process.kill(pid, 'SIGKILL') } catch {}
      }
      throw new Error(`processes started by tests were still running after the suite (now killed):\n${left.join('\n')}`)
    }
  }
}
