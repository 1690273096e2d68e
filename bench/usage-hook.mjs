// Loaded into each process bench/archive.mjs measures (node --import): when the process exits it
// writes its CPU time (user + system, every thread) and its page faults to the file named by
// IPFS_PUBLISH_BENCH_USAGE, so that the archive table can tell work from waiting for the disk.
import { writeFileSync } from 'node:fs'

const out = process.env.IPFS_PUBLISH_BENCH_USAGE
if (out != null && out !== '') {
  process.on('exit', () => {
    const u = process.resourceUsage()
    try {
      writeFileSync(out, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, majflt: u.majorPageFault }))
    } catch {}
  })
}
