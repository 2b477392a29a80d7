import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ROOT } from '../helpers/processes.js';

/**
 * CI runs scripts/check-proto-compat.sh against the previous commit. Here it runs in a
 * scratch repository holding this contract: an additive change passes, a breaking one fails.
 */
test('the compatibility check fails on a breaking change to the contract and passes an additive one', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-proto-compat-'));
  try {
    fs.cpSync(path.join(ROOT, 'proto', 'wizer'), path.join(dir, 'proto', 'wizer'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'buf.yaml'), path.join(dir, 'buf.yaml'));
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.copyFileSync(
      path.join(ROOT, 'scripts', 'check-proto-compat.sh'),
      path.join(dir, 'scripts', 'check-proto-compat.sh'),
    );
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        cwd: dir,
        stdio: 'pipe',
      });
    const check = () => spawnSync('bash', ['scripts/check-proto-compat.sh'], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'contract');
    const admin = path.join(dir, 'proto', 'wizer', 'directory', 'v1', 'admin.proto');
    const original = fs.readFileSync(admin, 'utf8');

    fs.writeFileSync(
      admin,
      original.replace(
        'message ListTenantsRequest {}',
        'message ListTenantsRequest {\n  string name_prefix = 1;\n}',
      ),
    );
    git('commit', '-qam', 'a new field');
    const additive = check();
    t.is(additive.status, 0, additive.stderr);

    fs.writeFileSync(admin, original.replace(/string tenant_id = 1;/, 'string tenant = 1;'));
    git('commit', '-qam', 'a renamed field');
    const breaking = check();
    t.is(breaking.status, 1);
    t.regex(breaking.stdout + breaking.stderr, /changed name from "tenant_id" to "tenant"/);
    t.regex(breaking.stderr, /other Wizer services would break/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
