import { CarWriter } from '@ipld/car/writer'
import type { CID } from 'multiformats/cid'

/** A CAR's bytes from blocks given as they are (no checks: for hostile test CARs). */
export async function carBytes (roots: CID[], blocks: Array<{ cid: CID, bytes: Uint8Array }>): Promise<Buffer> {
  const { writer, out } = CarWriter.create(roots)
  const parts: Uint8Array[] = []
  const collecting = (async () => { for await (const c of out) parts.push(c) })()
  for (const b of blocks) await writer.put(b)
  await writer.close()
  await collecting
  return Buffer.concat(parts)
}

/** An unsigned LEB128 varint. */
export function varint (n: number | bigint): Buffer {
  let v = BigInt(n)
  const out: number[] = []
  do {
    let byte = Number(v & 0x7fn)
    v >>= 7n
    if (v > 0n) byte |= 0x80
    out.push(byte)
  } while (v > 0n)
  return Buffer.from(out)
}
