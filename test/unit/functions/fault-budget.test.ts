// The check fault-budget.ts puts into the code Ajv generates: after each fault kept, never inside the schema's own
// texts, and a refusal of code that keeps a fault some way it does not know (a change in Ajv).
import {
  isFaultBudgetSpent,
  MAX_KEPT_FAULTS,
  resetFaultBudget,
  withFaultBudget,
} from '../../../functions/shared/fault-budget.js';

const KEEP = 'if(vErrors === null){vErrors = [err3];}else {vErrors.push(err3);}errors++;';

describe('withFaultBudget', () => {
  it('adds the check after each fault kept, and nowhere else', () => {
    // Prepare
    const code = `let errors = 0;const err3 = {instancePath:"/a"};${KEEP}return errors === 0;`;
    // Act
    const budgeted = withFaultBudget(code);
    // Assess
    expect(
      budgeted.startsWith(`let errors = 0;const err3 = {instancePath:"/a"};${KEEP}if(++globalThis.`),
    ).toBe(true);
    expect(budgeted.endsWith('}return errors === 0;')).toBe(true);
    expect(budgeted.split('throw').length).toBe(2);
  });

  it('leaves string literals alone, escaped quotes and all', () => {
    // Prepare
    const code = `const c = "x\\"${KEEP}\\\\";const d = "${KEEP}errors++;";`;
    // Act / Assess
    expect(withFaultBudget(code)).toBe(code);
  });

  it('refuses code that counts a fault some other way', () => {
    // Act / Assess
    expect(() => withFaultBudget('vErrors.push(err0);errors++;')).toThrow(
      /counts a fault in a way not known/,
    );
    expect(() => withFaultBudget('if(vErrors === null){vErrors = [e];}errors++;')).toThrow(
      /keeps a fault in a way not known/,
    );
  });

  it('stops the code past MAX_KEPT_FAULTS faults, counted from the last reset', () => {
    // Prepare: a function keeping one fault per call, as Ajv's code does
    const code = `let vErrors = null;let errors = 0;const err3 = {instancePath:"/a"};${KEEP}return errors;`;
    const keepOne = new Function(withFaultBudget(code)) as () => number;
    const run = (times: number): unknown => {
      try {
        for (let i = 0; i < times; i++) keepOne();
        return 'ran';
      } catch (error) {
        return error;
      }
    };
    // Act
    resetFaultBudget();
    const within = run(MAX_KEPT_FAULTS);
    const past = run(1);
    resetFaultBudget();
    const again = run(1);
    // Assess
    expect(within).toBe('ran');
    expect(isFaultBudgetSpent(past)).toBe(true);
    expect(again).toBe('ran');
    expect(isFaultBudgetSpent(new Error('other'))).toBe(false);
  });
});
