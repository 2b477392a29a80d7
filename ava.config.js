// The default pass: every suite on SQLite. The PostgreSQL pass is ava.postgres.config.js.
export default {
  files: ['test/**/*.test.ts', '!test/postgres/**'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  timeout: '60s',
  workerThreads: false,
};
