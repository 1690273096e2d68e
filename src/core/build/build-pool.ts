import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { fromWire } from './wire.js'
import type { BuildRequest, WireResult } from './wire.js'
import type { BuiltArticle } from './build-article.js'
import type { PublishError } from '../../errors.js'
import type { CidProfileName } from '../unixfs/profiles.js'

/** The built worker script (dist/build-worker.js), wherever the calling bundle or chunk sits; undefined when running from source. */
export function findWorkerScript (): string | undefined {
  for (const rel of ['./build-worker.js', '../build-worker.js']) {
    const path = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(path)) return path
  }
  return undefined
}

/**
 * One worker thread that reads, bundles and hashes articles while the main
 * thread stores, pins and indexes the ones before them: on two cores, the two
 * halves of a large publish overlap. Requests are served in order.
 */
export class BuildPool {
  private readonly worker: Worker
  private next = 0
  private closed: unknown
  private readonly waiting = new Map<number, { resolve: (r: Array<BuiltArticle | PublishError>) => void, reject: (e: unknown) => void }>()

  constructor (script: string) {
    this.worker = new Worker(script)
    this.worker.on('message', (msg: { id: number, results: WireResult[] }) => {
      const w = this.waiting.get(msg.id)
      this.waiting.delete(msg.id)
      w?.resolve(msg.results.map(fromWire))
    })
    this.worker.on('error', (err) => { this.fail(err) })
    // a worker that ends without an 'error' (process.exit in it, an OOM kill of the thread) would
    // otherwise leave every request waiting for good
    this.worker.on('exit', (code) => { this.fail(new Error(`the build worker exited (code ${code}) with ${this.waiting.size} request(s) unanswered`)) })
  }

  private fail (err: unknown): void {
    for (const w of this.waiting.values()) w.reject(err)
    this.waiting.clear()
    this.closed ??= err
  }

  /** Builds the articles at `paths`, in order: each a BuiltArticle or the PublishError it failed with. */
  async build (paths: string[], profile: CidProfileName, options: Pick<BuildRequest, 'maxBytes' | 'gateway' | 'linkTemplate' | 'gatewayStyle' | 'withSource'> = {}): Promise<Array<BuiltArticle | PublishError>> {
    const id = this.next++
    const req: BuildRequest = { id, paths, profile, maxBytes: options.maxBytes, gateway: options.gateway, linkTemplate: options.linkTemplate, gatewayStyle: options.gatewayStyle, withSource: options.withSource }
    if (this.closed != null) throw this.closed
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.worker.postMessage(req)
    })
  }

  async close (): Promise<void> {
    await this.worker.terminate()
  }
}
