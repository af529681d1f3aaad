// A budget on the faults one validation keeps. Ajv, asked for every fault (allErrors), keeps each one it finds, and
// nothing in its options bounds them: 100 subschemas failing on each of 130,000 array items (a 256 KB event) made 13
// million faults, 1.75 GB within the 2 s validation limit, and a 100,000-character key holding a `~` under
// `additionalProperties` made each fault's path a copy of it, 2.9 GB (adversarial review, 2026-12-06): enough to end
// the local runtime's one process, or a function. So the code Ajv generates is given a check after each fault it keeps:
// past MAX_KEPT_FAULTS faults, or MAX_KEPT_FAULT_PATH_CHARS characters of their paths, it throws, and the validator
// answers with the first fault alone (see SchemaValidator).

/** The most faults one validation makes before it is stopped, and the most characters their paths may take. */
export const MAX_KEPT_FAULTS = 10_000;
export const MAX_KEPT_FAULT_PATH_CHARS = 32_000_000;
/**
 * The bound on held faults times the latest one's path (see withHeldFaultBudget): a tenth of the above, since
 * checked at each fault with the count then held it bounds their sum by about ln(10,000) times as much.
 */
export const MAX_HELD_FAULT_PATH_CHARS = MAX_KEPT_FAULT_PATH_CHARS / 10;

/** What the generated code counts in, on the global object (validation runs one at a time, synchronously). */
const COUNT = '__sharebusFaults';
const CHARS = '__sharebusFaultPathChars';
/** What it throws: an object of its own making, told apart by this member. */
const SPENT = '__sharebusFaultBudgetSpent';

interface Counters {
  [COUNT]: number;
  [CHARS]: number;
}

/** Starts a validation's budget afresh. */
export function resetFaultBudget(): void {
  const counters = globalThis as unknown as Counters;
  counters[COUNT] = 0;
  counters[CHARS] = 0;
}

/** Whether `error` is the generated code's stop, past the budget. */
export function isFaultBudgetSpent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<string, unknown>)[SPENT] === true;
}

/** How Ajv's generated code keeps a fault (ajv/dist/compile/errors.js, addError); its exact version is pinned. */
const KEEP_FAULT =
  /if\(vErrors === null\)\{vErrors = \[(err\d+)\];\}else \{vErrors\.push\(\1\);\}errors\+\+;/y;
const KEEP_FAULT_START = 'if(vErrors === null){vErrors = [';
const COUNT_FAULT = 'errors++;';

/**
 * Ajv's generated code (its `code.process` option) with the check after each fault it keeps: past MAX_KEPT_FAULTS
 * faults made, or MAX_KEPT_FAULT_PATH_CHARS characters of their paths, since the last resetFaultBudget. Its string
 * literals, which hold the schema's own texts (a `const`, a property's name), are left as they are. Throws if the
 * code keeps a fault some other way, so that a change in Ajv's code fails every validation, and its tests, rather
 * than going unbounded.
 */
export function withFaultBudget(code: string): string {
  return budgeted(code, false);
}

/**
 * The same for a validator that stops at its first fault (allErrors false), which answers past the budget: the
 * faults counted are those it holds at once (its `errors`), not those an `anyOf` branch made and dropped, which
 * valid data can make by the thousand; `contains` still holds a failing item's faults until an item passes (100
 * failing branches on each of 130,000 items held 13 million, 1.2 GB in 2 s). Their paths' characters are bounded by
 * what is held too, estimated as the faults held times the path of the one just kept, past MAX_HELD_FAULT_PATH_CHARS:
 * counted as made, a `~` key of 100,000 characters over 5,000 array items, each passing an `anyOf` at its second
 * branch, made valid data "cannot be checked"; and a fault a called validator returns alone (`validateN.errors =
 * [...]`, not kept by addError) was not counted, so `contains` through a `$ref` held 9,000 such paths, 1 GB.
 */
export function withHeldFaultBudget(code: string): string {
  return budgeted(code, true);
}

/** What a function holds once faults of a validator it called are added to its own (ajv/dist/vocabularies/code.js). */
const TAKE_FAULTS = 'errors = vErrors.length;';

function budgeted(code: string, held: boolean): string {
  const spent = `{throw {${SPENT}:true};}`;
  const count = held ? `errors>${MAX_KEPT_FAULTS}` : `++globalThis.${COUNT}>${MAX_KEPT_FAULTS}`;
  // Held: the faults held times the length of the path of the one just added (a prefix of most others' paths).
  const heldChars = (fault: string) =>
    `errors*((${fault}||{}).instancePath||"").length>${MAX_HELD_FAULT_PATH_CHARS}`;
  let out = '';
  let copied = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c === 0x22) {
      // A string literal (Ajv writes them as JSON): skipped, escapes and all.
      for (i++; i < code.length && code.charCodeAt(i) !== 0x22; i++) if (code.charCodeAt(i) === 0x5c) i++;
      continue;
    }
    if (c === 0x69 /* i */ && code.startsWith(KEEP_FAULT_START, i)) {
      KEEP_FAULT.lastIndex = i;
      const kept = KEEP_FAULT.exec(code);
      if (kept === null)
        throw new Error(`Ajv's generated code keeps a fault in a way not known here, at ${i}`);
      const end = i + kept[0].length;
      const fault = kept[1] as string;
      const chars = held
        ? heldChars(fault)
        : `(globalThis.${CHARS}+=(${fault}.instancePath||"").length)>${MAX_KEPT_FAULT_PATH_CHARS}`;
      out += `${code.slice(copied, end)}if(${count}||${chars})${spent}`;
      copied = end;
      i = end - 1;
    } else if (held && c === 0x65 /* e */ && code.startsWith(TAKE_FAULTS, i)) {
      const end = i + TAKE_FAULTS.length;
      out += `${code.slice(copied, end)}if(${count}||${heldChars('vErrors[errors-1]')})${spent}`;
      copied = end;
      i = end - 1;
    } else if (c === 0x65 /* e */ && code.startsWith(COUNT_FAULT, i)) {
      throw new Error(`Ajv's generated code counts a fault in a way not known here, at ${i}`);
    }
  }
  return out + code.slice(copied);
}
