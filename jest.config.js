// Jest runs our TypeScript as native ES modules (middy is ESM-only): @swc/jest strips types and keeps
// `import`/`export`, and the npm script runs node with --experimental-vm-modules.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Lambda's Node.js (npm run test:lambda-node): each version's package.json named alike, a haste collision warned at
  // every run once two are there, and thousands of files crawled for nothing.
  modulePathIgnorePatterns: ['<rootDir>/.node-lambda/'],
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
  reporters: ['default', '<rootDir>/test/summary-reporter.mjs'],
  maxWorkers: 2,
  testTimeout: 30_000,
};
