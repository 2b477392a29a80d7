import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { freePort, ROOT } from '../helpers/processes.js';

/** Every process below `pid`, children first found. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0);
  } catch {
    // ps exits 1 when there are none
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

test('SIGTERM to `npm start` (what a supervisor sends) stops the whole tree: both ports close, no process survives', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-supervisor-'));
  const [port, grpc] = [await freePort(), await freePort()];
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: `sqlite:${path.join(dir, 'w.db')}`,
      // The console too, on a port of its own (npm start runs it).
      CONSOLE_ADDRESS: '127.0.0.1:0',
      PORT: String(port),
      DIRECTORY_ADDRESS: `127.0.0.1:${grpc}`,
      METRICS_ADDRESS: 'off',
      GATEWAY_METRICS_ADDRESS: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (chunk) => (output += chunk));
  npm.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  try {
    // Started: the compiled start script printed the development token.
    await new Promise<void>((resolve, reject) => {
      const check = () => (/shown this once/.test(output) ? resolve() : undefined);
      npm.stdout.on('data', check);
      npm.once('exit', () => reject(new Error(`npm start exited early:\n${output}`)));
      check();
    });
    t.regex(output, /dist\/scripts\/start\.js/, 'npm start runs the built JavaScript');
    t.true(await accepts(port), 'the gateway listens');
    t.true(await accepts(grpc), 'the directory listens');
    const tree = descendants(npm.pid!);
    t.true(
      tree.length >= 3,
      `npm, the start script and both services are running (${tree.length} below npm)`,
    );

    npm.kill('SIGTERM');
    t.is(await exited, 0);
    // Each process exits after it drained; wait for them (bounded), then nothing may be left.
    for (let waited = 0; tree.some(alive) && waited < 15_000; waited += 100)
      await new Promise((r) => setTimeout(r, 100));
    t.deepEqual(tree.filter(alive), [], 'no process of the tree survives');
    t.false(await accepts(port), 'the gateway port is closed');
    t.false(await accepts(grpc), 'the directory port is closed');
  } finally {
    if (npm.exitCode === null) npm.kill('SIGKILL');
    for (const pid of descendants(npm.pid!)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
