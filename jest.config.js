/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Child-process tests (crash/resume) run the compiled app from dist/: build it once per run.
  globalSetup: '<rootDir>/test/global-setup.js',
  testTimeout: 60000,
  maxWorkers: 2,
  // The Functions worker provides this module at run time; locally our stand-in does (see local/host/app-loader.ts).
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/local/host/functions-core.ts' },
};
