// JSON Schema validation of event data. Each contract version's schema is compiled once per function
// instance and cached by `type@version` — safe because versions are immutable — so publishing never
// re-compiles a schema per event.
import { createContext, Script } from 'node:vm';
import { _, Ajv, type ErrorObject, str, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvEqualExports from 'ajv/dist/runtime/equal.js';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import addFormats from 'ajv-formats';
import { type FieldProblem, fitting } from './errors.js';
import {
  isFaultBudgetSpent,
  MAX_KEPT_FAULT_PATH_CHARS,
  MAX_KEPT_FAULTS,
  resetFaultBudget,
  withFaultBudget,
  withHeldFaultBudget,
} from './fault-budget.js';
import { addInternationalFormats } from './idn-formats.js';
import { escapePointerSegment, jsonPointer } from './json-pointer.js';
import { isJsonObject, MAX_BODY_DEPTH } from './json-text.js';
import {
  InvalidPatternError,
  type LinearPattern,
  linearPattern,
  UnsupportedPatternError,
} from './linear-pattern.js';
import { logger } from './logger.js';
import { shortenedWhole } from './problem.js';
import { inheritedReference, worstApplications } from './schema-cost.js';

/**
 * Whether two JSON values are equal, member by member, for `const`, `enum` and `uniqueItems`. Ajv's own (the
 * package fast-deep-equal) reads `constructor`, `valueOf` and `toString` as methods, which in JSON data are
 * members like any other: `{"toString": "x"}` threw a TypeError, a 500 (API fuzz review, 2026-12-05), and equal
 * objects with a `constructor` member were found unequal.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  const [left, right] = [a as Record<string, unknown>, b as Record<string, unknown>];
  return keys.every((key) => Object.hasOwn(right, key) && jsonEqual(left[key], right[key]));
}

// Ajv reads its equality function from this module's exports each time it compiles one of those keywords; an ES
// module is handed the CommonJS exports object as its default import (by Node, and by esbuild's bundles of an ES
// module package), so setting its `default` before any schema compiles puts jsonEqual in its place.
(ajvEqualExports as unknown as { default: unknown }).default = Object.assign(
  (a: unknown, b: unknown) => jsonEqual(a, b),
  { code: 'require("ajv/dist/runtime/equal").default' },
);

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';
const DRAFT_07 = 'http://json-schema.org/draft-07/schema';

export class InvalidSchemaError extends Error {
  override name = 'InvalidSchemaError';
  constructor(
    message: string,
    readonly fields: readonly FieldProblem[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type AnyAjv = Ajv | Ajv2020;

function configure<T extends AnyAjv>(ajv: T): T {
  addFormats.default(ajv);
  addInternationalFormats(ajv);
  // Ajv's own multipleOf divides in binary floating point, so 0.07 was not a multiple of 0.01, nor 19.99, nor 0.3 of
  // 0.1 (schema review, 2026-12-05): money amounts refused. The numbers are compared as the decimals they are
  // written as, exactly; the error reads as Ajv's.
  ajv.removeKeyword('multipleOf');
  ajv.addKeyword({
    keyword: 'multipleOf',
    type: 'number',
    schemaType: 'number',
    error: {
      message: ({ schemaCode }) => str`must be multiple of ${schemaCode}`,
      params: ({ schemaCode }) => _`{multipleOf: ${schemaCode}}`,
    },
    validate: (divisor: number, data: number) => isDecimalMultiple(data, divisor),
  });
  return ajv;
}

/** `n` as `digits` × 10^`exponent`, from its shortest decimal form (the one JSON text that reads as it). */
function decimalOf(n: number): { digits: bigint; exponent: number } {
  const [, sign = '', whole = '0', fraction = '', exponent = '0'] =
    /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n)) ?? [];
  return { digits: BigInt(`${sign}${whole}${fraction}`), exponent: Number(exponent) - fraction.length };
}

/** Whether `data` divided by `divisor` (positive, as the meta-schema requires) is an integer, in decimal. */
export function isDecimalMultiple(data: number, divisor: number): boolean {
  if (!Number.isFinite(data) || !Number.isFinite(divisor) || divisor <= 0) return false;
  const [a, b] = [decimalOf(data), decimalOf(divisor)];
  const base = Math.min(a.exponent, b.exponent);
  const scaled = (d: { digits: bigint; exponent: number }) => d.digits * 10n ** BigInt(d.exponent - base);
  return scaled(a) % scaled(b) === 0n;
}

/** Ajv's complaint about a `format` it does not know; `path` is the keyword's place, `#/properties/x/format`. */
const UNKNOWN_FORMAT = /^unknown format "(.*)" ignored in schema at path "#(.*)"$/s;

class UnknownFormatError extends Error {}

/** The `$id` a schema without one is compiled under (never stored, never shown). */
const ROOT_ID = 'urn:sharebus:contract-schema';

const LOOP_MESSAGE =
  "the schema's references lead back to themselves without reaching into the data, so validation never ends";

export class SchemaValidator {
  /**
   * `maxCachedValidators`, `maxCachedCompileMs`: how many compiled versions to keep, and how much time compiling them
   * may have taken (MAX_CACHED_VALIDATORS, MAX_CACHED_COMPILE_MS); tests give less.
   */
  constructor(options: { readonly maxCachedValidators?: number; readonly maxCachedCompileMs?: number } = {}) {
    this.#bounds = {
      validators: options.maxCachedValidators ?? MAX_CACHED_VALIDATORS,
      compileMs: options.maxCachedCompileMs ?? MAX_CACHED_COMPILE_MS,
    };
  }

  readonly #bounds: { readonly validators: number; readonly compileMs: number };

  /**
   * While a schema is checked for registration, a `format` Ajv does not know is refused (it would be ignored, so
   * data the author meant to constrain would pass), and so is a pattern RE2 cannot run. Schemas already
   * registered keep compiling: the format ignored, the pattern on JavaScript's engine.
   */
  #registering = false;
  readonly #logger = {
    log: (...args: unknown[]) => logger.info(String(args[0]), { ajv: args.slice(1) }),
    warn: (...args: unknown[]) => {
      const message = String(args[0]);
      if (this.#registering && UNKNOWN_FORMAT.test(message)) throw new UnknownFormatError(message);
      logger.warn(message);
    },
    error: (...args: unknown[]) => logger.error(String(args[0]), { ajv: args.slice(1) }),
  };
  // Patterns run on RE2 (linear time): see linear-pattern.ts. One RE2 cannot run is refused at registration; a
  // schema registered before that rule keeps JavaScript's engine for it.
  readonly #patterns: RegExpEngine = Object.assign(
    (pattern: string, flags: string) => {
      try {
        const compiled = linearPattern(pattern);
        this.#compiledPatterns?.push(compiled);
        return compiled;
      } catch (error) {
        if (this.#registering || !(error instanceof UnsupportedPatternError)) throw error;
        logger.warn("a registered schema has a pattern RE2 cannot run; it runs on JavaScript's engine", {
          pattern,
        });
        return new RegExp(pattern, flags);
      }
    },
    { code: 'sharebusLinearPattern' },
  );
  // strict:false because unknown keywords are legal JSON Schema (annotations); the meta-schema check still runs.
  // addUsedSchema:false keeps one contract's `$id` from clashing with another's in the shared instance.
  // ownProperties:true, or `required: ["valueOf"]` would be met by Object.prototype.
  readonly #options = {
    allErrors: true,
    strict: false,
    addUsedSchema: false,
    ownProperties: true,
    code: { regExp: this.#patterns },
    logger: this.#logger,
  };
  /** Data's validators: each fault they keep is counted against a budget (see fault-budget.ts). */
  readonly #freshOptions = {
    ...this.#options,
    validateSchema: false,
    code: { regExp: this.#patterns, process: withFaultBudget },
  };
  /**
   * A validator that stops at the first fault: what answers past the budget. Budgeted too: `contains` keeps a fault
   * for each item that fails it even so (130,000 items against 100 failing anyOf branches kept 13 million).
   */
  readonly #firstFaultOptions = {
    ...this.#freshOptions,
    allErrors: false,
    code: { regExp: this.#patterns, process: withHeldFaultBudget },
  };
  readonly #draft2020 = configure(new Ajv2020(this.#options));
  readonly #draft07 = configure(new Ajv(this.#options));
  /**
   * Compiled validators by `type@version`, least recently used first (see #trim), each by an engine of its own, so
   * that one let go of takes all it holds with it. Kept by the shared engine, for good, every version a publish named
   * stayed compiled: a schema of 1,000 patterns like `\S{1000}`, 49 KB and checked in a second, holds 81 MB compiled,
   * and one batch naming 60 such versions ran the runtime out of memory (adversarial review, 2026-12-06).
   */
  readonly #cache = new Map<string, CachedValidator>();
  /** What compiling the cached validators took, in ms: the measure at hand of what they hold. */
  #cachedCost = 0;
  /** The patterns the version being compiled uses, kept with it (see LinearPattern.releaseMemory). */
  #compiledPatterns: LinearPattern[] | undefined;
  /** Whether the shared engines have compiled their meta-schemas (see #warmJudges). */
  #warm = false;

  /**
   * The engine for a schema's dialect: the shared one, which judges schemas against their meta-schema, or (given
   * `fresh` options) one of its own, for one schema, let go of with it. Ajv keeps every schema it compiles, and what
   * its generated code refers to, for good.
   */
  #engineFor(schema: Record<string, unknown>, fresh?: FreshOptions): AnyAjv {
    const declared = schema.$schema;
    const uri = typeof declared === 'string' ? declared.replace(/#$/, '') : undefined;
    // A fresh engine skips the meta-schema check: #compile makes it with the shared engine, whose compiled
    // meta-schema is kept. A fresh one compiled the meta-schema again at every check: a median 18.6 ms of a simple
    // schema's, 2.7 ms without (handlers review, 2026-12-06).
    if (declared === undefined || uri === DRAFT_2020_12)
      return fresh ? configure(new Ajv2020(fresh)) : this.#draft2020;
    if (uri === DRAFT_07) return fresh ? configure(new Ajv(fresh)) : this.#draft07;
    throw new InvalidSchemaError(
      `The schema's $schema ${JSON.stringify(declared)} is not supported: use "${DRAFT_2020_12}" or "${DRAFT_07}#".`,
      [{ field: '/schema/$schema', message: 'unsupported JSON Schema dialect' }],
    );
  }

  /**
   * Compiles without caching; throws InvalidSchemaError naming the fault. Used when a contract is registered. It
   * compiles with an engine of its own, let go of afterwards: Ajv keeps every schema it compiles, so a function
   * checking registrations (the same version sent again included) grew by each schema's compiled size, 2 MB for one
   * of 250 KB, until it ran out of memory.
   */
  check(schema: unknown, timeoutMs = CHECK_TIMEOUT_MS): void {
    this.#warmJudges();
    // All of it within a time limit, as validateEach: 200 distinct patterns like \S{1000} took RE2 5.4 s to
    // compile, and a schema applying a 1,000-name `required` 2^17 times made the probes build 131 million errors
    // until the runtime ran out of memory (schema review, 2026-12-05). Every publish of such a schema would pay it
    // again, outside validation's own limit.
    const run = () => {
      refuseStaticDynamicRefs(schema);
      refuseExpansion(schema);
      refuseInheritedNames(schema);
      refuseAsync(schema);
      this.#registering = true;
      let validate: ValidateFunction;
      try {
        validate = this.#compile(schema);
      } finally {
        this.#registering = false;
      }
      this.#probe(validate);
    };
    try {
      this.#runWithin(
        run,
        timeoutMs,
        (cause) =>
          new InvalidSchemaError(
            `Checking the schema took more than ${timeoutMs.toLocaleString('en-US')} ms (compiling it, and trying it on a value of each JSON type), and every publish of it would compile it again: make it simpler (fewer or shorter patterns and repetition counts, fewer references to definitions, shorter required lists).`,
            [{ field: '/schema', message: 'takes too long to check' }],
            { cause },
          ),
      );
    } finally {
      // A run stopped by its time limit runs no `finally` of its own
      this.#registering = false;
    }
  }

  #probe(validate: ValidateFunction): void {
    // References that lead back to themselves without reaching into the data (`$ref` to a definition whose
    // `allOf` refers back) never finish validating anything: a value of each JSON type finds most of them.
    for (const probe of [null, true, 0, '', [], {}]) {
      try {
        resetFaultBudget();
        validate(probe);
      } catch (error) {
        // Past the budget of faults (a `required` list of thousands, applied many times): a probe's faults, not the
        // schema's. The count of subschemas (refuseExpansion) has found loops by then.
        if (isFaultBudgetSpent(error)) continue;
        if (!(error instanceof RangeError)) throw error;
        throw new InvalidSchemaError(LOOP_MESSAGE, [{ field: '/schema', message: 'its references loop' }], {
          cause: error,
        });
      }
    }
  }

  /** The schema compiled by an engine of its own, with `options` (a data validator's, by default). */
  #compile(schema: unknown, options: FreshOptions = this.#freshOptions): ValidateFunction {
    if (!isJsonObject(schema)) {
      throw new InvalidSchemaError('The schema must be a JSON Schema object.', [
        { field: '/schema', message: 'must be an object' },
      ]);
    }
    const record = schema;
    const judge = this.#engineFor(record);
    const ajv = this.#engineFor(record, options);
    if (!judge.validateSchema(record)) {
      // The meta-schema's anyOf branches repeat the same complaint; name each fault once.
      const seen = new Set<string>();
      const fields = (judge.errors ?? [])
        .map((e) => ({ field: `/schema${e.instancePath}`, message: e.message ?? 'is invalid' }))
        .filter((f) => !seen.has(`${f.field} ${f.message}`) && Boolean(seen.add(`${f.field} ${f.message}`)));
      const first = fields[0] ?? { field: '/schema', message: 'is invalid' };
      throw new InvalidSchemaError(
        `The schema is not valid JSON Schema: ${first.field} ${first.message}.`,
        fields,
      );
    }
    try {
      // Without an `$id`, a reference to the root (`"$ref": "#"`, a recursive schema) finds nothing to resolve
      // against once the instance keeps no schemas (addUsedSchema:false): give it one, on a copy.
      return ajv.compile(record.$id === undefined ? { $id: ROOT_ID, ...record } : record);
    } catch (error) {
      const unknown = error instanceof UnknownFormatError ? UNKNOWN_FORMAT.exec(error.message) : null;
      if (unknown !== null) {
        // Ajv names the place as a URI fragment (`#/properties/a%20b`): percent-decoded, it is the JSON Pointer.
        const field = `/schema${fragmentToPointer(unknown[2] ?? '')}/format`;
        throw new InvalidSchemaError(
          `The schema uses the format ${JSON.stringify(unknown[1])} at ${field}, which is not known; known formats: ${Object.keys(ajv.formats).sort().join(', ')}.`,
          [{ field, message: `unknown format ${JSON.stringify(unknown[1])}` }],
          { cause: error },
        );
      }
      if (error instanceof UnsupportedPatternError || error instanceof InvalidPatternError) {
        const field = pointerOfPattern(record, error.pattern, '/schema') ?? '/schema';
        const message =
          error instanceof InvalidPatternError
            ? 'is not a valid regular expression'
            : 'cannot be checked in linear time';
        throw new InvalidSchemaError(`The schema cannot be used: ${error.message}.`, [{ field, message }]);
      }
      if (error instanceof RangeError) {
        // A chain of thousands of definitions, each referring to the next, is deeper than the compiler's stack.
        throw new InvalidSchemaError(
          "The schema's references lead through more definitions, one after another, than can be compiled.",
          [{ field: '/schema', message: 'its references nest too deeply' }],
          { cause: error },
        );
      }
      const missing = UNRESOLVED_REF.exec((error as Error).message);
      if (missing !== null) {
        // Ajv names the reference from the id it resolved it against: ours (never shown) when the schema has none.
        const ref = missing[1] as string;
        const field = pointerOfRef(record, ref, '/schema') ?? '/schema';
        // Ajv's MissingRefError names the document it looked in: this schema's own (its `$id`, or ours), or another.
        const document = (error as { missingSchema?: unknown }).missingSchema;
        const own = typeof record.$id === 'string' ? record.$id.replace(/#$/, '') : ROOT_ID;
        const why =
          ref.startsWith('#') || document === own
            ? 'nothing in the schema is there'
            : 'other documents are not fetched: a contract schema holds what it refers to, under $defs';
        throw new InvalidSchemaError(
          `The schema cannot be compiled: its reference ${JSON.stringify(ref)} at ${field} does not resolve: ${why}.`,
          [{ field, message: `does not resolve: ${why}` }],
          { cause: error },
        );
      }
      // Anything else the compiler refuses ("enum must have non-empty array", an `$anchor` defined twice). Ajv names
      // neither the place nor the schema but by our id, which is never shown: the keyword it starts with is named
      // where the schema holds it only once, and our id is taken out.
      const message = (error as Error).message.replaceAll(ROOT_ID, '');
      const keyword = /^(\$?[A-Za-z]+) /.exec(message)?.[1];
      const places: string[] = [];
      if (keyword !== undefined) {
        schemaPointer(record, '/schema', (node, here) => {
          if (Object.hasOwn(node, keyword)) places.push(`${here}/${escapePointerSegment(keyword)}`);
          return undefined;
        });
      }
      throw new InvalidSchemaError(
        `The schema cannot be compiled: ${message}`,
        [{ field: places.length === 1 ? places[0]! : '/schema', message }],
        { cause: error },
      );
    }
  }

  /**
   * The shared engines' meta-schemas compiled, outside any time limit. A check stopped at its limit while Ajv
   * compiled one (V8 runs no `finally` then) left it in Ajv's list of schemas being compiled, and the engine then
   * threw "ajv implementation error" at every schema of that dialect: a 500 at each registration until a restart
   * (adversarial review, 2026-12-06).
   */
  #warmJudges(): void {
    if (this.#warm) return;
    this.#draft2020.validateSchema({});
    this.#draft07.validateSchema({});
    this.#warm = true;
  }

  /**
   * The cached validator of an immutable contract version, compiled if it is not cached (by an engine of its own,
   * checked against its dialect's meta-schema by the shared one). Call #trim when done with it.
   */
  validatorFor(type: string, version: string, schema: unknown): ValidateFunction {
    const key = `${type}@${version}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      // The most recently used last.
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      return cached.validate;
    }
    this.#warmJudges();
    const compiled = this.#compileKept(schema);
    this.#cache.set(key, compiled);
    this.#cachedCost += compiled.cost;
    return compiled.validate;
  }

  /** `schema` compiled with `options` (see #compile), with the patterns it runs and what compiling it took (ms). */
  #compileKept(schema: unknown, options?: FreshOptions): CachedValidator {
    const patterns: LinearPattern[] = [];
    this.#compiledPatterns = patterns;
    const started = performance.now();
    try {
      const validate = this.#compile(schema, options);
      // Never nothing, so that a bound of 0 ms lets go of every validator.
      return { validate, patterns, cost: Math.max(performance.now() - started, 0.001) };
    } finally {
      this.#compiledPatterns = undefined;
    }
  }

  /** The version's validator that stops at its first fault (see fault-budget.ts), kept with it once compiled. */
  #firstFaultFor(type: string, version: string, schema: unknown): ValidateFunction {
    const cached = this.#cache.get(`${type}@${version}`);
    if (cached?.firstFault !== undefined) return cached.firstFault;
    // Its patterns are let go of with the version's own (see #trim), and its compiling counted with theirs.
    const { validate, patterns, cost } = this.#compileKept(schema, this.#firstFaultOptions);
    if (cached !== undefined) {
      cached.firstFault = validate;
      cached.patterns.push(...patterns);
      // The total first: a run stopped between the two leaves it too high, not an eviction subtracting more than
      // was added (review52b).
      this.#cachedCost += cost;
      cached.cost += cost;
    }
    return validate;
  }

  /** How many schemas are compiled and cached (tests prove validation does not re-compile). */
  get cachedCount(): number {
    return this.#cache.size;
  }

  /** What the cached versions' patterns hold of what matching built (bytes; see LinearPattern.releaseMemory). */
  get heldPatternBytes(): number {
    let bytes = 0;
    for (const { patterns } of this.#cache.values())
      for (const pattern of patterns) bytes += pattern.heldBytes();
    return bytes;
  }

  /**
   * Lets go of the least recently used validators past MAX_CACHED_VALIDATORS or MAX_CACHED_COMPILE_MS, and of what the
   * patterns of `used` built while matching. The most recently used is kept whatever it took, so that a contract
   * version that takes a second to compile is not compiled again at every publish of it.
   */
  #trim(used: Iterable<string>): void {
    for (const key of used)
      for (const pattern of this.#cache.get(key)?.patterns ?? []) pattern.releaseMemory();
    for (const [key, entry] of this.#cache) {
      if (this.#cache.size <= 1) break;
      if (this.#cache.size <= this.#bounds.validators && this.#cachedCost <= this.#bounds.compileMs) break;
      this.#cache.delete(key);
      this.#cachedCost -= entry.cost;
    }
  }

  /** Validates data; returns the problems, each naming the field (JSON Pointer under `prefix`) and why. */
  validate(type: string, version: string, schema: unknown, data: unknown, prefix = '/data'): FieldProblem[] {
    try {
      const validate = this.validatorFor(type, version, schema);
      return problemsOf(validate, data, prefix, () => this.#firstFaultFor(type, version, schema));
    } finally {
      this.#trim([`${type}@${version}`]);
    }
  }

  /**
   * Validates each value against its contract version, all within `timeoutMs`: past it, validation is stopped (V8
   * interrupts it, as `vm` does a script) and ValidationTimeoutError names the check it was on. A schema's work can
   * grow with the data in ways registration cannot foresee (a `required` list of thousands against as many items,
   * with every fault listed), and one validation would otherwise hold the function, or the whole local runtime, for
   * minutes. The versions not cached are compiled first, within COMPILE_TIMEOUT_MS of their own: with no limit, a
   * batch naming 20 versions of a schema that passes its check in a second (1,000 patterns like `\S{1000}`) held the
   * runtime for 19 s (adversarial review, 2026-12-06). Those compiled before that limit stay cached within the cache's
   * bounds (see #trim), which hold about 1 s of compiling: a batch needing more is to be sent as smaller ones.
   */
  validateEach(
    checks: readonly ValueCheck[],
    timeoutMs = VALIDATION_TIMEOUT_MS,
    compileTimeoutMs = COMPILE_TIMEOUT_MS,
  ): FieldProblem[][] {
    const keys = checks.map((check) => `${check.type}@${check.version}`);
    const validators: ValidateFunction[] = [];
    const results: FieldProblem[][] = [];
    const compile = () => {
      for (const check of checks) validators.push(this.validatorFor(check.type, check.version, check.schema));
    };
    const run = () => {
      for (const [index, check] of checks.entries()) {
        const firstFault = () => this.#firstFaultFor(check.type, check.version, check.schema);
        results.push(
          problemsOf(validators[index] as ValidateFunction, check.data, check.prefix ?? '/data', firstFault),
        );
      }
    };
    try {
      // Outside the sandbox when every version is cached: a run with a time limit starts a watchdog thread.
      if (keys.every((key) => this.#cache.has(key))) compile();
      else {
        this.#warmJudges();
        this.#runWithin(
          compile,
          compileTimeoutMs,
          (cause) =>
            new ValidationTimeoutError([], compileTimeoutMs, {
              cause,
              index: validators.length,
              compiling: true,
            }),
        );
      }
      this.#runWithin(run, timeoutMs, (cause) => new ValidationTimeoutError(results, timeoutMs, { cause }));
    } finally {
      // A run stopped at its limit runs no `finally` of its own.
      this.#compiledPatterns = undefined;
      this.#trim(new Set(keys));
    }
    return results;
  }

  /**
   * Runs `run` in the sandbox, stopped past `timeoutMs` (V8 interrupts it, as `vm` does a script), when `stopped`
   * says what is thrown instead.
   */
  #runWithin(run: () => void, timeoutMs: number, stopped: (cause: unknown) => Error): void {
    this.#sandbox.run = run;
    try {
      RUN.runInContext(this.#sandbox, { timeout: timeoutMs });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
      throw stopped(error);
    } finally {
      this.#sandbox.run = undefined;
    }
  }

  /** Where check and validateEach run, so that they can be stopped: an empty context, reused. */
  readonly #sandbox = createContext({ run: undefined as (() => void) | undefined });
}

/** The options of an engine compiling one schema (SchemaValidator's #freshOptions, #firstFaultOptions). */
type FreshOptions = ConstructorParameters<typeof Ajv>[0];

/** What validateEach checks: a value against a contract version's schema; `prefix` names the value's place. */
export interface ValueCheck {
  readonly type: string;
  readonly version: string;
  readonly schema: unknown;
  readonly data: unknown;
  readonly prefix?: string;
}

/** How long validateEach may take for all its checks: well inside the publish function's 10 s. */
export const VALIDATION_TIMEOUT_MS = 2_000;

/**
 * How long validateEach may spend compiling the versions it names that are not cached: half as much again as a
 * registration's check may take (CHECK_TIMEOUT_MS), since a function's first compile runs on code not yet optimised.
 * With VALIDATION_TIMEOUT_MS, 5 s of the publish function's 10. What it compiles stays held while the request runs:
 * 3 s of the costliest schemas found (patterns like `\S{1000}`, some 90 MB a second of compiling) hold 270 MB; a batch
 * of 20 such versions peaked at 516 to 569 MB resident here, hence the publish function's 1,024 MB
 * (FUNCTION_MEMORY_MB).
 */
export const COMPILE_TIMEOUT_MS = 3_000;

/**
 * The most validators kept compiled, and the most time compiling them may have taken (ms, each version's own): what
 * a version holds compiled grows with what it takes to compile, some 90 MB a second for a schema of patterns like
 * `\S{1000}` (81 MB for one of 1,000 such, 0.9 s), a few ms and 30 KB for an ordinary one.
 */
export const MAX_CACHED_VALIDATORS = 500;
export const MAX_CACHED_COMPILE_MS = 1_000;

/** A compiled contract version, with the patterns it runs and what compiling it took (ms). */
interface CachedValidator {
  readonly validate: ValidateFunction;
  readonly patterns: LinearPattern[];
  cost: number;
  /** The version's validator that stops at the first fault, once one validation spent its budget of faults. */
  firstFault?: ValidateFunction;
}

/**
 * How long checking a schema for registration may take (its cost counted, compiled, probed): a publish compiles it
 * again, once per function instance while it stays cached, within COMPILE_TIMEOUT_MS.
 */
export const CHECK_TIMEOUT_MS = 2_000;

const RUN = new Script('run()');

/**
 * Validation stopped at its time limit, on the check at `index`; `done` holds the problems of those before it.
 * `compiling`: stopped while compiling the check's contract version (nothing was checked then).
 */
export class ValidationTimeoutError extends Error {
  override name = 'ValidationTimeoutError';
  readonly index: number;
  readonly compiling: boolean;
  constructor(
    readonly done: readonly FieldProblem[][],
    readonly timeoutMs: number,
    options: { cause?: unknown; index?: number; compiling?: boolean } = {},
  ) {
    const index = options.index ?? done.length;
    super(
      `validation stopped after ${timeoutMs} ms, ${options.compiling ? 'compiling' : 'on'} check ${index}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.index = index;
    this.compiling = options.compiling ?? false;
  }
}

/** The problems `validate` finds in `data`, each naming its field under `prefix`. */
function problemsOf(
  validate: ValidateFunction,
  data: unknown,
  prefix: string,
  firstFault: () => ValidateFunction,
): FieldProblem[] {
  try {
    resetFaultBudget();
    const valid: unknown = validate(data);
    if (valid instanceof Promise) {
      // A schema registered before `$async` was refused: its answer is no answer.
      valid.catch(() => undefined);
      return [
        { field: prefix, message: 'cannot be checked: its schema asks for asynchronous validation ($async)' },
      ];
    }
    if (valid) return [];
  } catch (error) {
    if (isFaultBudgetSpent(error)) return firstProblemOf(firstFault(), data, prefix);
    // A loop the probes at registration did not find (one behind a condition on the data).
    if (!(error instanceof RangeError)) throw error;
    return [{ field: prefix, message: `cannot be checked: ${LOOP_MESSAGE}` }];
  }
  // Listed whole, 100,000 faulty array items made an answer past Lambda's 6 MB, which API Gateway turns into a
  // bare 500: at most MAX_PROBLEMS are named, and at most MAX_PROBLEM_CHARS of them (a field's name can be long),
  // and the rest counted as the validator counts them (a fault under anyOf counts once per branch).
  const errors = validate.errors ?? [];
  // Each shortened first, to what the answer may show of it: whole, one message past the budget (an `enum` of 15,000
  // values, a 200 KB `const`) was left out, and the answer named only "and 1 more not listed" (review, 2026-12-05).
  function* described() {
    for (const error of errors) {
      const { field, message } = describe(error, prefix);
      yield { field: shortenedWhole(field), message: shortenedWhole(message) };
    }
  }
  const problems = fitting(described(), MAX_PROBLEMS, MAX_PROBLEM_CHARS);
  const rest = errors.length - problems.length;
  if (rest > 0)
    problems.push({
      field: prefix,
      message: `and ${rest} more not listed (as the validator counts)`,
      unlisted: rest,
    });
  return problems;
}

/**
 * The problems of data whose validation spent its budget of faults (see fault-budget.ts): valid data (faults an
 * `anyOf` branch made and dropped count too) has none; else its first fault, and word of more.
 */
function firstProblemOf(validate: ValidateFunction, data: unknown, prefix: string): FieldProblem[] {
  let error: ErrorObject | undefined;
  try {
    resetFaultBudget();
    if (validate(data)) return [];
    [error] = validate.errors ?? [];
  } catch (thrown) {
    // Past the budget again (`contains` keeps a fault per failing item): no first fault to name.
    if (!isFaultBudgetSpent(thrown)) throw thrown;
    return [
      {
        field: prefix,
        message: `cannot be checked: it makes more faults than checking keeps (${MAX_KEPT_FAULTS.toLocaleString('en-US')}, or ${(MAX_KEPT_FAULT_PATH_CHARS / 1_000_000).toLocaleString('en-US')} million characters of their paths), even stopping at the first (a \`contains\` failing on thousands of items)`,
      },
    ];
  }
  const first = error === undefined ? [] : [describe(error, prefix)];
  return [
    ...first.map(({ field, message }) => ({
      field: shortenedWhole(field),
      message: shortenedWhole(message),
    })),
    {
      field: prefix,
      message: `and more: checking was stopped past ${MAX_KEPT_FAULTS.toLocaleString('en-US')} faults (or their paths' ${(MAX_KEPT_FAULT_PATH_CHARS / 1_000_000).toLocaleString('en-US')} million characters), so the first alone is named`,
      unlisted: MAX_KEPT_FAULTS,
    },
  ];
}

/** The most problems one event's validation names, and the most characters their fields and messages take. */
export const MAX_PROBLEMS = 100;
export const MAX_PROBLEM_CHARS = 64 * 1024;

/**
 * The most subschemas a schema may apply to one value of the data, its references followed (see schema-cost.ts).
 * References can multiply: 24 levels of definitions each referring twice to the next take 1.6 KB and apply 2^24
 * subschemas, and data failing them made Ajv try every one: a publish froze the runtime for 161 s and ran it out of
 * memory. A million takes a second or two at worst.
 */
export const MAX_EXPANDED_SUBSCHEMAS = 1_000_000;

/**
 * The most subschemas a schema may apply to each of the values the data may hold many times over (an array's items,
 * the values of properties it does not name): 256 KB of data holds up to some 100,000 of them, so this much each
 * already takes seconds (30,000 items at half a million each took 49 s).
 */
export const MAX_REPEATED_SUBSCHEMAS = 10_000;

/** Refuses a schema that would apply more than these limits to a value of data a request may carry. */
function refuseExpansion(schema: unknown): void {
  const limits = { once: MAX_EXPANDED_SUBSCHEMAS, repeated: MAX_REPEATED_SUBSCHEMAS };
  const cost = worstApplications(schema, limits, MAX_BODY_DEPTH);
  // Loops behind a condition (`then`, `dependentSchemas`) too, which the probes meet only on data meeting it: such
  // a schema was registered, and every such event then answered 422 "cannot be checked" for the schema's fault.
  if (cost.loop) {
    throw new InvalidSchemaError(LOOP_MESSAGE, [{ field: '/schema', message: 'its references loop' }]);
  }
  const limit = cost.repeated ? limits.repeated : limits.once;
  if (cost.applications <= limit) return;
  if (cost.applications === Number.POSITIVE_INFINITY) {
    throw new InvalidSchemaError(
      "The schema's references are too intricate to tell what checking data against it would cost: use fewer definitions referring to each other.",
      [{ field: '/schema', message: 'its references are too intricate to check' }],
    );
  }
  const path = `${jsonPointer(cost.at.slice(0, 12))}${cost.at.length > 12 ? '/...' : ''}`;
  const any = cost.at.includes('*') ? ' (* for any name or index)' : '';
  const where = cost.repeated
    ? `each of the values at ${path}${any}, which data may hold by the thousand`
    : cost.at.length === 0
      ? 'the data'
      : `the value at ${path}${any}`;
  throw new InvalidSchemaError(
    `The schema's references apply more than ${limit.toLocaleString('en-US')} subschemas to ${where}, so checking data against it could take minutes: refer to each definition fewer times, or use fewer levels of definitions referring to definitions.`,
    [
      {
        field: '/schema',
        message: cost.repeated
          ? `references expand past ${limit} subschemas per repeated value`
          : `references expand past ${limit} subschemas`,
      },
    ],
  );
}

/** Whether every object has `name` without holding it (`constructor`, `toString`, `__proto__`). */
const inherited = (name: string): boolean => name in Object.prototype;

/**
 * Refuses `$async`, anywhere a subschema may be: Ajv then answers a promise, which counted as valid whatever the data,
 * and whose rejection at a registration's probe, handled by nothing, ended the process (diff review, 2026-12-06).
 */
function refuseAsync(schema: unknown): void {
  // Ajv reads it as a truth value: `false`, `0` or `null` leave validation synchronous.
  const at = schemaPointer(schema, '/schema', (node, here) => (node.$async ? `${here}/$async` : undefined));
  if (at === undefined) return;
  throw new InvalidSchemaError(
    `The schema asks for asynchronous validation at ${at}, which contracts do not support: leave $async out.`,
    [{ field: at, message: 'asynchronous validation is not supported' }],
  );
}

/**
 * Refuses a `$dynamicRef` that names no `$dynamicAnchor` of the schema. JSON Schema 2020-12 (core, 8.2.3.2) makes such
 * a reference "identical to $ref": to a plain `$anchor`, a JSON Pointer, or nothing at all (unresolvable). Ajv
 * applies the schema it is compiling instead (the root, for one under a property), so data was checked against a
 * schema its author never referred to: `{"$dynamicRef": "#x"}` with `#x` a string answered `{"a": "text"}` 422 "must be
 * object" (fuzz review, 2026-12-07). Only the dynamic form Ajv implements is taken; `$ref` says the rest.
 */
function refuseStaticDynamicRefs(schema: unknown): void {
  if (!isJsonObject(schema) || schema.$schema === DRAFT_07 || schema.$schema === `${DRAFT_07}#`) return;
  // Each schema resource (the root, and each subschema with an `$id`) with the dynamic anchors it holds: "#x" is
  // first resolved in the reference's own resource, and is dynamic only if x is a `$dynamicAnchor` there (a plain
  // `$anchor` x there, with a `$dynamicAnchor` x in another resource, was still resolved to the other).
  const resources: { at: string; anchors: Set<string> }[] = [];
  const resourceOf = (here: string) =>
    resources
      .filter((r) => here === r.at || here.startsWith(`${r.at}/`))
      .reduce((inner, r) => (r.at.length > inner.at.length ? r : inner));
  schemaPointer(schema, '/schema', (node, here) => {
    if (here === '/schema' || typeof node.$id === 'string') resources.push({ at: here, anchors: new Set() });
    if (typeof node.$dynamicAnchor === 'string') resourceOf(here).anchors.add(node.$dynamicAnchor);
    return undefined;
  });
  const everywhere = new Set(resources.flatMap((r) => [...r.anchors]));
  const at = schemaPointer(schema, '/schema', (node, here) => {
    const ref = node.$dynamicRef;
    if (typeof ref !== 'string') return undefined;
    const parts = /^([^#]*)#([^/]*)$/.exec(ref);
    const name = parts?.[2];
    if (name === undefined || name === '') return `${here}/$dynamicRef`;
    // A reference with a URI before "#" names another resource (Ajv refuses those itself); "#x" names its own.
    const anchors = parts?.[1] === '' ? resourceOf(here).anchors : everywhere;
    return anchors.has(name) ? undefined : `${here}/$dynamicRef`;
  });
  if (at === undefined) return;
  const message =
    'names no $dynamicAnchor of the schema, so it is a static reference, which the validator resolves elsewhere: write it as $ref';
  throw new InvalidSchemaError(`The schema cannot be used: ${at} ${message}.`, [{ field: at, message }]);
}

/**
 * Refuses the names Ajv reads from plain objects of its own, so that a name every object has is found where the
 * schema holds none, or skipped where it holds one: a property `__proto__` under `properties` (or draft-07's
 * `dependencies`) is never checked, and `additionalProperties: false` refuses it; a `$dynamicRef` or
 * `$dynamicAnchor` named `constructor` made every publish whose data reached it throw, a 500; a `$ref` through
 * `#/$defs/constructor` applied nothing (keys review, 2026-12-06).
 */
function refuseInheritedNames(schema: unknown): void {
  let problem: FieldProblem | undefined;
  const at = schemaPointer(schema, '/schema', (node, here) => {
    for (const keyword of ['properties', 'dependencies']) {
      const named = node[keyword];
      if (typeof named === 'object' && named !== null && Object.hasOwn(named, '__proto__')) {
        problem = {
          field: `${here}/${keyword}/__proto__`,
          message:
            keyword === 'properties'
              ? 'cannot be checked under this name: give it under patternProperties as "^__proto__$"'
              : 'cannot be checked under this name: use "if": {"required": ["__proto__"]} and "then"',
        };
        return problem.field;
      }
    }
    for (const keyword of ['$dynamicAnchor', '$dynamicRef']) {
      const name = node[keyword];
      if (typeof name !== 'string') continue;
      const anchor = keyword === '$dynamicRef' ? (/^#([^/]*)$/.exec(name)?.[1] ?? '') : name;
      if (inherited(anchor)) {
        problem = {
          field: `${here}/${keyword}`,
          message: `cannot be named ${JSON.stringify(anchor)}, a name every object has: rename the dynamic anchor`,
        };
        return problem.field;
      }
    }
    return undefined;
  });
  if (at !== undefined && problem !== undefined) {
    throw new InvalidSchemaError(`The schema cannot be used: ${problem.field} ${problem.message}.`, [
      problem,
    ]);
  }
  const reference = inheritedReference(schema);
  if (reference !== undefined) {
    const field =
      schemaPointer(schema, '/schema', (node, here) =>
        node[reference.keyword] === reference.ref ? `${here}/${reference.keyword}` : undefined,
      ) ?? '/schema';
    const message = 'does not resolve: nothing in the schema is there';
    throw new InvalidSchemaError(
      `The schema cannot be compiled: its reference ${JSON.stringify(reference.ref)} at ${field} ${message}.`,
      [{ field, message }],
    );
  }
}

/** A JSON Pointer from its URI-fragment form (percent-encoded), or as given when it is not well encoded. */
function fragmentToPointer(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

function describe(error: ErrorObject, prefix: string): FieldProblem {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    return {
      field: `${prefix}${error.instancePath}/${escapePointerSegment(String(params.missingProperty))}`,
      message: 'is required',
    };
  }
  if (error.keyword === 'additionalProperties') {
    return {
      field: `${prefix}${error.instancePath}/${escapePointerSegment(String(params.additionalProperty))}`,
      message: 'is not allowed by the contract',
    };
  }
  // Ajv's own words ("must be equal to constant", "... one of the allowed values") leave the publisher to fetch the
  // schema to learn what to send (walkthrough review, 2026-12-05).
  if (error.keyword === 'const') {
    return {
      field: `${prefix}${error.instancePath}`,
      message: `must be ${JSON.stringify(params.allowedValue)}`,
    };
  }
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    const allowed = params.allowedValues.map((value) => JSON.stringify(value)).join(', ');
    return { field: `${prefix}${error.instancePath}`, message: `must be one of ${allowed}` };
  }
  return { field: `${prefix}${error.instancePath}`, message: error.message ?? 'is invalid' };
}

/** Ajv's MissingRefError: the reference as written, and the id it was resolved against. */
const UNRESOLVED_REF = /^can't resolve reference (.*) from id .*$/s;

/**
 * Keywords whose value is a schema, or a list of schemas (`allOf`, `prefixItems`, draft-07's `items` as a list), in
 * draft 2020-12 or draft-07. Any other keyword's value is not looked in: data (`const`, `enum`, `examples`,
 * `default`), annotations of other vocabularies (OpenAPI's `example`, `x-...`), which Ajv ignores.
 */
const SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  'additionalProperties',
  'unevaluatedProperties',
  'propertyNames',
  'items',
  'prefixItems',
  'additionalItems',
  'unevaluatedItems',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'allOf',
  'anyOf',
  'oneOf',
]);
/** Keywords whose values map names (which may be any word) to schemas. */
const NAMED_SCHEMAS: ReadonlySet<string> = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
  'dependencies',
]);

/**
 * The first place in the schema `node` (under `at`) where `found` finds what it looks for, as a JSON Pointer. Only
 * schemas are looked in, through the keywords that hold them (SCHEMA_KEYWORDS, NAMED_SCHEMAS): the same text in a
 * `default`, an `example` or an `x-` annotation is not where Ajv met it (diff review, 2026-12-05).
 */
function schemaPointer(
  node: unknown,
  at: string,
  found: (schema: Readonly<Record<string, unknown>>, at: string) => string | undefined,
): string | undefined {
  if (!isJsonObject(node)) return undefined;
  const schema = node;
  const here = found(schema, at);
  if (here !== undefined) return here;
  for (const [key, value] of Object.entries(schema)) {
    const path = `${at}/${escapePointerSegment(key)}`;
    let inner: string | undefined;
    if (NAMED_SCHEMAS.has(key) && isJsonObject(value)) {
      for (const [name, named] of Object.entries(value)) {
        inner ??= schemaPointer(named, `${path}/${escapePointerSegment(name)}`, found);
      }
    } else if (SCHEMA_KEYWORDS.has(key)) {
      inner = Array.isArray(value)
        ? value.reduce<string | undefined>(
            (first, item, i) => first ?? schemaPointer(item, `${path}/${i}`, found),
            undefined,
          )
        : schemaPointer(value, path, found);
    }
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** Where in the schema `node` a `$ref` of exactly `ref` is (its `/$ref`), as a JSON Pointer under `at`. */
function pointerOfRef(node: unknown, ref: string, at: string): string | undefined {
  return schemaPointer(node, at, (schema, here) => (schema.$ref === ref ? `${here}/$ref` : undefined));
}

/** Where `pattern` sits in the schema: a `pattern` keyword's value or a `patternProperties` key. */
function pointerOfPattern(node: unknown, pattern: string, at: string): string | undefined {
  return schemaPointer(node, at, (schema, here) => {
    if (schema.pattern === pattern) return `${here}/pattern`;
    const properties = schema.patternProperties;
    if (typeof properties === 'object' && properties !== null && Object.hasOwn(properties, pattern)) {
      return `${here}/patternProperties/${escapePointerSegment(pattern)}`;
    }
    return undefined;
  });
}
