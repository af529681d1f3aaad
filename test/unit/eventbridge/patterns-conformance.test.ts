// Every pattern case recorded against real Amazon EventBridge (TestEventPattern) must get AWS's answer.

import {
  compilePattern,
  InvalidEventPatternError,
  matchesPattern,
  matchesPatternJson,
  RuleMatcher,
} from '../../../local/eventbridge/patterns/index.js';
import { referenceMatchesJson } from '../../../local/eventbridge/patterns/reference.js';
import { loadPatternCases, type PatternCase, textsOf } from './patterns/conformance-cases.js';

const cases = loadPatternCases();
const matching = cases.filter((c) => c.expected !== 'InvalidEventPatternException');
const refused = cases.filter((c) => c.expected === 'InvalidEventPatternException');

describe('event patterns against recorded AWS answers', () => {
  it('covers all recorded cases', () => {
    expect(cases).toHaveLength(158);
  });

  it.each(matching.map((c) => [c.name, c] as const))('%s: answers as AWS did', (_name, c: PatternCase) => {
    // Prepare
    const { patternJson, eventJson } = textsOf(c);
    const pattern = compilePattern(patternJson);

    // Act
    const fromText = matchesPatternJson(pattern, eventJson);
    const fromObject = matchesPattern(pattern, JSON.parse(eventJson));
    const reference = referenceMatchesJson(pattern, eventJson);

    // Assess
    expect({ fromText, fromObject, reference }).toEqual({
      fromText: c.expected,
      fromObject: c.expected,
      reference: c.expected,
    });
  });

  it.each(refused.map((c) => [c.name, c] as const))(
    '%s: refuses the pattern as AWS did',
    (_name, c: PatternCase) => {
      // Prepare
      const { patternJson } = textsOf(c);

      // Act
      const attempt = (): unknown => compilePattern(patternJson);

      // Assess
      expect(attempt).toThrow(InvalidEventPatternError);
      if (c.awsErrorMessage !== undefined) expect(attempt).toThrow(c.awsErrorMessage);
    },
  );

  it('gives every case its AWS answer when all valid patterns share one bus', () => {
    // Prepare
    const bus = new RuleMatcher<string>();
    for (const c of matching) bus.add(c.name, compilePattern(textsOf(c).patternJson));

    // Act
    const wrong = matching.filter((c) => bus.matchJson(textsOf(c).eventJson).includes(c.name) !== c.expected);

    // Assess
    expect(wrong.map((c) => c.name)).toEqual([]);
  });
});
