import fc from 'fast-check';
import { page } from '../../../local/eventbridge/request.js';

interface Item {
  readonly name: string;
  readonly at: number;
}

/** The pages as sorting every item for each page gives them (page() did so before 2026-12-05). */
function sortedPages(items: readonly Item[], limit: number): Item[][] {
  const sorted = [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const pages: Item[][] = [];
  let left = sorted;
  for (;;) {
    const slice = left.slice(0, limit);
    pages.push(slice);
    const last = slice[slice.length - 1];
    if (last === undefined || slice.length === left.length) return pages;
    left = left.filter((item) => item.name > last.name);
  }
}

function pagesOf(items: readonly Item[], limit: number, most?: number): Item[][] {
  const scope = {
    filter: 'ListRules',
    key: (item: Item) => item.name,
    ...(most === undefined ? {} : { budget: { weight: (item: Item) => item.at, most } }),
  };
  const pages: Item[][] = [];
  let token: string | undefined;
  do {
    const answer = page(items, token, limit, scope);
    pages.push(answer.items);
    token = answer.nextToken;
    // A token that gave its own page again would page forever.
  } while (token !== undefined && pages.length <= items.length);
  return pages;
}

describe('paging of list operations', () => {
  it('gives the pages sorting every item would, equal names in their first order', () => {
    // Prepare: names from a small alphabet, so that some repeat and the order of equal names shows.
    const items = fc
      .array(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'B', '-', '_'), maxLength: 3 }), {
        maxLength: 40,
      })
      .map((names) => names.map((name, at) => ({ name, at })));
    // Act / Assess
    fc.assert(
      fc.property(items, fc.integer({ min: 1, max: 7 }), (list, limit) => {
        expect(pagesOf(list, limit)).toEqual(sortedPages(list, limit));
      }),
      { numRuns: 500 },
    );
  });

  it('ends on the page that holds the last items, and gives one empty page for none', () => {
    // Prepare
    const items = ['d', 'b', 'a', 'c'].map((name, at) => ({ name, at }));
    // Act
    const exact = pagesOf(items, 2);
    const none = pagesOf([], 2);
    // Assess
    expect(exact.map((p) => p.map((item) => item.name))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(none).toEqual([[]]);
  });

  it('ends a page before the item that would take its weight past the budget, holding one at least, and loses none', () => {
    // Prepare: unique names, each weighing 0 to 9.
    const items = fc
      .uniqueArray(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 4 }), { maxLength: 40 })
      .chain((names) =>
        fc.tuple(
          fc.constant(names),
          fc.array(fc.integer({ min: 0, max: 9 }), { minLength: names.length, maxLength: names.length }),
        ),
      )
      .map(([names, weights]) => names.map((name, i) => ({ name, at: weights[i] as number })));
    // Act / Assess
    fc.assert(
      fc.property(
        items,
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 20 }),
        (list, limit, most) => {
          const pages = pagesOf(list, limit, most);
          const weight = (p: readonly Item[]) => p.reduce((sum, item) => sum + item.at, 0);
          expect(pages.flat()).toEqual(sortedPages(list, list.length || 1).flat());
          for (const p of pages) {
            expect(p.length).toBeLessThanOrEqual(limit);
            if (p.length > 1) expect(weight(p)).toBeLessThanOrEqual(most);
          }
          // Full: a page ends early only for the next item's weight.
          for (const [i, p] of pages.slice(0, -1).entries()) {
            const next = pages[i + 1]?.[0];
            if (p.length < limit && next) expect(weight(p) + next.at).toBeGreaterThan(most);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
