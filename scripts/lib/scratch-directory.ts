import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ListeningMessage } from '../../services/shared/ready-signal.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A directory of its own on a throw-away SQLite file; `stop()` ends it and removes the file. */
export interface ScratchDirectory {
  /** Where it listens: 127.0.0.1 and a port the system chose. */
  address: string;
  /** The local credentials file it wrote (an admin credential among them). */
  credentialsFile: string;
  stop(): Promise<void>;
}

/**
 * Starts the directory (from source, through tsx) on a fresh SQLite file in a temporary
 * folder, on a port of the system's choosing, without metrics; resolves once it says it is
 * listening. Its output is passed through, so a failure to start explains itself.
 */
export async function startScratchDirectory(): Promise<ScratchDirectory> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-scratch-'));
  const credentialsFile = path.join(dir, 'directory-credentials.json');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'services/directory/src/main.ts')],
    {
      env: {
        ...process.env,
        DATABASE_URL: `sqlite:${path.join(dir, 'directory.db')}`,
        DIRECTORY_ADDRESS: '127.0.0.1:0',
        DIRECTORY_CREDENTIALS_FILE: credentialsFile,
        METRICS_ADDRESS: 'off',
        LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  // However the caller ends (a failed call, Ctrl-C), the scratch directory ends with it.
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    remove();
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (message: Partial<ListeningMessage>) => {
      if (message.listening === 'directory' && message.port) resolve(message.port);
    });
    child.once('exit', (code) =>
      reject(new Error(`the scratch directory exited (${code}) before it listened`)),
    );
  }).catch((error: unknown) => {
    remove();
    throw error;
  });
  child.disconnect();
  return {
    address: `127.0.0.1:${port}`,
    credentialsFile,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      remove();
    },
  };
}
