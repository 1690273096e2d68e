import { UNDATED } from './months.js'

/** What the pages and feeds show of one article. */
export interface EditionArticle {
  /** Its folder in the edition: `articles/<date>-<slug>`. */
  path: string
  cid: string
  title: string | null
  date: string | null
  categories: string[]
  /** The article's file in its bundle (`article.txt`). */
  file: string
  bytes: number
  /** Its "Download IPFS" link (a gateway URL of its own CID). */
  link: string
  /** Its readable page in the edition, beside its folder: `articles/<date>-<slug>.html`. */
  page: string
  /** The first paragraph of its text, as plain text (the feeds' summary), or null when it has none. */
  summary: string | null
  /** Earlier versions, oldest first: their CIDs, dates, folders and pages (`corrections/<date>-<slug>/<n>.html`) in the edition. */
  earlier: Array<{ cid: string, date: string | null, path: string, page: string }>
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text made safe for HTML and XML, in content and in quoted attributes. */
export function escapeXml (text: string): string {
  // characters XML 1.0 does not allow are dropped: a feed reader would refuse the whole feed
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, c => ESCAPES[c])
}

/** A path segment for an `href` (the folders are made of safe characters, but the file names are not ours to trust). */
function href (path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

function titleOf (a: EditionArticle): string {
  return a.title ?? a.path.slice(a.path.lastIndexOf('/') + 1)
}

export interface PageOptions {
  title: string
  /** Every month of the edition, newest first, with its number of articles: the front page links each one's page. */
  months: Array<{ month: string, articles: number }>
}

const PAGE_STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:46em;margin:0 auto;padding:1em}article{border-bottom:1px solid #ddd;padding:.5em 0}h2,h3{font-size:1.15em;margin:.2em 0}h2.day{font-size:1.3em;margin:1em 0 .2em}.meta,.links{margin:.2em 0;color:#555;font-size:.9em}code{font-size:.8em;word-break:break-all}.corrected{color:#8a4b00;font-size:.9em;margin:.2em 0}nav a{margin-right:.3em}'

/** One article in a list: its title (a link to its page), date, categories, links and earlier versions. `up` leads from the page to the edition's root. */
function articleItem (a: EditionArticle, up: string, heading: 'h2' | 'h3'): string {
  const dir = `${up}${href(a.path)}/`
  const corrected = a.earlier.length > 0
    ? `\n<p class="corrected"><strong>Corrected.</strong> Earlier version${a.earlier.length > 1 ? 's' : ''}: ${a.earlier.map((e, i) => `<a href="${up}${href(e.page)}">${i + 1}${e.date != null ? ` (${escapeXml(e.date)})` : ''}</a>`).join(', ')}</p>`
    : ''
  return `<article>
<${heading}><a href="${up}${href(a.page)}">${escapeXml(titleOf(a))}</a></${heading}>
<p class="meta">${a.date != null ? `<time datetime="${escapeXml(a.date)}">${escapeXml(a.date)}</time>` : 'undated'}${a.categories.length > 0 ? ` · ${a.categories.map(escapeXml).join(', ')}` : ''}</p>
<p class="links"><a href="${dir}${href(a.file)}">text</a> · <a href="${dir}">bundle</a> · <a href="${escapeXml(a.link)}">Download IPFS</a> · <code>${a.cid}</code></p>${corrected}
</article>`
}

/** A list page: its heading, its list (`main`) and its navigation. */
function pageShell (heading: string, up: string, main: string, nav: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${heading}</title>
<link rel="alternate" type="application/atom+xml" href="${up}feed.xml">
<link rel="alternate" type="application/feed+json" href="${up}feed.json">
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>${heading}</h1><p><a href="${up}feed.xml">Atom feed</a> · <a href="${up}feed.json">JSON feed</a> · <a href="${up}edition.json">edition.json</a></p></header>
<main>
${main}
</main>
<nav>${nav}</nav>
</body>
</html>
`
}

/**
 * The front page (`index.html`): the newest articles and a link to every
 * month's page. Every link is relative to the page, so the edition works under
 * `/ipfs/<cid>/`, `/ipns/<name>/` and on a subdomain gateway; no script, no
 * external resource.
 */
export function renderPage (articles: EditionArticle[], o: PageOptions): string {
  const nav = o.months.filter(m => m.articles > 0).map(m => `<a href="page/${href(m.month)}.html">${escapeXml(m.month)}</a> (${m.articles})`).join(' ')
  return pageShell(escapeXml(o.title), '', articles.map(a => articleItem(a, '', 'h2')).join('\n'), `By month: ${nav}`)
}

/** One day's section of its month's page (`<section id="d-<day>">`): the day, then its articles. */
export function renderDaySection (day: string, articles: EditionArticle[]): string {
  const heading = day === UNDATED ? 'Undated' : `<time datetime="${escapeXml(day)}">${escapeXml(day)}</time>`
  return `<section id="d-${escapeXml(day)}">
<h2 class="day">${heading}</h2>
${articles.map(a => articleItem(a, '../', 'h3')).join('\n')}
</section>`
}

/**
 * A month's page (`page/<month>.html`): its days' sections, newest first
 * ({@link renderDaySection}), and a link to the front page; nothing about the
 * other months, so a new article touches its own month's page and the front
 * page alone.
 */
export function renderMonthPage (sections: string[], o: { title: string, month: string }): string {
  return pageShell(`${escapeXml(o.title)} · ${escapeXml(o.month)}`, '../', sections.join('\n'), '<a href="../index.html">Front page</a>')
}

const encoder = new TextEncoder()
const SECTION_OPEN = encoder.encode('<section id="d-')
const SECTION_CLOSE = encoder.encode('\n</section>')
const NEWLINE = 0x0a

/** A month page's bytes around its sections: what {@link renderMonthPage} writes before the first and after the last. */
function monthShell (o: { title: string, month: string }): { head: Uint8Array, tail: Uint8Array } {
  const [head, tail] = renderMonthPage(['\u0000'], o).split('\u0000')
  return { head: encoder.encode(head), tail: encoder.encode(tail) }
}

/**
 * The bytes of a month's page from its sections' bytes: the same bytes as
 * {@link renderMonthPage} of the same sections (UTF-8 of a concatenation is the
 * concatenation of the UTF-8), so an edition copies the sections it keeps
 * without decoding them.
 */
export function monthPageBytes (sections: Uint8Array[], o: { title: string, month: string }): Uint8Array {
  const { head, tail } = monthShell(o)
  const parts: Uint8Array[] = [head]
  sections.forEach((x, i) => { if (i > 0) parts.push(Uint8Array.of(NEWLINE)); parts.push(x) })
  parts.push(tail)
  return Buffer.concat(parts)
}

/**
 * The day sections of a month's page as {@link renderMonthPage} wrote it (every
 * text in it is escaped, so no article holds `<section` or `</section>`), by
 * day, each the bytes of the page it came from; undefined when the page is not
 * exactly such a page of such sections: a later edition keeps the sections of
 * the days it does not touch without reading their records.
 */
export function daySections (page: Uint8Array, o: { title: string, month: string }): Map<string, Uint8Array> | undefined {
  const { head, tail } = monthShell(o)
  const bytes = Buffer.from(page.buffer, page.byteOffset, page.byteLength)
  if (bytes.length < head.length + tail.length || !bytes.subarray(0, head.length).equals(head) || !bytes.subarray(bytes.length - tail.length).equals(tail)) return undefined
  const end = bytes.length - tail.length
  const out = new Map<string, Uint8Array>()
  let at = head.length
  while (at < end) {
    if (out.size > 0) { if (bytes[at] !== NEWLINE) return undefined; at++ }
    if (!bytes.subarray(at, at + SECTION_OPEN.length).equals(SECTION_OPEN)) return undefined
    const close = bytes.indexOf(SECTION_CLOSE, at)
    if (close === -1 || close + SECTION_CLOSE.length > end) return undefined
    const stop = close + SECTION_CLOSE.length
    const quote = bytes.indexOf(0x22, at + SECTION_OPEN.length)
    if (quote === -1 || quote > close) return undefined
    const day = bytes.subarray(at + SECTION_OPEN.length, quote).toString('utf8')
    // one section each: no other opens before this one closes, and no day twice
    const next = bytes.indexOf(SECTION_OPEN, at + 1)
    if ((next !== -1 && next < stop) || out.has(day)) return undefined
    out.set(day, bytes.subarray(at, stop))
    at = stop
  }
  return at === end ? out : undefined
}

/** One block of an article's text: a heading or a paragraph, its text as written. */
interface TextBlock { heading: boolean, text: string }

/** The line publish writes the article's link into (`[Download IPFS](…)`): the page has its own. */
const LINK_LINE = /^\[Download IPFS\]\([^)\s]*\)$/i

/** An article's text after its header, in blocks separated by blank lines; a `#` line is a heading. */
export function textBlocks (body: string, title: string | null): TextBlock[] {
  const blocks: TextBlock[] = []
  for (const raw of body.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    const text = raw.trim()
    if (text === '' || LINK_LINE.test(text)) continue
    const h = /^#{1,6}[ \t]+(.*)$/s.exec(text)
    // a title taken from the body's first line is not repeated
    if (blocks.length === 0 && title != null && (h?.[1] ?? text).trim() === title) continue
    blocks.push(h != null ? { heading: true, text: h[1] } : { heading: false, text })
  }
  return blocks
}

/** Markdown links `[text](url)` with a web or IPFS URL; any other markup stays text. */
const INLINE_LINK = /\[([^\]\n]+)\]\(((?:https?|ipfs|ipns):\/\/[^\s()<>]+)\)/g

/** A block's text as HTML: escaped, its web links kept as links. */
function inlineHtml (text: string): string {
  let out = ''
  let at = 0
  for (const m of text.matchAll(INLINE_LINK)) {
    out += escapeXml(text.slice(at, m.index)) + `<a href="${escapeXml(m[2])}">${escapeXml(m[1])}</a>`
    at = m.index + m[0].length
  }
  return out + escapeXml(text.slice(at))
}

/** The longest summary in the feeds, in characters: a first paragraph longer than this is cut at a word. */
export const MAX_SUMMARY_CHARS = 1000

/** The first paragraph (not a heading) as plain text for the feeds, its link markup reduced to the link text; null when there is none. */
export function summaryOf (blocks: TextBlock[]): string | null {
  const first = blocks.find(b => !b.heading)
  if (first == null) return null
  const text = first.text.replace(INLINE_LINK, '$1').replace(/\s+/g, ' ').trim()
  if (text.length <= MAX_SUMMARY_CHARS) return text
  const cut = text.slice(0, MAX_SUMMARY_CHARS)
  const space = cut.lastIndexOf(' ')
  return (space > MAX_SUMMARY_CHARS / 2 ? cut.slice(0, space) : cut).replace(/[\ud800-\udbff]$/, '') + '…'
}

/** What an article's page shows: one version of one article. */
export interface ArticlePage {
  /** Where the page is in the edition (`articles/<name>.html`, `corrections/<name>/<n>.html`): its links are relative to it. */
  at: string
  title: string | null
  date: string | null
  categories: string[]
  cid: string
  /** The version's folder (its bundle) in the edition, and its file there. */
  dir: string
  file: string
  /** The version's "Download IPFS" link. */
  link: string
  blocks: TextBlock[]
  /** Of the current version: its earlier versions' pages, oldest first. */
  earlier?: Array<{ date: string | null, page: string }>
  /** Of an earlier version: which one it is (1 the first replaced), the current version's page, and whether it is the current text again (a return to it). */
  version?: { n: number, current: string, again?: boolean }
}

/**
 * The readable page of one version of an article: title, date, categories and
 * text, every value escaped, every link relative (so it works under any
 * gateway path), no script, no external resource. It depends on this article
 * alone (its versions, its folder's name and its Download IPFS link; not the
 * site's title nor the other articles), so it is the same in every edition that
 * holds the article as it is.
 */
export function renderArticlePage (p: ArticlePage): string {
  const up = '../'.repeat(p.at.split('/').length - 1)
  const title = p.title ?? p.dir.slice(p.dir.lastIndexOf('/') + 1)
  const notes: string[] = []
  if (p.version != null) {
    notes.push(p.version.again === true
      ? `<p class="corrected">This is version ${p.version.n} of this article, corrected since and then restored: it is the current text again, at <a href="${up}${href(p.version.current)}">the article's address</a>.</p>`
      : `<p class="corrected">This is version ${p.version.n} of this article, since corrected: <a href="${up}${href(p.version.current)}">read the current version</a>.</p>`)
  }
  if (p.earlier != null && p.earlier.length > 0) notes.push(`<p class="corrected"><strong>Corrected.</strong> Earlier version${p.earlier.length > 1 ? 's' : ''}: ${p.earlier.map((e, i) => `<a href="${up}${href(e.page)}">${i + 1}${e.date != null ? ` (${escapeXml(e.date)})` : ''}</a>`).join(', ')}</p>`)
  const body = p.blocks.map(b => b.heading ? `<h2>${inlineHtml(b.text)}</h2>` : `<p>${inlineHtml(b.text)}</p>`).join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>body{font:17px/1.6 Georgia,serif;max-width:40em;margin:0 auto;padding:1em}h1{font-size:1.6em;line-height:1.25}h2{font-size:1.2em}.meta,.links,nav{font:14px/1.5 system-ui,sans-serif;color:#555}.corrected{font:14px/1.5 system-ui,sans-serif;color:#8a4b00}code{word-break:break-all}</style>
</head>
<body>
<nav><a href="${up}index.html">Front page</a></nav>
<article>
<h1>${escapeXml(title)}</h1>
<p class="meta">${p.date != null ? `<time datetime="${escapeXml(p.date)}">${escapeXml(p.date)}</time>` : 'undated'}${p.categories.length > 0 ? ` · ${p.categories.map(escapeXml).join(', ')}` : ''}</p>
${notes.join('\n')}${notes.length > 0 ? '\n' : ''}${body}
</article>
<p class="links"><a href="${up}${href(p.dir)}/${href(p.file)}">text</a> · <a href="${up}${href(p.dir)}/">bundle</a> · <a href="${escapeXml(p.link)}">Download IPFS</a> · <code>${escapeXml(p.cid)}</code></p>
</body>
</html>
`
}

/**
 * What the feeds say. `updated` is the edition's date (see {@link editionDate}):
 * the feed's `updated`, and the `updated` of an undated article's Atom entry.
 * Links are relative to the feed (it does not know the URL it is served at).
 */
export interface FeedOptions { title: string, id: string, updated: string }

/** A `YYYY-MM-DD` date as an RFC 3339 time: midnight UTC of its day. */
function rfc3339 (date: string): string {
  return `${date}T00:00:00Z`
}

/**
 * The edition's date: the later of the date it is given (`edition --date`) and
 * its newest article's date; null when it has neither. No date is ever made up:
 * an undated article stays undated everywhere (ls, its folder `undated-<slug>`,
 * the pages, edition.json, JSON Feed without `date_published`); only Atom, which
 * requires `updated`, gives an undated entry the edition's date.
 */
export function editionDate (articles: Array<{ date: string | null }>, given?: string | null): string | null {
  return articles.reduce<string | null>((max, a) => a.date != null && (max == null || a.date > max) ? a.date : max, given ?? null)
}

function mediaType (file: string): string {
  return file.endsWith('.md') ? 'text/markdown' : 'text/plain'
}

/**
 * The Atom 1.0 feed of the newest articles: each entry's id is `ipfs://<cid>`,
 * its link the article's page, the article's file an enclosure, its summary
 * the first paragraph; `published` only for a dated article.
 */
export function renderAtom (articles: EditionArticle[], o: FeedOptions): string {
  const entries = articles.map(a => `<entry>
<id>ipfs://${a.cid}</id>
<title>${escapeXml(titleOf(a))}</title>
${a.date != null ? `<published>${rfc3339(a.date)}</published>\n` : ''}<updated>${rfc3339(a.date ?? o.updated)}</updated>
<link rel="alternate" type="text/html" href="${href(a.page)}"/>
<link rel="enclosure" type="${mediaType(a.file)}" length="${a.bytes}" href="${escapeXml(a.link)}"/>
${a.categories.map(c => `<category term="${escapeXml(c)}"/>`).join('\n')}${a.categories.length > 0 ? '\n' : ''}${a.summary != null ? `<summary>${escapeXml(a.summary)}</summary>\n` : ''}</entry>`)
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${escapeXml(o.id)}</id>
<title>${escapeXml(o.title)}</title>
<updated>${rfc3339(o.updated)}</updated>
<link rel="self" type="application/atom+xml" href="feed.xml"/>
<link rel="alternate" type="text/html" href="./"/>
<author><name>${escapeXml(o.title)}</name></author>
<generator>ipfs-publish</generator>
${entries.join('\n')}
</feed>
`
}

/**
 * The JSON Feed 1.1 of the newest articles: `id` `ipfs://<cid>`, `url` the
 * article's page, `summary` and `content_text` its first paragraph (the title
 * when it has none), the article's file an attachment, `date_published` only
 * for a dated article.
 */
export function renderJsonFeed (articles: EditionArticle[], o: FeedOptions): string {
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: o.title,
    home_page_url: './',
    feed_url: 'feed.json',
    items: articles.map(a => ({
      id: `ipfs://${a.cid}`,
      url: href(a.page),
      title: titleOf(a),
      ...(a.summary != null ? { summary: a.summary } : {}),
      content_text: a.summary ?? titleOf(a),
      ...(a.date != null ? { date_published: rfc3339(a.date) } : {}),
      tags: a.categories,
      attachments: [{ url: a.link, mime_type: mediaType(a.file), size_in_bytes: a.bytes }],
      _ipfs: { cid: a.cid, path: a.path, earlier: a.earlier.map(e => e.cid) }
    }))
  }
  return JSON.stringify(feed, null, 2) + '\n'
}
