import type { Context } from './context.js'

/** What a command hands the core as `onProgress`, and how it ends the drawing. */
export interface ProgressRenderer {
  onProgress?: (event: { type: string, detail: any }) => void
  /** Removes the bar before a line of output, so lines and bar do not mix. */
  clear(): void
  /** Stops drawing (call in `finally`). */
  done(): void
}

const NONE: ProgressRenderer = { clear () {}, done () {} }

/**
 * The only place that draws progress: a bar on stderr, only when stderr is a
 * terminal and neither --quiet nor --json is set. The bar library is loaded only
 * then. It understands the core's `done`/`total` events and byte counters.
 */
export async function progressRenderer (ctx: Context, label: string): Promise<ProgressRenderer> {
  if (!ctx.isTTY || ctx.quiet || ctx.json) return NONE
  const { SingleBar, Presets } = (await import('cli-progress')).default
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} {unit}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
    barsize: 30,
    fps: 10
  }, Presets.shades_classic)
  let started = false
  return {
    onProgress (event) {
      const d = event.detail
      if (typeof d?.total === 'number' && typeof d?.done === 'number') {
        if (!started && d.total > 1) { bar.start(d.total, 0, { unit: 'articles' }); started = true }
        if (started) bar.update(d.done)
      } else if (typeof d?.total === 'number' && !started && d.total > 1) {
        bar.start(d.total, 0, { unit: 'articles' }); started = true
      } else if (typeof d?.bytes === 'number' && typeof d?.blocks === 'number') {
        if (!started) { bar.start(0, 0, { unit: 'blocks' }); started = true }
        bar.setTotal(d.blocks); bar.update(d.blocks, { unit: `blocks, ${(d.bytes / 1e6).toFixed(1)} MB` })
      }
    },
    // only needed when results go to the same terminal as the bar
    clear () { if (started && ctx.stdoutIsTTY) (bar as any).terminal?.clearLine?.() },
    done () { if (started) bar.stop() }
  }
}
