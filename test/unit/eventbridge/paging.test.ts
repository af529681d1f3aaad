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

function pagesOf(items: readonly Item[], limit: number): Item[][] {
  const scope = { filter: 'ListRules', key: (item: Item) => item.name };
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
});
