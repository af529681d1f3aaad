// A strict draft 2020-12 validator for the tests: strict mode also proves the generated schemas use no
// keyword Ajv does not know.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export function strictAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return ajv;
}
