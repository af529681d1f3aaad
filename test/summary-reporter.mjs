// Prints one plain closing line, `jest: N passed, N failed, N skipped`, that CI reads whatever the runner. A test
// file can fail outside its tests (it does not load: a missing fixture, a syntax error; or a hook such as afterAll
// throws) and count no failed test: each such file counts as one failure here, and is named as such, so that
// "0 failed" never stands for it.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const outside = results.testResults.filter(
      (file) => file.testExecError != null && file.numFailingTests === 0,
    ).length;
    const failed = results.numFailedTests + outside;
    const files =
      outside === 1
        ? '1 test file that failed outside its tests'
        : `${outside} test files that failed outside their tests`;
    console.log(
      `\njest: ${results.numPassedTests} passed, ${failed} failed${outside > 0 ? ` (${files})` : ''}, ${skipped} skipped`,
    );
  }
}
