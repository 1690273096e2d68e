import { describe, expect, it } from 'vitest'
import { daySections, editionDate, escapeXml, monthPageBytes, renderArticlePage, renderAtom, renderDaySection, renderJsonFeed, renderMonthPage, renderPage, summaryOf, textBlocks } from '../../../src/core/edition/render.js'
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
  page: 'articles/2026-11-30-a-title.html',
  summary: 'The first paragraph.',
  earlier: [],
  ...over
})

describe('edition pages and feeds', () => {
  it('escapes everything taken from an article, in text and attributes; drops characters XML forbids', () => {
    expect(escapeXml('<a href="x">\'&\u0001')).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;')
    const html = renderPage([article()], { title: 'N <s>', months: [] })
    expect(html).not.toMatch(/<b>|<i>|<s>/)
    expect(html).toContain('A &quot;title&quot; &amp; &lt;b&gt;bold&lt;/b&gt;')
    expect(html).toContain('href="https://bafy.ipfs.dweb.link/article.txt?filename=a.txt&amp;download=true"')
  })

  it('links are relative to the page: the front page at the root, month pages under page/; the front page links every month, a month page only the front page', () => {
    const a = article({ earlier: [{ cid: 'bafyold', date: '2026-11-29', path: 'corrections/2026-11-30-a-title/1', page: 'corrections/2026-11-30-a-title/1.html' }] })
    const months = [{ month: '2026-11', articles: 1 }, { month: '2026-10', articles: 0 }, { month: 'undated', articles: 2 }]
    const front = renderPage([a], { title: 'N', months })
    // the title opens the article's page; the text file stays a link of its own
    expect(front).toContain('<h2><a href="articles/2026-11-30-a-title.html">')
    expect(front).toContain('href="articles/2026-11-30-a-title/article.txt"')
    expect(front).toContain('href="corrections/2026-11-30-a-title/1.html"')
    expect(front).toContain('<a href="page/2026-11.html">2026-11</a> (1)')
    expect(front).toContain('<a href="page/undated.html">undated</a> (2)')
    // a month of retired paths alone has no page
    expect(front).not.toContain('page/2026-10.html')
    const month = renderMonthPage([renderDaySection('2026-11-30', [a])], { title: 'N', month: '2026-11' })
    expect(month).toContain('<title>N · 2026-11</title>')
    expect(month).toContain('<section id="d-2026-11-30">\n<h2 class="day"><time datetime="2026-11-30">2026-11-30</time></h2>')
    expect(month).toContain('<h3><a href="../articles/2026-11-30-a-title.html">')
    expect(month).toContain('<a href="../index.html">Front page</a>')
    expect(month).not.toContain('2026-10')
    for (const page of [front, month]) expect(page).not.toMatch(/(href|src)="\//)
  })

  it('a month page gives back its day sections exactly (as bytes), and nothing for a page that is not that page of them', () => {
    const enc = (t: string): Uint8Array => new TextEncoder().encode(t)
    const dec = (b: Uint8Array): string => new TextDecoder().decode(b)
    const tricky = article({ title: '<section id="d-2026-11-29">\n</section> & “more”', path: 'articles/2026-11-30-x', page: 'articles/2026-11-30-x.html' })
    const sections = [renderDaySection('2026-11-30', [article(), tricky]), renderDaySection('2026-11-02', [article({ path: 'articles/2026-11-02-b', page: 'articles/2026-11-02-b.html' })]), renderDaySection('undated', [article({ date: null, path: 'articles/undated-c', page: 'articles/undated-c.html' })])]
    const o = { title: 'N & “co”', month: '2026-11' }
    const page = renderMonthPage(sections, o)
    // the bytes made from the sections' bytes are the page's
    expect(dec(monthPageBytes(sections.map(enc), o))).toBe(page)
    const back = daySections(enc(page), o)
    expect([...back!.keys()]).toEqual(['2026-11-30', '2026-11-02', 'undated'])
    expect([...back!.values()].map(dec)).toEqual(sections)
    expect(page).toContain('<h2 class="day">Undated</h2>')
    // another title or month, a byte between the sections, a section cut short or twice: not this page
    const not = (text: string, opts = o): void => { expect(daySections(enc(text), opts)).toBeUndefined() }
    not(page, { ...o, title: 'N' })
    not(page, { ...o, month: '2026-10' })
    not(page.replace('</section>\n<section', '</section>\n \n<section'))
    not(page.replace('\n</section>', ''))
    not(renderMonthPage([sections[0], sections[0]], o))
    not(page.replace('<main>\n', '<main>\nx'))
    expect(daySections(enc(renderMonthPage([], o)), o)!.size).toBe(0)
  })

  it('feeds: ids are ipfs://<cid>, dates RFC 3339, the article an enclosure / attachment', () => {
    const atom = renderAtom([article()], { title: 'N', id: 'ipns://k51x', updated: '2026-11-30' })
    expect(atom).toContain('<id>ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi</id>')
    expect(atom).toContain('<updated>2026-11-30T00:00:00Z</updated>')
    expect(atom).toContain('<link rel="enclosure" type="text/plain" length="12"')
    const json = JSON.parse(renderJsonFeed([article()], { title: 'N', id: 'ipns://k51x', updated: '2026-11-30' }))
    expect(json.items[0]).toMatchObject({ id: 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', date_published: '2026-11-30T00:00:00Z', attachments: [{ mime_type: 'text/plain', size_in_bytes: 12 }] })
  })

  it('an undated article gets no made-up date: no published date; Atom\'s required updated is the edition\'s date', () => {
    const undated = article({ date: null, path: 'articles/undated-a-title', page: 'articles/undated-a-title.html' })
    expect(editionDate([undated, article({ date: '2026-11-29' })])).toBe('2026-11-29')
    expect(editionDate([undated])).toBeNull()
    expect(editionDate([undated, article({ date: '2026-11-29' })], '2026-12-01')).toBe('2026-12-01')
    expect(editionDate([article({ date: '2026-11-29' })], '2026-01-01')).toBe('2026-11-29')
    const atom = renderAtom([article(), undated], { title: 'N', id: 'urn:x', updated: '2026-11-30' })
    expect(atom).not.toContain('1970')
    const entries = atom.split('<entry>').slice(1)
    expect(entries[0]).toContain('<published>2026-11-30T00:00:00Z</published>')
    expect(entries[1]).not.toContain('<published>')
    expect(entries[1]).toContain('<updated>2026-11-30T00:00:00Z</updated>')
    const json = JSON.parse(renderJsonFeed([article(), undated], { title: 'N', id: 'urn:x', updated: '2026-11-30' }))
    expect(json.items[0].date_published).toBe('2026-11-30T00:00:00Z')
    expect(json.items[1]).not.toHaveProperty('date_published')
    expect(renderPage([undated], { title: 'N', months: [] })).toContain('undated')
  })

  it('feeds: a self link and the front page; each entry links its page and summarises its first paragraph', () => {
    const atom = renderAtom([article()], { title: 'N', id: 'urn:x', updated: '2026-11-30' })
    expect(atom).toContain('<link rel="self" type="application/atom+xml" href="feed.xml"/>')
    expect(atom).toContain('<link rel="alternate" type="text/html" href="./"/>')
    expect(atom).toContain('<link rel="alternate" type="text/html" href="articles/2026-11-30-a-title.html"/>')
    expect(atom).toContain('<summary>The first paragraph.</summary>')
    const json = JSON.parse(renderJsonFeed([article()], { title: 'N', id: 'urn:x', updated: '2026-11-30' }))
    expect(json).toMatchObject({ home_page_url: './', feed_url: 'feed.json' })
    expect(json.items[0]).toMatchObject({ url: 'articles/2026-11-30-a-title.html', summary: 'The first paragraph.', content_text: 'The first paragraph.' })
  })

  it('an article\'s text in blocks: the header and the link line left out, headings kept; the summary is the first paragraph, cut at a word', () => {
    const blocks = textBlocks('\n\nFirst [para](https://example.org/a?b=1&c=2)\ngoes on.\n\n# A heading\n\nSecond <b>.\n\n[Download IPFS](#)\n', 'T')
    expect(blocks).toEqual([{ heading: false, text: 'First [para](https://example.org/a?b=1&c=2)\ngoes on.' }, { heading: true, text: 'A heading' }, { heading: false, text: 'Second <b>.' }])
    expect(summaryOf(blocks)).toBe('First para goes on.')
    expect(summaryOf(textBlocks('# Only a heading\n', null))).toBeNull()
    const long = summaryOf(textBlocks('word '.repeat(400), null))!
    expect(long.length).toBeLessThanOrEqual(1001)
    expect(long).toMatch(/word…$/)
    // a title repeated as the first line of the body is not shown twice
    expect(textBlocks('# T\n\nBody.\n', 'T')).toEqual([{ heading: false, text: 'Body.' }])
  })

  it('an article\'s page: escaped, no script, links relative to the page, the corrections linked both ways', () => {
    const blocks = textBlocks('Hello <script>alert(1)</script> & [x](javascript:alert(1)) and [ok](https://example.org/?a=1&b=2).\n\n# Sub <i>\n', null)
    const html = renderArticlePage({
      at: 'articles/2026-11-30-a-title.html', title: '<img src=x onerror=alert(1)>', date: '2026-11-30', categories: ['A & <b>'],
      cid: 'bafynew', dir: 'articles/2026-11-30-a-title', file: 'article.txt', link: 'https://gw/?a=1&b=2', blocks,
      earlier: [{ date: '2026-11-29', page: 'corrections/2026-11-30-a-title/1.html' }]
    })
    expect(html).not.toMatch(/<script|<img|<i>|<b>|href="javascript/i)
    expect(html).toContain('<h1>&lt;img src=x onerror=alert(1)&gt;</h1>')
    expect(html).toContain('<time datetime="2026-11-30">2026-11-30</time> · A &amp; &lt;b&gt;')
    expect(html).toContain('<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; [x](javascript:alert(1)) and <a href="https://example.org/?a=1&amp;b=2">ok</a>.</p>')
    expect(html).toContain('<h2>Sub &lt;i&gt;</h2>')
    expect(html).toContain('href="../corrections/2026-11-30-a-title/1.html"')
    expect(html).toContain('href="../articles/2026-11-30-a-title/article.txt"')
    expect(html).toContain('href="../index.html"')
    expect(html).toContain('<a href="https://gw/?a=1&amp;b=2">Download IPFS</a>')
    expect(html).not.toMatch(/(href|src)="\//)
    const old = renderArticlePage({
      at: 'corrections/2026-11-30-a-title/1.html', title: 'T', date: null, categories: [], cid: 'bafyold', dir: 'corrections/2026-11-30-a-title/1',
      file: 'article.txt', link: 'https://gw/old', blocks: [], version: { n: 1, current: 'articles/2026-11-30-a-title.html' }
    })
    expect(old).toContain('version 1 of this article')
    expect(old).toContain('href="../../articles/2026-11-30-a-title.html"')
    expect(old).toContain('href="../../corrections/2026-11-30-a-title/1/article.txt"')
    expect(old).toContain('undated')
  })
})
