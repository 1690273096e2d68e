import { existsSync } from 'node:fs'

/** Debian's Chromium, when installed (.ci/run installs it). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(p => existsSync(p))

/** Chromium phones home unless told not to; every test also gives it a fresh profile folder. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
