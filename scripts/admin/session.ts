import type { DirectoryClients } from '@wizer/directory-client';
import type { CommandSpec } from './grammar.js';

/** What a command runs with. */
export interface Session {
  /** The directory; only commands that declare `needsDirectory` may use it. */
  readonly clients: DirectoryClients;
  /** DATABASE_URL (for `backup`). */
  readonly databaseUrl: string;
  out(text: string): void;
  /** A remark beside the output (stderr), e.g. that more pages exist after a --json page. */
  note(text: string): void;
}

export type Command = CommandSpec<Session>;

/** Prints `json` as JSON with --json, else the text. */
export function print(
  session: Session,
  json: boolean | string | undefined,
  value: unknown,
  text: () => string,
) {
  session.out(json ? JSON.stringify(value, null, 2) : text());
}

/** A flag the grammar has checked is present (required) as a string. */
export const given = (value: string | boolean | undefined): string =>
  typeof value === 'string' ? value : '';
