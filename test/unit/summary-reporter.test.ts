// The closing line CI reads: a test file that fails before any of its tests runs must count as a failure.
// @ts-expect-error: plain ESM that jest loads itself, without types
import SummaryReporter from '../summary-reporter.mjs';

interface FileResult {
  numFailingTests: number;
  testExecError?: { message: string };
}

interface Counts {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: FileResult[];
}

const broken: FileResult = { numFailingTests: 0, testExecError: { message: 'Cannot find module' } };

function lineFor(counts: Partial<Counts>): string {
  const printed: string[] = [];
  const log = console.log;
  console.log = (text: string) => {
    printed.push(text);
  };
  try {
    new SummaryReporter().onRunComplete(new Set(), {
      numPassedTests: 0,
      numFailedTests: 0,
      numPendingTests: 0,
      numTodoTests: 0,
      testResults: [],
      ...counts,
    });
  } finally {
    console.log = log;
  }
  return printed.join('');
}

describe('the summary line', () => {
  it('counts passed, failed, and pending with todo as skipped', () => {
    // Act
    const line = lineFor({ numPassedTests: 7, numFailedTests: 2, numPendingTests: 1, numTodoTests: 1 });
    // Assess
    expect(line).toBe('\njest: 7 passed, 2 failed, 2 skipped');
  });

  it('counts each test file that failed outside its tests, and no failed test of its own, as a failure', () => {
    // Act
    const one = lineFor({ numPassedTests: 5, testResults: [{ numFailingTests: 0 }, broken] });
    const two = lineFor({ numFailedTests: 1, testResults: [broken, broken, { numFailingTests: 1 }] });
    // Assess
    expect(one).toBe('\njest: 5 passed, 1 failed (1 test file that failed outside its tests), 0 skipped');
    expect(two).toBe('\njest: 0 passed, 3 failed (2 test files that failed outside their tests), 0 skipped');
  });

  it('does not count twice a file whose tests failed and whose afterAll threw too', () => {
    // Act
    const line = lineFor({
      numFailedTests: 1,
      testResults: [{ numFailingTests: 1, testExecError: { message: 'afterAll threw' } }],
    });
    // Assess
    expect(line).toBe('\njest: 0 passed, 1 failed, 0 skipped');
  });
});
