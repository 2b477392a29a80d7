// @ts-check
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** Files that may speak the wire format: the edges (rpc handlers, mappers, clients, routes, scripts). */
const PROTO_OUTSIDE_THE_EDGES = {
  patterns: [
    {
      // A leading \# is literal: in these gitignore-style patterns an unescaped one starts a comment.
      // The client package carries the same proto types, so it is an edge import too.
      group: ['\\#proto/*', '@wizer/directory-client', '@wizer/directory-client/*'],
      message:
        'Proto types stop at the edges: rpc/ and mappers in the directory, routes and *-mapper.ts in the gateway.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'packages/directory-client/src/gen/**',
      'packages/*/dist/**',
      'node_modules/**',
      'data/**',
      'dist/**',
      // Copies of a build with one change, compared by `npm run bench:ab -- --variant`.
      'dist-*/**',
      'scripts/build.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  importX.flatConfigs.typescript,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      // grpc-js callbacks and Koa middleware lose errors silently when a promise floats.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A module graph without cycles: each layer only depends on the ones below it.
      'import-x/no-cycle': 'error',
    },
  },
  {
    // The directory's rules and store know domain types only; the gateway's SCIM core
    // (schemas, PATCH, filters, projection) knows SCIM only.
    files: ['services/directory/src/domain/**', 'services/directory/src/store/**', 'gateway/src/scim/**'],
    ignores: [
      'gateway/src/scim/*-mapper.ts',
      'gateway/src/scim/list-params.ts',
      'gateway/src/scim/filter/to-query.ts',
    ],
    rules: { 'no-restricted-imports': ['error', PROTO_OUTSIDE_THE_EDGES] },
  },
);
