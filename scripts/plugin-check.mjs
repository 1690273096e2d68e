// Shared by the build's esbuild plugins: each one checks that what it replaces is still
// what it was written against, and that it applied at least once, and fails the build
// loudly otherwise (a dependency update must not turn a patch silently off).

/** Throws, naming the plugin and the file, unless every `needles` string is in `source`. */
export function expectSource (plugin, path, source, needles) {
  for (const needle of needles) {
    if (!source.includes(needle)) {
      throw new Error(`${plugin}: ${path} changed (it no longer contains ${JSON.stringify(needle)}): update or remove the plugin in scripts/`)
    }
  }
}

/** Makes the build fail when the plugin never applied (its target moved or was renamed). */
export function mustApply (b, plugin, applied) {
  b.onEnd(() => {
    if (applied() === 0) return { errors: [{ text: `${plugin}: applied to no file: its target moved or was renamed; update or remove the plugin in scripts/` }] }
    return undefined
  })
}
