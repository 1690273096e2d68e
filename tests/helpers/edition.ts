/**
 * An edition's records as one object, read through `read` (a function that gives
 * the text of a path inside the edition: `cat <cid>/<path>`, a file of `get`'s
 * output, or a gateway fetch): edition.json (the index), every month's list of
 * days (edition/<month>/month.json) and every day's record (edition/<month>/<dd>.json),
 * its articles in the edition's order.
 */
export async function editionContent (read: (path: string) => Promise<string>): Promise<{ index: any, articles: any[], corrections: Record<string, any[]>, retired: any[] }> {
  const index = JSON.parse(await read('edition.json'))
  const articles: any[] = []
  const corrections: Record<string, any[]> = {}
  const retired: any[] = []
  for (const m of index.months) {
    for (const d of JSON.parse(await read(`edition/${m.month}/month.json`)).days) {
      const day = JSON.parse(await read(`edition/${m.month}/${d.day === 'undated' ? 'undated' : d.day.slice(8)}.json`))
      articles.push(...day.articles)
      Object.assign(corrections, day.corrections)
      retired.push(...day.retired)
    }
  }
  retired.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  return { index, articles, corrections, retired }
}
