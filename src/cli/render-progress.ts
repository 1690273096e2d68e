import { bar } from './status-line.js'
import type { Context } from './context.js'

/** What a command hands the core as `onProgress`, and how it ends the drawing. */
export interface ProgressRenderer {
  onProgress?: (event: { type: string, detail: any }) => void
  /** Stops drawing and removes the bar (call in `finally`). */
  done(): void
}

const NONE: ProgressRenderer = { done () {} }

/**
 * The only place that turns the core's progress events into a bar: on the status
 * line at the bottom of the terminal (see status-line.ts), only when stderr is a
 * terminal and neither --quiet nor --json is set. It understands `done`/`total`
 * counters and byte counters.
 */
export function progressRenderer (ctx: Context, label: string): ProgressRenderer {
  const status = ctx.status
  if (status == null || ctx.quiet || ctx.json) return NONE
  return {
    onProgress (event) {
      const d = event.detail
      if (typeof d?.total === 'number' && d.total > 1) {
        const done = typeof d.done === 'number' ? d.done : 0
        status.set(`${label} ${bar(done, d.total)} ${done}/${d.total} articles`)
      } else if (typeof d?.bytes === 'number' && typeof d?.blocks === 'number') {
        status.set(`${label} ${d.blocks} blocks, ${(d.bytes / 1e6).toFixed(1)} MB`)
      }
    },
    done () { status.stop() }
  }
}
