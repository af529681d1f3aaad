import {
  InvalidPatternError,
  linearPattern,
  toRe2Syntax,
  UnsupportedPatternError,
} from '../../../functions/shared/linear-pattern.js';
import { InvalidSchemaError, SchemaValidator } from '../../../functions/shared/schema-validator.js';

// Texts with the characters where ECMAScript and RE2 differ: white space beyond ASCII, line terminators, astral
// code points.
const TEXTS = [
  '',
  '5',
  'da',
  ':',
  '[',
  'P-12',
  'a b',
  'a\u00a0b',
  'a\u2028b',
  'a\nb',
  'a\rb',
  '\u00e9',
  'caf\u00e9',
  '\u{1f600}',
  'x\u{1f600}y',
  ' ',
  '\ufeff',
  '\v',
  ']',
  'abc',
  '\u2003',
  '\b',
  '\0',
  '\u03b1\u03b2',
  'a\u00a0',
];

describe('linearPattern', () => {
  it.each([
    '^P-\\d+$',
    '\\s',
    '^\\S+$',
    '^a.b$',
    '^.$',
    '[\\s\\d]',
    '\\u00e9',
    '^\\u{1f600}$',
    '^\\uD83D\\uDE00$',
    '[^]',
    '[]',
    '^[^]$',
    '[\\]]',
    '^[a-c]+$',
    '(?<word>\\w+)\\b',
    'a{2,3}?',
    '^[\\S]+$',
    '^[^\\S\\r\\n]*$',
    '[\\s\\S]',
    '\\cJ',
    '[\\b]',
    '\\0',
    '^\\p{Letter}+$',
    '^\\p{Lu}',
    '^\\P{Uppercase_Letter}+$',
    '^\\p{Script=Greek}+$',
    '^\\p{gc=Ll}+$',
    '^[[:digit:][a]$',
    '[[:alpha:][]',
  ])('answers %p as JavaScript does (with the u flag) for every sample text', (pattern) => {
    // Prepare
    const native = new RegExp(pattern, 'u');
    // Act
    const linear = linearPattern(pattern);
    // Assess
    expect(TEXTS.map((text) => linear.test(text))).toEqual(TEXTS.map((text) => native.test(text)));
  });

  it('decides a pattern that backtracks catastrophically in JavaScript on a long text', () => {
    // Prepare: JavaScript takes seconds at 25 characters and doubles with each one more.
    const nested = linearPattern('^(a+)+$');
    const text = `${'a'.repeat(5_000)}!`;
    // Act
    const answers = [nested.test(text), nested.test('a'.repeat(5_000))];
    // Assess
    expect(answers).toEqual([false, true]);
  });

  it.each([
    ['(?=a)a', 'lookahead'],
    ['(?<!a)b', 'lookbehind'],
    ['(a)\\1', 'a backreference'],
    ['a{1001}', 'a repetition over 1,000'],
    ['(?i:a)b', 'a modifier group'],
  ])('refuses %p (%s) with UnsupportedPatternError naming the pattern', (pattern) => {
    // Act
    const act = () => linearPattern(pattern);
    // Assess
    expect(act).toThrow(UnsupportedPatternError);
    expect(act).toThrow(JSON.stringify(pattern));
  });

  it.each(['(?i)^abc$', '^\\pL+$', '\\Aabc\\z', '^[[:digit:]]+$', '(a'])(
    'refuses %p, which is RE2 syntax or no syntax but not an ECMAScript regular expression',
    (pattern) => {
      // Act
      const act = () => linearPattern(pattern);
      // Assess
      expect(act).toThrow(InvalidPatternError);
      expect(act).toThrow(`the pattern ${JSON.stringify(pattern)} is not a valid regular expression`);
    },
  );

  it('spells unicode escapes, white space and the dot in RE2 syntax', () => {
    expect(toRe2Syntax('\\u00e9\\u{1F600}')).toBe('\\x{e9}\\x{1f600}');
    expect(toRe2Syntax('a.b')).toBe('a[^\\n\\r\\x{2028}\\x{2029}]b');
    expect(toRe2Syntax('[.]')).toBe('[.]');
  });
});

describe('SchemaValidator with patterns', () => {
  it('refuses at registration a pattern RE2 cannot run, naming the keyword or the patternProperties key', () => {
    // Prepare
    const validator = new SchemaValidator();
    const caught = (schema: unknown): InvalidSchemaError => {
      try {
        validator.check(schema);
      } catch (error) {
        if (error instanceof InvalidSchemaError) return error;
        throw error;
      }
      throw new Error('expected InvalidSchemaError');
    };
    // Act
    const keyword = caught({ properties: { code: { type: 'string', pattern: '^(?=.*\\d)\\w+$' } } });
    const key = caught({ patternProperties: { '^x-(?!y)': { type: 'string' } } });
    const invalid = caught({ properties: { code: { type: 'string', pattern: '(?i)abc' } } });
    const inArray = caught({ allOf: [{ type: 'string' }, { pattern: '(?=a)a' }] });
    // The same text in data (a default, an example) or an annotation is a value, not the pattern at fault.
    const besideData = caught({
      example: { pattern: '(?=b)b' },
      'x-doc': { patternProperties: { '(?=b)b': {} } },
      examples: [{ pattern: '(?=b)b' }],
      properties: {
        a: { default: { pattern: '(?=b)b' }, const: { patternProperties: { '(?=b)b': {} } } },
        b: { type: 'string', pattern: '(?=b)b' },
      },
    });
    // Assess
    expect(keyword.fields).toEqual([
      { field: '/schema/properties/code/pattern', message: 'cannot be checked in linear time' },
    ]);
    expect(keyword.message).toMatch(/lookahead, lookbehind and backreferences are not supported/);
    expect(key.fields).toEqual([
      { field: '/schema/patternProperties/^x-(?!y)', message: 'cannot be checked in linear time' },
    ]);
    expect(inArray.fields).toEqual([
      { field: '/schema/allOf/1/pattern', message: 'cannot be checked in linear time' },
    ]);
    expect(besideData.fields).toEqual([
      { field: '/schema/properties/b/pattern', message: 'cannot be checked in linear time' },
    ]);
    expect(invalid.fields).toEqual([
      { field: '/schema/properties/code/pattern', message: 'is not a valid regular expression' },
    ]);
  });

  it('still validates with a schema registered before such patterns were refused, on JavaScript’s engine', () => {
    // Prepare
    const validator = new SchemaValidator();
    const schema = { type: 'string', pattern: '^(?=.*\\d)\\w+$' };
    // Act
    const problems = ['abc1', 'abc'].map((data) =>
      validator.validate('tax.legacy.code', '1.0.0', schema, data),
    );
    // Assess
    expect(problems).toEqual([[], [{ field: '/data', message: 'must match pattern "^(?=.*\\d)\\w+$"' }]]);
  });

  it('validates data against a catastrophic pattern without backtracking', () => {
    // Prepare
    const validator = new SchemaValidator();
    const schema = { type: 'object', properties: { id: { type: 'string', pattern: '^(a+)+$' } } };
    // Act
    const problems = validator.validate('tax.evil.pattern', '1.0.0', schema, { id: `${'a'.repeat(5_000)}!` });
    // Assess
    expect(problems).toEqual([{ field: '/data/id', message: 'must match pattern "^(a+)+$"' }]);
  });
});
