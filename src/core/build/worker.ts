// The body of a build worker: reads, bundles and hashes articles off the main thread.
import { parentPort } from 'node:worker_threads'
import { getProfile } from '../unixfs/profiles.js'
import { asArticleError, buildArticle } from './build-article.js'
import { toWire } from './wire.js'
import type { BuildRequest, WireResult } from './wire.js'

parentPort?.on('message', (req: BuildRequest) => {
  void (async () => {
    const profile = getProfile(req.profile)
    const results: WireResult[] = []
    for (const path of req.paths) {
      try {
        const a = await buildArticle(path, profile, { maxBytes: req.maxBytes, gateway: req.gateway, linkTemplate: req.linkTemplate, gatewayStyle: req.gatewayStyle })
        results.push(toWire(a, req.withSource === true))
      } catch (err) {
        const e = asArticleError(err, path)
        results.push({ ok: false, path, error: { name: e.name, code: e.code, message: e.message } })
      }
    }
    parentPort?.postMessage({ id: req.id, results })
  })()
})
