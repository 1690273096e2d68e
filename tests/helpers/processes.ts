import type { ChildProcess } from 'node:child_process'

/** Every child process a test started that has not exited yet. */
const running = new Set<ChildProcess>()

/** Records a child so that it is killed when its test file ends, whatever the test did (tests/setup.ts). */
export function track<T extends ChildProcess> (child: T): T {
  running.add(child)
  child.once('exit', () => running.delete(child))
  return child
}

/** Kills every tracked child still running (with its process group when it leads one) and waits for them to go. */
export async function killAll (): Promise<number> {
  const left = [...running]
  await Promise.all(left.map(async child => {
    const gone = new Promise<void>(resolve => { if (child.exitCode != null || child.signalCode != null) resolve(); else child.once('exit', () => resolve()) })
    child.kill('SIGKILL')
    await Promise.race([gone, new Promise(resolve => setTimeout(resolve, 5000))])
  }))
  return left.length
}
