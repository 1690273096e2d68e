import { describe, expect, it } from 'vitest'
import { bases } from 'multiformats/basics'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { parseCid, parseCidText } from '../../src/core/cid.js'
import { InvalidCidError } from '../../src/errors.js'

describe('parseCidText / parseCid: a CID in any multibase, as Kubo reads one', async () => {
  const cid = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('hello')))
  const v0 = CID.createV0(await sha256.digest(new TextEncoder().encode('hello')))

  it('reads the CID from its text in every multibase multiformats knows', () => {
    const names = Object.keys(bases)
    expect(names.length).toBeGreaterThan(15)
    for (const name of names) {
      const text = cid.toString((bases as Record<string, any>)[name].encoder)
      expect(parseCidText(text).equals(cid), `${name}: ${text}`).toBe(true)
      expect(parseCid(text).equals(cid), name).toBe(true)
      expect(parseCid(`/ipfs/${text}`).equals(cid), name).toBe(true)
    }
    // the usual forms, and a CIDv0
    expect(parseCidText(cid.toString().toUpperCase()).toString()).toBe(cid.toString())
    expect(parseCidText(v0.toString()).equals(v0)).toBe(true)
  })

  it('refuses what is not a CID, with the input named', () => {
    for (const bad of ['', 'hello', 'BAFYNOPE', 'x' + cid.toString().slice(1), 'f01', `${cid.toString()}x`]) {
      expect(() => parseCid(bad), bad).toThrow(InvalidCidError)
      expect(() => parseCid(bad), bad).toThrow(`"${bad}" is not a valid CID`)
    }
  })
})
