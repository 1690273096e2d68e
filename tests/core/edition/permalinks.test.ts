import { describe, expect, it } from 'vitest'
import { assignPermalinks } from '../../../src/core/edition/permalinks.js'
import type { PermalinkSource, PreviousPaths } from '../../../src/core/edition/permalinks.js'

const NONE: PreviousPaths = { articles: [], retired: [] }
const permutations = <T>(xs: T[]): T[][] => xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map(p => [x, ...p]))

/** Runs a chain of editions: each step's sources, each built on the one before; returns each step's source CID → path. */
function chain (steps: PermalinkSource[][]): Array<Map<string, string>> {
  let previous = NONE
  const out: Array<Map<string, string>> = []
  for (const sources of steps) {
    const r = assignPermalinks(sources, previous)
    out.push(new Map(sources.map((s, i) => [s.current, r.paths[i]])))
    previous = { articles: sources.map((s, i) => ({ path: r.paths[i], cids: [s.current, ...[...s.earlier].reverse()] })), retired: r.retired }
  }
  return out
}

const art = (current: string, base = 'd-t', earlier: string[] = []): PermalinkSource => ({ current, earlier, base })

describe('assignPermalinks', () => {
  it('new articles of one base, given in any order, take the base then -2, -3… by CID', () => {
    for (const order of permutations(['c1', 'c2', 'c3', 'c4'])) {
      const r = assignPermalinks(order.map(c => art(c)), NONE)
      expect(new Map(order.map((c, i) => [c, r.paths[i]]))).toEqual(new Map([['c1', 'articles/d-t'], ['c2', 'articles/d-t-2'], ['c3', 'articles/d-t-3'], ['c4', 'articles/d-t-4']]))
    }
  })

  it('collisions in every order of appearance: a path, once given, is kept; a newcomer never takes one', () => {
    for (const order of permutations(['c1', 'c2', 'c3', 'c4'])) {
      // one article more in each edition, the earlier ones given in a shuffled order
      const steps = order.map((_, k) => [...order.slice(0, k + 1)].reverse().map(c => art(c)))
      const editions = chain(steps)
      order.forEach((c, i) => {
        const first = editions[i].get(c)
        expect(first).toBe(i === 0 ? 'articles/d-t' : `articles/d-t-${i + 1}`)
        for (const later of editions.slice(i)) expect(later.get(c)).toBe(first)
      })
    }
  })

  it('a correction keeps its path, whatever its new base (headline, date); found by any earlier CID', () => {
    const [one, two, three] = chain([
      [art('a1', '2020-07-05-ministers-rejected'), art('b1', '2020-07-06-other')],
      [art('a2', '2020-07-05-ministers-rejected-the-revised-plan', ['a1']), art('b1', '2020-07-06-other')],
      // the manifest may list only the oldest earlier version the previous edition knows
      [art('a3', '2021-01-01-new-date', ['a1']), art('b1', '2020-07-06-other')]
    ])
    expect(one.get('a1')).toBe('articles/2020-07-05-ministers-rejected')
    expect(two.get('a2')).toBe('articles/2020-07-05-ministers-rejected')
    expect(three.get('a3')).toBe('articles/2020-07-05-ministers-rejected')
  })

  it('an article removed: its path is retired for ever; a newcomer of its base takes the next free suffix; the article back takes its path again', () => {
    const first = assignPermalinks([art('x'), art('o', 'other')], NONE)
    expect(first.paths).toEqual(['articles/d-t', 'articles/other'])
    const prev1: PreviousPaths = { articles: [{ path: 'articles/d-t', cids: ['x'] }, { path: 'articles/other', cids: ['o'] }], retired: [] }
    const second = assignPermalinks([art('y'), art('o', 'other')], prev1)
    expect(second.paths).toEqual(['articles/d-t-2', 'articles/other'])
    expect(second.retired).toEqual([{ path: 'articles/d-t', cids: ['x'] }])
    const prev2: PreviousPaths = { articles: [{ path: 'articles/d-t-2', cids: ['y'] }, { path: 'articles/other', cids: ['o'] }], retired: second.retired }
    const third = assignPermalinks([art('z'), art('y'), art('o', 'other')], prev2)
    expect(third.paths).toEqual(['articles/d-t-3', 'articles/d-t-2', 'articles/other'])
    expect(third.retired).toEqual([{ path: 'articles/d-t', cids: ['x'] }])
    const back = assignPermalinks([art('x'), art('y'), art('o', 'other')], prev2)
    expect(back.paths).toEqual(['articles/d-t', 'articles/d-t-2', 'articles/other'])
    expect(back.matched).toEqual([-1, 0, 1])
    expect(back.retired).toEqual([])
  })

  it('a suffixed path that is another base is not given twice', () => {
    const r = assignPermalinks([art('a', 'd-t'), art('b', 'd-t'), art('c', 'd-t-2')], NONE)
    expect(new Set(r.paths).size).toBe(3)
    const prev: PreviousPaths = { articles: [{ path: 'articles/d-t-2', cids: ['c'] }], retired: [] }
    expect(assignPermalinks([art('c', 'd-t-2'), art('a'), art('b')], prev).paths).toEqual(['articles/d-t-2', 'articles/d-t', 'articles/d-t-3'])
  })

  it('the same sources and previous paths give the same paths, whatever order the sources come in', () => {
    const prev: PreviousPaths = { articles: [{ path: 'articles/d-t', cids: ['m', 'm0'] }], retired: [{ path: 'articles/d-t-2', cids: ['gone'] }] }
    const sources = [art('a'), art('m1', 'renamed', ['m0', 'm']), art('b'), art('q', 'other')]
    const expected = new Map([['a', 'articles/d-t-3'], ['m1', 'articles/d-t'], ['b', 'articles/d-t-4'], ['q', 'articles/other']])
    for (const order of permutations(sources)) {
      const r = assignPermalinks(order, prev)
      expect(new Map(order.map((s, i) => [s.current, r.paths[i]]))).toEqual(expected)
      expect(r.retired).toEqual([{ path: 'articles/d-t-2', cids: ['gone'] }])
    }
  })
})
