// After the whole suite: no process started by this run of the tests may be left running.
// Every process of the run inherits IPFS_PUBLISH_TEST_RUN (set here, before the workers
// start), so the check finds this run's processes only, even beside another run.
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'

export default function setup (): () => void {
  const marker = `IPFS_PUBLISH_TEST_RUN=${randomBytes(8).toString('hex')}`
  process.env.IPFS_PUBLISH_TEST_RUN = marker.split('=')[1]
  return () => {
    const left: string[] = []
    for (const name of readdirSync('/proc')) {
      const pid = Number(name)
      if (!Number.isInteger(pid) || pid === process.pid) continue
      try {
        if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker)) continue
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ')
        if (cmdline.includes('vitest')) continue // the test runner's own workers
        left.push(`${pid} ${cmdline.slice(0, 200)}`)
        process.kill(pid, 'SIGKILL')
      } catch {}
    }
    if (left.length > 0) throw new Error(`processes started by the tests were still running after the suite (now killed):\n${left.join('\n')}`)
  }
}
