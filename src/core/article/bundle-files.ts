/** The names of a bundle's two files: the article (by its source's kind) and its metadata. A module of its own: readers need the names, not the parser. */
export const BUNDLE_FILES = { text: 'article.txt', markdown: 'article.md', metadata: 'metadata.json' } as const
