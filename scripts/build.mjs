// `npm run build`: the production build. Transpiles the TypeScript of the services, the
// gateway and the scripts they run to JavaScript under dist/, and the client package
// (@wizer/directory-client, with the generated contract) to packages/directory-client/dist/,
// file for file, so `node` runs it without tsx. Type checking is `npm run typecheck`'s job
// (and npm test's; the package's .d.ts are its own `npm pack`'s); this needs nothing but
// esbuild, so it works after `npm ci --omit=dev`.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
// Folders named on the command line are built too: the benchmark builds its floor (b) beside
// the services (`node scripts/build.mjs scripts/bench/floor`), with the same options.
const SOURCES = ['services', 'gateway/src', 'scripts', ...process.argv.slice(2)];
// Never in production: the benchmark (run with tsx) and its floors (unless named above).
const SKIP = [path.join('scripts', 'bench')];
const CLIENT = path.join('packages', 'directory-client');

function typescriptFiles(dir) {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (SKIP.includes(relative)) return [];
    if (entry.isDirectory()) return typescriptFiles(relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

/** Transpiles `sources` into a fresh folder, then swaps it in for `target` (relative to root). */
async function buildInto(target, sources, outbase, writeExtra) {
  // Built aside, then swapped in: a service already running from dist/ (say the directory,
  // while `npm run start:gateway` builds again) never sees a half-written tree.
  const dist = path.join(root, target);
  const fresh = path.join(path.dirname(dist), `.dist-${process.pid}`);
  await build({
    absWorkingDir: root,
    entryPoints: sources.flatMap(typescriptFiles),
    outdir: fresh,
    outbase,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  writeExtra?.(fresh);
  const old = path.join(path.dirname(dist), `.dist-old-${process.pid}`);
  if (fs.existsSync(dist)) fs.renameSync(dist, old);
  fs.renameSync(fresh, dist);
  fs.rmSync(old, { recursive: true, force: true });
}

// The client package first: dist/ imports it by name (node_modules/@wizer/directory-client is
// the workspace's link to packages/directory-client, whose `exports` name its dist/).
await buildInto(path.join(CLIENT, 'dist'), [path.join(CLIENT, 'src')], path.join(CLIENT, 'src'));

// dist/ is its own package scope: `#proto/*` resolves to the package's compiled contract (its
// `./gen/*.js` export, one copy for the client and the server), and node_modules is still
// found by walking up to the repository's.
const { imports } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
if (imports['#proto/*'] !== './packages/directory-client/src/gen/wizer/directory/v1/*') {
  throw new Error(
    "package.json: #proto/* no longer names the client package's generated code; update build.mjs",
  );
}
await buildInto('dist', SOURCES, '.', (fresh) =>
  fs.writeFileSync(
    path.join(fresh, 'package.json'),
    `${JSON.stringify({ type: 'module', private: true, imports: { ...imports, '#proto/*': '@wizer/directory-client/gen/*' } }, null, 2)}\n`,
  ),
);
