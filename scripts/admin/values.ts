import { UsageError } from './grammar.js';

/**
 * Flag values: durations with a unit (`30m`, `12h`, `90d`), times (a duration ago or ahead, or
 * an ISO 8601 date), and bounded integers. Each refusal says what is accepted.
 */

const UNITS = { m: 60, h: 3600, d: 86_400 } as const;
const DURATION = /^(\d+)([mhd])$/;
const UNIT_HELP = '30m, 12h, 90d: m minutes, h hours, d days';
/** A calendar date, optionally with a time and a zone: what `new Date` reads the same everywhere. */
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

const bareNumber = (flag: string, value: string) =>
  `${flag} ${value}: a number needs a unit: ${value}d (days), ${value}h (hours) or ${value}m (minutes)`;

function durationProblem(flag: string, value: string): string {
  if (/^\d+$/.test(value)) return bareNumber(flag, value);
  return `${flag} ${JSON.stringify(value)} is not a duration: a whole number and a unit, ${UNIT_HELP}`;
}

/** `30d`, `12h`, `90m`: a duration of at least one unit, in seconds. */
export function parseDuration(flag: string, value: string): number {
  const match = DURATION.exec(value);
  if (!match) throw new UsageError(durationProblem(flag, value));
  const seconds = Number(match[1]) * UNITS[match[2] as keyof typeof UNITS];
  if (seconds <= 0) throw new UsageError(`${flag} ${value}: the duration must be at least 1${match[2]}`);
  return seconds;
}

/**
 * A point in time: a duration before now (`direction` -1: `--since 24h`) or after it (`direction`
 * 1: `--expires 90d`), or an ISO 8601 date or date-time (UTC unless it names a zone).
 */
export function parseTime(flag: string, value: string, direction: 1 | -1, now = Date.now()): Date {
  if (DURATION.test(value)) return new Date(now + direction * parseDuration(flag, value) * 1000);
  // A date-time without a zone is read as UTC (JavaScript would read it as local time).
  const zoned = value.includes('T') && !/(?:Z|[+-]\d{2}:\d{2})$/.test(value) ? `${value}Z` : value;
  const date = ISO.test(value) ? new Date(zoned) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    const relative = direction > 0 ? 'from now' : 'ago';
    throw new UsageError(
      /^\d+$/.test(value)
        ? `${bareNumber(flag, value)} ${relative}; or an ISO 8601 date such as 2027-03-01`
        : `${flag} ${JSON.stringify(value)} is not a time: give a duration ${relative} (${UNIT_HELP}) ` +
            'or an ISO 8601 date such as 2027-03-01 or 2027-03-01T09:30Z',
    );
  }
  return date;
}

/** A whole number from `min` to `max`. */
export function parseCount(flag: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} ${JSON.stringify(value)}: a whole number from ${min} to ${max}`);
  return n;
}

/** A comma-separated flag value as a list, blanks dropped. */
export const listOf = (value: string | boolean | undefined): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : [];
