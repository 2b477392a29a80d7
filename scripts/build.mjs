// `npm run build`: the production build. Transpiles the TypeScript of the services, the
// gateway, the scripts they run and the generated contract to JavaScript under dist/,
// file for file, so `node` runs it without tsx. Type checking is `npm run typecheck`'s job
// (and npm test's); this needs nothing but esbuild, so it works after `npm ci --omit=dev`.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const SOURCES = ['proto/gen', 'services', 'gateway/src', 'scripts'];
// Run with tsx only, never in production: the benchmark and its floors.
const SKIP = [path.join('scripts', 'bench')];

function typescriptFiles(dir) {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (SKIP.includes(relative)) return [];
    if (entry.isDirectory()) return typescriptFiles(relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative] : [];
  });
}

// Built aside, then swapped in: a service already running from dist/ (say the directory,
// while `npm run start:gateway` builds again) never sees a half-written tree.
const dist = path.join(root, 'dist');
const fresh = path.join(root, `.dist-${process.pid}`);
await build({
  absWorkingDir: root,
  entryPoints: SOURCES.flatMap(typescriptFiles),
  outdir: fresh,
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
// dist/ is its own package scope: `#proto/*` resolves to the compiled contract, and
// node_modules is still found by walking up to the repository's.
const { imports } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
fs.writeFileSync(
  path.join(fresh, 'package.json'),
  `${JSON.stringify({ type: 'module', private: true, imports }, null, 2)}\n`,
);
const old = path.join(root, `.dist-old-${process.pid}`);
if (fs.existsSync(dist)) fs.renameSync(dist, old);
fs.renameSync(fresh, dist);
fs.rmSync(old, { recursive: true, force: true });
