// The closing line CI reads: a test file that fails before any of its tests runs must count as a failure.
// @ts-expect-error: plain ESM that jest loads itself, without types
import SummaryReporter from '../summary-reporter.mjs';

interface Counts {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numRuntimeErrorTestSuites: number;
}

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
      numRuntimeErrorTestSuites: 0,
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

  it('counts each test file that failed to run as a failure, and says so', () => {
    // Act
    const one = lineFor({ numPassedTests: 5, numRuntimeErrorTestSuites: 1 });
    const two = lineFor({ numFailedTests: 1, numRuntimeErrorTestSuites: 2 });
    // Assess
    expect(one).toBe('\njest: 5 passed, 1 failed (1 test file that failed to run), 0 skipped');
    expect(two).toBe('\njest: 0 passed, 3 failed (2 test files that failed to run), 0 skipped');
  });
});
