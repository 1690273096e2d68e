import type { Writable } from 'node:stream'

/**
 * One line of status (a progress bar) kept at the bottom of a terminal, below
 * output that scrolls normally. It is drawn with a carriage return and "erase
 * line" only: no saved cursor, no change of line wrapping, no hidden cursor, so
 * there is nothing to restore when the process ends, however it ends. Any line
 * written to the terminal first erases it ({@link erase}); it is drawn again at
 * most every `intervalMs`, and never wider than the terminal (a wrapped status
 * line could not be erased in one go).
 */
export class StatusLine {
  private text = ''
  private shown = false
  private timer: NodeJS.Timeout | undefined

  constructor (private readonly stream: Writable & { columns?: number }, private readonly intervalMs = 100) {}

  /** Sets the text; it is drawn at the next tick of the interval. */
  set (text: string): void {
    this.text = text
    this.schedule()
  }

  /** Removes the line from the screen (before other output); it comes back at the next tick. */
  erase (): void {
    if (this.shown) {
      this.stream.write('\r\x1b[2K')
      this.shown = false
    }
    if (this.text !== '') this.schedule()
  }

  /** Removes the line for good. */
  stop (): void {
    this.text = ''
    if (this.timer != null) clearTimeout(this.timer)
    this.timer = undefined
    this.erase()
  }

  private schedule (): void {
    if (this.timer != null) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.draw()
    }, this.shown ? this.intervalMs : Math.min(this.intervalMs, 50))
    this.timer.unref()
  }

  private draw (): void {
    if (this.text === '') return
    const width = Math.max(10, (this.stream.columns ?? 80) - 1)
    const chars = Array.from(this.text)
    const line = chars.length > width ? chars.slice(0, width - 1).join('') + '…' : this.text
    this.stream.write(`\r${line}\x1b[K`)
    this.shown = true
  }
}

/** A bar of `size` cells for `done` of `total`. */
export function bar (done: number, total: number, size = 30): string {
  const filled = total > 0 ? Math.min(size, Math.round(size * done / total)) : 0
  return '█'.repeat(filled) + '░'.repeat(size - filled)
}
