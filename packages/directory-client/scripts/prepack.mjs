// `npm pack` / `npm publish` of @wizer/directory-client: compiles src/ to dist/ (JS and .d.ts,
// from a clean dist/), and copies the contract's .proto files from the repository's buf module
// (proto/ at the root) into proto/, so the tarball carries them beside the code.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const pkg = path.resolve(import.meta.dirname, '..');
const repositoryProtos = path.resolve(pkg, '..', '..', 'proto', 'wizer');

fs.rmSync(path.join(pkg, 'dist'), { recursive: true, force: true });
execFileSync('npm', ['run', '--silent', 'build'], { cwd: pkg, stdio: 'inherit' });

const out = path.join(pkg, 'proto');
fs.rmSync(out, { recursive: true, force: true });
fs.cpSync(repositoryProtos, path.join(out, 'wizer'), {
  recursive: true,
  filter: (source) => fs.statSync(source).isDirectory() || source.endsWith('.proto'),
});
