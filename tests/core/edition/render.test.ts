import { describe, expect, it } from 'vitest'
import { escapeXml, renderAtom, renderJsonFeed, renderPage } from '../../../src/core/edition/render.js'
import type { EditionArticle } from '../../../src/core/edition/render.js'

const article = (over: Partial<EditionArticle> = {}): EditionArticle => ({
  path: 'articles/2026-11-30-a-title',
  cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
  title: 'A "title" & <b>bold</b>',
  date: '2026-11-30',
  categories: ['Politics & <i>x</i>'],
  file: 'article.txt',
  bytes: 12,
  link: 'https://bafy.ipfs.dweb.link/article.txt?filename=a.txt&download=true',
  earlier: [],
  ...over
})

describe('edition pages and feeds', () => {
  it('escapes everything taken from an article, in text and attributes; drops characters XML forbids', () => {
    expect(escapeXml('<a href="x">\'&\u0001')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;')
    const html = renderPage([article()], { title: 'N <s>', page: 1, pages: 1 })
    expect(html).not.toMatch(/<b>|<i>|<s>/)
    expect(html).toContain('A &quot;title&quot; &amp; &lt;b&gt;bold&lt;/b&gt;')
    expect(html).toContain('href="https://bafy.ipfs.dweb.link/article.txt?filename=a.txt&amp;download=true"')
  })

  it('links are relative to the page: page 1 at the root, later pages under page/', () => {
    const a = article({ earlier: [{ cid: 'bafyold', date: '2026-11-29', path: 'corrections/2026-11-30-a-title/1' }] })
    const first = renderPage([a], { title: 'N', page: 1, pages: 3 })
    expect(first).toContain('href="articles/2026-11-30-a-title/article.txt"')
    expect(first).toContain('href="corrections/2026-11-30-a-title/1/article.txt"')
    expect(first).toContain('<a rel="next" href="page/2.html">')
    expect(first).not.toContain('rel="prev"')
    const second = renderPage([a], { title: 'N', page: 2, pages: 3 })
    expect(second).toContain('href="../articles/2026-11-30-a-title/article.txt"')
    expect(second).toContain('<a rel="prev" href="../index.html">')
    expect(second).toContain('<a rel="next" href="3.html">')
    expect(renderPage([a], { title: 'N', page: 3, pages: 3 })).toContain('<a rel="prev" href="2.html">')
    for (const page of [first, second]) expect(page).not.toMatch(/(href|src)="\//)
  })

  it('feeds: ids are ipfs://<cid>, dates RFC 3339, the article an enclosure / attachment', () => {
    const atom = renderAtom([article()], { title: 'N', id: 'ipns://k51x', updated: '2026-11-30' })
    expect(atom).toContain('<id>ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi</id>')
    expect(atom).toContain('<updated>2026-11-30T00:00:00Z</updated>')
    expect(atom).toContain('<link rel="enclosure" type="text/plain" length="12"')
    const json = JSON.parse(renderJsonFeed([article()], { title: 'N', id: 'ipns://k51x', updated: null }))
    expect(json.items[0]).toMatchObject({ id: 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', date_published: '2026-11-30T00:00:00Z', attachments: [{ mime_type: 'text/plain', size_in_bytes: 12 }] })
  })
})
