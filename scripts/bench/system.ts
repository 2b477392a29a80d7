import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export { freePort } from '../lib/free-port.js';

/** A process of the system under test. */
export interface Proc {
  name: string;
  child: ChildProcess;
  /** Peak resident set size so far, in MB (Linux VmHWM). */
  peakRssMb(): number;
  /** Resident set size now, in MB (Linux VmRSS). */
  rssMb(): number;
  /** CPU time used so far, user and system, every thread, in µs (Linux /proc/<pid>/stat). */
  cpuMicros(): number;
  stop(): Promise<void>;
}

/**
 * Starts `entry` with node: TypeScript through tsx, JavaScript (the production build) as is.
 * Standard output (the JSON log lines) goes to `logFile` when given, else nowhere.
 */
export function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  logFile?: string,
): Proc {
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const child = spawn(process.execPath, [...nodeArgs, ...loader, path.resolve(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, 'inherit'],
  });
  if (typeof out === 'number') fs.closeSync(out);
  return {
    name,
    child,
    peakRssMb: () => procStatusMb(child.pid, 'VmHWM'),
    rssMb: () => procStatusMb(child.pid, 'VmRSS'),
    cpuMicros: () => procCpuMicros(child.pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      // A process that does not drain in 15 s is killed: the benchmark must end.
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** A memory figure of /proc/<pid>/status, in MB. */
export function procStatusMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** Clock ticks per second of /proc's CPU times: Linux's USER_HZ, 100 on the kernels this runs on. */
const TICKS_PER_SECOND = 100;

/** A process's CPU time so far (utime + stime of /proc/<pid>/stat, every thread), in µs. */
export function procCpuMicros(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces:
    // utime and stime are the 14th and 15th fields, the 12th and 13th after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Whether something accepts TCP connections at `host:port`. */
export function portOpen(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').at(-1))];
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
