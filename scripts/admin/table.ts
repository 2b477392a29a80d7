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

/** A time as the CLI shows it: ISO 8601, UTC, without milliseconds. */
export const iso = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '');
