/** A plain text table: one header row, columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** `30d`, `12h`, `15m` before now (or after it, for expiries), or an ISO date. */
export function parseWhen(value: string, flag: string, direction: 1 | -1 = -1): Date {
  const relative = /^(\d+)([mhd])$/.exec(value);
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(Date.now() + direction * Number(relative[1]) * unit);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${flag} takes an ISO date or 15m / 12h / 30d`);
  return date;
}

/** `30d`, `12h`, `90m`: an age, in seconds. */
export function parseAge(value: string, flag: string): number {
  const age = /^(\d+)([mhd])$/.exec(value);
  const seconds = age ? Number(age[1]) * { m: 60, h: 3600, d: 86_400 }[age[2] as 'm' | 'h' | 'd'] : 0;
  if (!seconds) throw new UsageError(`${flag} takes an age of at least one unit: 90m, 12h, 30d`);
  return seconds;
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export const iso = (d: Date | undefined) => (d ? d.toISOString().replace('.000Z', 'Z') : '');
