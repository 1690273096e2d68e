// Anything but a regular file is refused before it is opened for reading; reads stop at the limit.
import { execFileSync } from 'node:child_process'
import { mkdir, symlink, writeFile, copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli, SAMPLE, tempDir } from '../helpers/cli.js'

describe('special files and limits', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => { tmp = await tempDir() })
  afterAll(async () => { await tmp.cleanup() })

  it('a FIFO is refused at once with exit 1, and the repo is not held', async () => {
    const fifo = join(tmp.path, 'fifo.txt')
    execFileSync('mkfifo', [fifo])
    const started = Date.now()
    const res = await cli(['--repo', join(tmp.path, 'r1'), 'publish', fifo], { timeout: 15_000 })
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/^error: .*fifo\.txt: a FIFO, not a regular file: refused/m)
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('a socket is refused with one line naming it as given (relative), not as an absolute path in an ENXIO', async () => {
    const dir = join(tmp.path, 'sock')
    await mkdir(dir)
    // a listening Unix socket named like an article, made by a short-lived Python process (bounded)
    execFileSync('python3', ['-c', 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])', join(dir, 'sock.txt')], { timeout: 10_000 })
    const res = await cli(['--repo', join(tmp.path, 'r-sock'), 'publish', 'sock.txt'], { cwd: dir, timeout: 15_000 })
    expect(res.code).toBe(1)
    expect(res.stderr).toBe('error: sock.txt: a socket or device, not a regular file: refused\n')
  })

  it('/dev/zero is refused without being read', async () => {
    const res = await cli(['--repo', join(tmp.path, 'r2'), 'publish', '/dev/zero'], { timeout: 15_000 })
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/\/dev\/zero: a device, not a regular file: refused/)
  })

  it('a file over --max-size is refused from its size, without reading it whole', async () => {
    const big = join(tmp.path, 'big.txt')
    await writeFile(big, '')
    execFileSync('truncate', ['-s', String(100 * 1024 * 1024), big])
    const res = await cli(['--repo', join(tmp.path, 'r3'), 'publish', big, '--max-size', '1MiB'], { timeout: 15_000 })
    expect(res.code).toBe(1)
    expect(res.stderr).toMatch(/over the article size limit of 1048576 bytes/)
  })

  it('in a folder: a symlink to an article inside the tree is published, others are skipped with a warning', async () => {
    const tree = join(tmp.path, 'tree')
    await mkdir(join(tree, 'a'), { recursive: true })
    await copyFile(SAMPLE, join(tree, 'a', 'real.txt'))
    await symlink(join(tree, 'a', 'real.txt'), join(tree, 'inside.txt'))
    await writeFile(join(tmp.path, 'outside.txt'), '## Outside\n\nJuly 1, 2025\n\nNot in the tree.\n')
    await symlink(join(tmp.path, 'outside.txt'), join(tree, 'outside.txt'))
    await symlink(join(tree, 'nowhere.txt.target'), join(tree, 'dangling.txt'))
    execFileSync('mkfifo', [join(tree, 'pipe.txt')])
    const res = await cli(['--repo', join(tmp.path, 'r4'), 'publish', tree], { timeout: 15_000 })
    expect(res.code).toBe(0)
    const printed = res.stdout.trim().split('\n').filter(l => !l.startsWith(' '))
    expect(printed).toHaveLength(2)
    expect(printed.some(l => l.endsWith('inside.txt'))).toBe(true)
    expect(res.stderr).toMatch(/^warning: .*outside\.txt: a symlink out of .*: skipped$/m)
    expect(res.stderr).toMatch(/^warning: .*dangling\.txt: a symlink that leads nowhere: skipped$/m)
    expect(res.stderr).toMatch(/^warning: .*pipe\.txt: not a regular file: skipped$/m)
  })
})
