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
  /** Earlier versions, oldest first: their CIDs, dates and folders in the edition. */
  earlier: Array<{ cid: string, date: string | null, path: string }>
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

export interface PageOptions { title: string, page: number, pages: number }

/**
 * One page of the front page: `index.html` (page 1) or `page/<n>.html`. Every
 * link is relative to the page, so the edition works under `/ipfs/<cid>/`,
 * `/ipns/<name>/` and on a subdomain gateway; no script, no external resource.
 */
export function renderPage (articles: EditionArticle[], o: PageOptions): string {
  const up = o.page === 1 ? '' : '../'
  const pageHref = (n: number): string => n === 1 ? `${up}index.html` : o.page === 1 ? `page/${n}.html` : `${n}.html`
  const items = articles.map(a => {
    const dir = `${up}${href(a.path)}/`
    const corrected = a.earlier.length > 0
      ? `\n<p class="corrected"><strong>Corrected.</strong> Earlier version${a.earlier.length > 1 ? 's' : ''}: ${a.earlier.map((e, i) => `<a href="${up}${href(e.path)}/${href(a.file)}">${i + 1}${e.date != null ? ` (${escapeXml(e.date)})` : ''}</a>`).join(', ')}</p>`
      : ''
    return `<article>
<h2><a href="${dir}${href(a.file)}">${escapeXml(titleOf(a))}</a></h2>
<p class="meta">${a.date != null ? `<time datetime="${escapeXml(a.date)}">${escapeXml(a.date)}</time>` : 'undated'}${a.categories.length > 0 ? ` · ${a.categories.map(escapeXml).join(', ')}` : ''}</p>
<p class="links"><a href="${dir}">bundle</a> · <a href="${escapeXml(a.link)}">Download IPFS</a> · <code>${a.cid}</code></p>${corrected}
</article>`
  })
  const nav: string[] = []
  if (o.page > 1) nav.push(`<a rel="prev" href="${pageHref(o.page - 1)}">Newer</a>`)
  if (o.page < o.pages) nav.push(`<a rel="next" href="${pageHref(o.page + 1)}">Older</a>`)
  const heading = escapeXml(o.title) + (o.page > 1 ? ` · page ${o.page} of ${o.pages}` : '')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${heading}</title>
<link rel="alternate" type="application/atom+xml" href="${up}feed.xml">
<link rel="alternate" type="application/feed+json" href="${up}feed.json">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46em;margin:0 auto;padding:1em}article{border-bottom:1px solid #ddd;padding:.5em 0}h2{font-size:1.15em;margin:.2em 0}.meta,.links{margin:.2em 0;color:#555;font-size:.9em}code{font-size:.8em;word-break:break-all}.corrected{color:#8a4b00;font-size:.9em;margin:.2em 0}nav a{margin-right:1em}</style>
</head>
<body>
<header><h1>${heading}</h1><p><a href="${up}feed.xml">Atom feed</a> · <a href="${up}feed.json">JSON feed</a> · <a href="${up}edition.json">edition.json</a></p></header>
<main>
${items.join('\n')}
</main>
<nav>${nav.join(' ')}</nav>
</body>
</html>
`
}

export interface FeedOptions { title: string, id: string, updated: string | null }

/** An article's date as an RFC 3339 time (Atom and JSON Feed want one): midnight UTC of its day. */
function rfc3339 (date: string | null): string {
  return date != null && /^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T00:00:00Z` : '1970-01-01T00:00:00Z'
}

function mediaType (file: string): string {
  return file.endsWith('.md') ? 'text/markdown' : 'text/plain'
}

/** The Atom 1.0 feed of the newest articles: each entry's id is `ipfs://<cid>`, its link the gateway link, the article an enclosure. */
export function renderAtom (articles: EditionArticle[], o: FeedOptions): string {
  const entries = articles.map(a => `<entry>
<id>ipfs://${a.cid}</id>
<title>${escapeXml(titleOf(a))}</title>
<updated>${rfc3339(a.date)}</updated>
<link rel="alternate" href="${escapeXml(a.link)}"/>
<link rel="enclosure" type="${mediaType(a.file)}" length="${a.bytes}" href="${escapeXml(a.link)}"/>
${a.categories.map(c => `<category term="${escapeXml(c)}"/>`).join('\n')}${a.categories.length > 0 ? '\n' : ''}<summary>${escapeXml(titleOf(a))}${a.earlier.length > 0 ? ' (corrected)' : ''}</summary>
</entry>`)
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${escapeXml(o.id)}</id>
<title>${escapeXml(o.title)}</title>
<updated>${rfc3339(o.updated)}</updated>
<author><name>${escapeXml(o.title)}</name></author>
<generator>ipfs-publish</generator>
${entries.join('\n')}
</feed>
`
}

/** The JSON Feed 1.1 of the newest articles: `id` `ipfs://<cid>`, `url` the gateway link, the article an attachment. */
export function renderJsonFeed (articles: EditionArticle[], o: FeedOptions): string {
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: o.title,
    feed_url: undefined,
    items: articles.map(a => ({
      id: `ipfs://${a.cid}`,
      url: a.link,
      title: titleOf(a),
      content_text: titleOf(a) + (a.earlier.length > 0 ? ' (corrected)' : ''),
      date_published: rfc3339(a.date),
      tags: a.categories,
      attachments: [{ url: a.link, mime_type: mediaType(a.file), size_in_bytes: a.bytes }],
      _ipfs: { cid: a.cid, path: a.path, earlier: a.earlier.map(e => e.cid) }
    }))
  }
  return JSON.stringify(feed, null, 2) + '\n'
}
