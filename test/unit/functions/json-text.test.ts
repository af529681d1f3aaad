// What JSON.parse accepts but a request body must not carry: repeated keys, numbers a double changes, nesting past
// MAX_BODY_DEPTH and lone surrogates; each named by a JSON Pointer to where it is.
import { findJsonFault, MAX_BODY_DEPTH } from '../../../functions/shared/json-text.js';

describe('findJsonFault', () => {
  it.each([
    ['{"a":1,"b":[1,2.5,-3e10,{"c":null}],"d":"x","e":true,"f":false}'],
    ['{"n":9007199254740991,"m":-9007199254740991,"f":1.7976931348623157e308,"z":0,"y":-0.0,"w":0e-5}'],
    ['{"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]}'],
    ['{"s":"{\\"a\\":1,\\"a\\":2} 1e400 [[[[","t":"\\\\","a\\"b":1,"a\\\\\\"b":2}'],
    [`${'['.repeat(MAX_BODY_DEPTH)}${']'.repeat(MAX_BODY_DEPTH)}`],
    ['[{},"x",{"a":{}},"y",[],"z"]'],
    ['{"tags":[{},"b"],"c":{"d":{}},"e":"f"}'],
    ['[1e300,1E22,9007199254740992,9007199254740992.000,-1.5e20,1.7976931348623157e308,5e-324]'],
    ['[0.000000000000000000000000000001234,123.456000000000000,100000000000000000000000000000]'],
  ])('finds nothing in %s', (text) => {
    JSON.parse(text);
    expect(findJsonFault(text)).toBeUndefined();
  });

  it.each([
    ['{"a":1,"a":2}', 'duplicate_key', '/a', /"a" appears twice/],
    ['{"x":{"b":[1,{"c":1,"\\u0063":3}]}}', 'duplicate_key', '/x/b/1/c', /"c" appears twice/],
    ['{"a/b":{"~":1,"~":2}}', 'duplicate_key', '/a~1b/~0', /"~" appears twice/],
    [
      `{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')},"k7":0}`,
      'duplicate_key',
      '/k7',
      /"k7"/,
    ],
    ['[1,2,1e400]', 'number_out_of_range', '/2', /1e400 is beyond the largest number/],
    ['{"n":-1E+309}', 'number_out_of_range', '/n', /-1E\+309 is beyond/],
    ['{"n":12345678901234567891}', 'number_out_of_range', '/n', /would become 12345678901234567000;/],
    ['{"n":12345678901234567891.0}', 'number_out_of_range', '/n', /would become 12345678901234567000;/],
    ['{"a":[0,{"b":-9007199254740993}]}', 'number_out_of_range', '/a/1/b', /would become -9007199254740992;/],
    ['[9007199254740993e0]', 'number_out_of_range', '/0', /would become 9007199254740992;/],
    ['{"f":0.10000000000000000555}', 'number_out_of_range', '/f', /would become 0.1;/],
    ['[2.5e-324]', 'number_out_of_range', '/0', /would become 5e-324;/],
    ['{"tiny":1e-400}', 'number_out_of_range', '/tiny', /too close to zero/],
    ['123456789012345678', 'number_out_of_range', '', /123456789012345678/],
    ['{"":123456789012345678}', 'number_out_of_range', '/', /123456789012345678/],
    [
      `{"a":${'['.repeat(MAX_BODY_DEPTH)}${']'.repeat(MAX_BODY_DEPTH)}}`,
      'nesting_too_deep',
      `/a${'/0'.repeat(MAX_BODY_DEPTH - 1)}`,
      /more than 128 levels/,
    ],
  ])('finds in %s a %s at %s', (text, kind, field, message) => {
    JSON.parse(text);
    const fault = findJsonFault(text);
    expect(fault).toMatchObject({ kind, field });
    expect(fault?.message).toMatch(message);
  });

  // i18n review, 2026-12-07: a surrogate not in a pair passed in data, keys, schemas and filters; EventBridge reads it
  // as '?' and DynamoDB cannot keep it, so a record changed on its way without a word.
  it.each([
    ['{"data":{"v":"\\ud83d"}}', '/data/v', /^the text is not well-formed Unicode/],
    ['{"data":{"v":"a\\uDC00b"}}', '/data/v', /^the text/],
    ['{"data":{"v":"\ud800 raw"}}', '/data/v', /^the text/],
    ['{"data":{"k\\ud800":1}}', '/data/k\ud800', /^this key is not well-formed Unicode/],
    ['{"filter":{"v":[{"prefix":"\\ud83d"}]}}', '/filter/v/0/prefix', /lone surrogate/],
    ['{"a":["x","\\udbff\\udbff"]}', '/a/1', /lone surrogate/],
    ['"\\ud800"', '', /lone surrogate/],
  ])('finds in %s a lone surrogate at %s', (text, field, message) => {
    JSON.parse(text);
    const fault = findJsonFault(text);
    expect(fault).toMatchObject({ kind: 'invalid_request', field });
    expect(fault?.message).toMatch(message);
  });

  it.each([
    ['paired, raw and escaped', '{"v":"😀 \\ud83d\\ude00 𠮷田"}'],
    ['a key of a pair', '{"\\ud83d\\ude00":"东城区"}'],
    ['an escaped backslash before "ud800"', '{"v":"\\\\ud800","w":"\\\\ud83d"}'],
    ['escapes near the surrogates', '{"v":"\\u00d8\\u0d80\\ue000"}'],
  ])('finds nothing in text whose surrogates are %s', (_, text) => {
    JSON.parse(text);
    expect(findJsonFault(text)).toBeUndefined();
  });
});
