/** Three projects so CI can run them in one process yet report them apart. */
const transform = {
  '^.+\\.[tj]s$': [
    'ts-jest',
    {
      // Type-checking is `npm run build`'s job; here we only transpile, which keeps runs fast.
      tsconfig: { module: 'commonjs', moduleResolution: 'node10', allowJs: true, isolatedModules: true },
      diagnostics: false,
    },
  ],
};
// @middy/core 6 ships ESM only; transpile it like our own code.
const transformIgnorePatterns = ['/node_modules/(?!@middy/)'];
const common = { testEnvironment: 'node', transform, transformIgnorePatterns };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/helpers/integration-timeout.ts', '<rootDir>/test/helpers/host-profile-setup.ts', '<rootDir>/test/helpers/secret-sweep.ts'],
    },
  ],
};
