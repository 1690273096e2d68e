// A Pinning Service API of our own on 127.0.0.1 for tests that need to steer it: it keeps the
// CIDs in `held` queued (until they are released), says `pinned` to every other request at once,
// and records every CID it was asked to pin (POST /pins) and every CID it was asked about
// (GET /pins?cid=…). A released CID's request turns pinned when it is next polled (GET
// /pins/{id}); a listing shows each request as last polled. It serves POST /pins, GET /pins (filters cid, status), GET /pins/{id}.
// It fetches nothing: it is for the order and number of requests, not for the blocks.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

export interface PsaServer {
  url: string
  /** CIDs kept queued while they are in the set. */
  held: Set<string>
  /** Every CID posted, in order. */
  posted: string[]
  /** Every CID looked up with GET /pins?cid=…, in order. */
  asked: string[]
  close: () => Promise<void>
}

export async function psaServer (token: string, lifetimeMs = 240_000): Promise<PsaServer> {
  const requests = new Map<string, { requestid: string, status: string, created: string, pin: { cid: string, name?: string }, delegates: string[], info: Record<string, string> }>()
  let next = 0
  const state: Omit<PsaServer, 'url' | 'close'> = { held: new Set(), posted: [], asked: [] }
  const current = (r: { status: string, pin: { cid: string } }): void => { r.status = state.held.has(r.pin.cid) ? 'queued' : 'pinned' }
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)) }
    if (req.headers.authorization !== `Bearer ${token}`) { send(401, { error: { reason: 'UNAUTHORIZED' } }); return }
    const url = new URL(req.url ?? '/', 'http://x')
    let body = ''
    req.on('data', (d: Buffer) => { body += d.toString() })
    req.on('end', () => {
      if (req.method === 'POST' && url.pathname === '/pins') {
        const pin = JSON.parse(body)
        state.posted.push(pin.cid)
        const r = { requestid: `r${next++}`, status: 'queued', created: new Date(Date.now() + next).toISOString(), pin: { cid: pin.cid, name: pin.name }, delegates: [], info: {} }
        current(r)
        requests.set(r.requestid, r)
        send(202, r)
        return
      }
      if (req.method === 'GET' && url.pathname === '/pins') {
        const cids = url.searchParams.get('cid')?.split(',')
        const statuses = url.searchParams.get('status')?.split(',')
        if (cids != null) state.asked.push(...cids)
        const results = [...requests.values()].filter(r => (cids == null || cids.includes(r.pin.cid)) && (statuses == null || statuses.includes(r.status)))
        send(200, { count: results.length, results })
        return
      }
      const m = /^\/pins\/([^/]+)$/.exec(url.pathname)
      const r = m != null ? requests.get(decodeURIComponent(m[1])) : undefined
      if (req.method === 'GET' && r != null) { current(r); send(200, r); return }
      send(404, { error: { reason: 'NOT_FOUND' } })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  // bounded like every server the tests start
  const timer = setTimeout(() => { server.closeAllConnections(); server.close() }, lifetimeMs)
  timer.unref()
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => { clearTimeout(timer); server.closeAllConnections(); await new Promise(resolve => server.close(resolve)) }
  })
}
