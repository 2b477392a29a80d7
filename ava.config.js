// The default pass: every suite on SQLite. The PostgreSQL pass is ava.postgres.config.js.
export default {
  files: ['test/**/*.test.ts', '!test/postgres/**'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  // ava's timeout is a stall detector: it fails the run when no test has finished for that long.
  // The admin CLI's tests run side by side, each starting up to seven CLI processes (node with
  // tsx's loader) one after the other, and took up to 55 s in a clean-clone CI run with a core
  // kept busy: 60 s left too little room. 120 s, as the PostgreSQL pass.
  timeout: '120s',
  workerThreads: false,
};
