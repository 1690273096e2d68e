/** Defaults shared by the core and the CLI, in a module with no dependencies (the CLI loads it at start-up). */

/** The largest article `publish` accepts by default: 16 MiB, far above any news article. */
export const DEFAULT_MAX_ARTICLE_BYTES = 16 * 1024 * 1024

/** The default gateway: a subdomain gateway, so every article gets its own origin. */
export const DEFAULT_GATEWAY = 'https://dweb.link'
