// The embedded EventBridge's cuts of text (a connection's StateReason, a dead letter's error, an endpoint's answer in
// a message): never longer than asked, never half of a character, and the text itself when it already fits.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { logLine, unitsPrefix, utf8Prefix } from '../../../local/eventbridge/text.js';

const HIGH_SURROGATE_LAST = /[\uD800-\uDBFF]$/;

describe('unitsPrefix', () => {
  it.each([
    ['ASCII, cut exactly', 'abcdef', 4, 'abcd'],
    ['a pair that would be split, left out whole', 'ab😀c', 3, 'ab'],
    ['a pair that ends at the cut, kept', 'ab😀c', 4, 'ab😀'],
    ['a text that fits, unchanged', 'ab😀', 8, 'ab😀'],
  ])('%s', (_, text, units, expected) => {
    expect(unitsPrefix(text, units)).toBe(expected);
  });

  it('keeps the most whole characters that fit, for any text and length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(90), (text, units) => {
        const cut = unitsPrefix(text, units);
        expect(text.startsWith(cut)).toBe(true);
        expect(cut.length).toBeLessThanOrEqual(units);
        expect(cut).not.toMatch(HIGH_SURROGATE_LAST);
        // All of it, or all `units` of it, but for one unit fewer to keep a pair whole.
        if (cut.length !== Math.min(text.length, units)) {
          expect(cut.length).toBe(units - 1);
          expect(text.slice(0, units)).toMatch(HIGH_SURROGATE_LAST);
        }
      }),
    );
  });
});

describe('utf8Prefix', () => {
  it.each([
    ['ASCII, cut exactly', 'abcdef', 4, 'abcd'],
    ['a two-byte character that would be split, left out', 'aé', 2, 'a'],
    ['a four-byte character that would be split, left out', 'a😀', 4, 'a'],
    ['a four-byte character that ends at the cut, kept', 'a😀b', 5, 'a😀'],
    ['a text that fits, unchanged', 'aé😀', 7, 'aé😀'],
  ])('%s', (_, text, bytes, expected) => {
    expect(utf8Prefix(text, bytes)).toBe(expected);
  });

  it('keeps the most whole characters that fit in the bytes, for any text and size', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(160), (text, bytes) => {
        const cut = utf8Prefix(text, bytes);
        expect(text.startsWith(cut)).toBe(true);
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(bytes);
        expect(cut).not.toMatch(HIGH_SURROGATE_LAST);
        // The next code point would not have fitted.
        const next = text.slice(cut.length).codePointAt(0);
        if (next !== undefined) {
          expect(Buffer.byteLength(cut + String.fromCodePoint(next))).toBeGreaterThan(bytes);
        }
      }),
    );
  });
});

// Diff review, 2026-12-07: a cut kept the whole text it was cut from (V8 keeps a slice as a view of it), so a dead
// letter's ERROR_MESSAGE cut to 1 KB held an error of 100 KB for 14 days, where the queues' limit counted 1 KB.
describe('a cut of a long text', () => {
  it('holds its own characters, not the whole text it was cut from', () => {
    // Act: cuts of 2,000 texts of 100 KB, each cut text let go of
    const script = `
      import { utf8Prefix } from ${JSON.stringify(new URL('../../../local/eventbridge/text.ts', import.meta.url).href)};
      globalThis.gc();
      const before = process.memoryUsage().heapUsed;
      const kept = [];
      for (let i = 0; i < 2000; i++) kept.push(utf8Prefix('Error: ' + i + ' ' + 'x'.repeat(100000), 1024));
      globalThis.gc();
      console.log((process.memoryUsage().heapUsed - before) / kept.length);
    `;
    const result = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '--eval', script],
      {
        cwd: new URL('../../..', import.meta.url),
        encoding: 'utf8',
      },
    );
    // Assess: about 1 KB each, not 100
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(Number(result.stdout)).toBeLessThan(5_000);
  });
});

// i18n review, 2026-12-07: an API destination's answer went into the log as sent, so it could recolour the terminal
// and write a line that looked like the server's own.
describe('logLine', () => {
  it('escapes what would break or recolour a log line, and leaves other text, Chinese and emoji, as it is', () => {
    expect(logLine('\x1b[31mRED\nFAKE [eventbridge]\r\u202e\u0000\u2028 东城😀 tab\there')).toBe(
      '\\u001b[31mRED\\u000aFAKE [eventbridge]\\u000d\\u202e\\u0000\\u2028 东城😀 tab\\u0009here',
    );
    expect(logLine('plain text, 中文')).toBe('plain text, 中文');
    // Joiners and tags make emoji sequences: a family, a flag (diff review, 2026-12-07)
    const sequences = '👨\u200d👩\u200d👧 🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}';
    expect(logLine(sequences)).toBe(sequences);
    expect(logLine('a\u2066b\u2069\u200f')).toBe('a\\u2066b\\u2069\\u200f');
  });
});
