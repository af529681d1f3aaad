// Prints one plain closing line, `jest: N passed, N failed, N skipped`, that CI reads whatever the runner. A test
// file that fails before any of its tests runs (a missing fixture, a syntax error) counts no test, so each such
// file counts as one failure here and is named as such: "0 failed" must never stand for a file that did not run.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const broken = results.numRuntimeErrorTestSuites;
    const failed = results.numFailedTests + broken;
    const files = broken === 1 ? '1 test file that failed to run' : `${broken} test files that failed to run`;
    console.log(
      `\njest: ${results.numPassedTests} passed, ${failed} failed${broken > 0 ? ` (${files})` : ''}, ${skipped} skipped`,
    );
  }
}
