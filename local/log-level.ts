// The functions' log level under the local runtime: WARN, unless a level is given (POWERTOOLS_LOG_LEVEL, LOG_LEVEL or
// AWS_LAMBDA_LOG_LEVEL, as Powertools reads them). Imported first, for its effect alone, by runtime.ts and start.ts:
// the functions' logger reads its level once, when its module is evaluated, and Powertools puts that level back at
// every invocation, so a default set any later held until the first invocation only (before session 50, the level
// stayed at INFO, and a deleted subscription's retries printed a line each; terminal review and its diff review).
if (!process.env.POWERTOOLS_LOG_LEVEL && !process.env.LOG_LEVEL && !process.env.AWS_LAMBDA_LOG_LEVEL) {
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
}
