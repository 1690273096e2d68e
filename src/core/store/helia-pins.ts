import { CID } from 'multiformats/cid'
import { code as RAW } from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { CustomProgressEvent } from 'progress-events'
import { NotFoundError } from '../../errors.js'
import { bytesKey } from '../unixfs/multihash-key.js'
import { engineOf } from './engine-of.js'
import { getPin, listPins, markReachable, pinRoot, pinTypeOfDepth, setPinMetadata, unpinRoot } from './pins.js'
import type { Repo } from './repo.js'
import type { AddOptions, IsPinnedOptions, LsOptions, Pin, Pins, RmOptions } from '@helia/interface'
import type { AbortOptions } from 'abort-error'

/** Helia's error for a root pinned already (as @helia/utils names it). */
class AlreadyPinnedError extends Error {
  static name = 'AlreadyPinnedError'
  name = 'AlreadyPinnedError'
}

/**
 * Helia's pinning API over the repo's pin set (pins.ts), so that a library user
 * of `repo.helia` sees and changes the pins the commands keep. Each change is
 * committed before it resolves. A pin is recursive (`depth` unset or Infinity) or
 * direct (`depth: 0`); the pin set keeps no other depth (InvalidArgumentError).
 * `isPinned` answers for any block, as Helia's does: a root pinned, or a block
 * some pin's DAG reaches (that walks the pins' DAGs).
 */
export class RepoPins implements Pins {
  constructor (private readonly repo: Repo) {}

  async * add (cid: CID, options: AddOptions = {}): AsyncGenerator<CID, void, undefined> {
    const type = pinTypeOfDepth(options.depth)
    const added = await pinRoot(this.repo, cid, options.metadata ?? {}, { signal: options.signal, direct: type === 'direct' })
    if (!added) throw new AlreadyPinnedError('Already pinned')
    await this.repo.flush(options)
    options.onProgress?.(new CustomProgressEvent('helia:pin:add', cid))
    yield cid
  }

  async * rm (cid: CID, options: RmOptions = {}): AsyncGenerator<CID, void, undefined> {
    await unpinRoot(this.repo, cid, options)
    await this.repo.flush(options)
    yield cid
  }

  async * ls (options: LsOptions = {}): AsyncGenerator<Pin, void, undefined> {
    for await (const pin of listPins(this.repo, options)) {
      if (options.cid != null && bytesKey(options.cid.multihash.bytes) !== bytesKey(pin.cid.multihash.bytes)) continue
      yield { cid: pin.cid, depth: pin.type === 'direct' ? 0 : Infinity, metadata: pin.metadata }
    }
  }

  async get (cid: CID, options: AbortOptions = {}): Promise<Pin> {
    options.signal?.throwIfAborted()
    const pin = getPin(this.repo, cid)
    if (pin == null) throw new NotFoundError(`${cid} is not pinned`)
    return { cid, depth: pin.type === 'direct' ? 0 : Infinity, metadata: pin.metadata }
  }

  async isPinned (cid: CID, options: IsPinnedOptions = {}): Promise<boolean> {
    if (getPin(this.repo, cid) != null) return true
    const pins = []
    for await (const pin of listPins(this.repo, options)) pins.push(pin)
    const marked = new Set<string>()
    await markReachable(engineOf(this.repo), pins, marked, () => {}, options)
    return marked.has(bytesKey(cid.multihash.bytes))
  }

  async setMetadata (cid: CID, metadata: Record<string, string | number | boolean> | undefined, options: AbortOptions = {}): Promise<void> {
    await setPinMetadata(this.repo, cid, metadata, options)
    await this.repo.flush(options)
  }
}

/**
 * Helia's `gc` for the repo: the repo's own (maintenance.ts), under the gc lock,
 * so that it deletes nothing the pin set or the repo's names hold and never runs
 * while another process writes. Progress as Helia tells it (`helia:gc:deleted`).
 */
export function repoGc (repo: Repo): (options?: AbortOptions & { onProgress?: (evt: any) => void }) => Promise<void> {
  return async (options = {}) => {
    const { collectGarbage } = await import('./maintenance.js')
    await collectGarbage(repo, {
      signal: options.signal,
      onProgress: (evt) => {
        options.onProgress?.(new CustomProgressEvent('helia:gc:deleted', CID.createV1(RAW, Digest.decode(evt.detail.multihash))))
      }
    })
  }
}
