import { parseArgs } from 'node:util';

/**
 * The admin CLI's one grammar: `npm run admin -- <group> <verb> --flag VALUE …`. Every value is a
 * named flag (`--tenant ID`, `--token ID`, `--credential ID`); only `backup` takes an operand, the
 * file it writes. Each command declares its flags here once, and the declaration drives parsing,
 * the checks (required, choices), `--help` and the usage printed with every usage error.
 */

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The placeholder in usage lines, e.g. `ID`, `KIND[,KIND]`. */
  value?: string;
  help: string;
  required?: boolean;
  /** The values allowed; with `list`, each of a comma-separated list must be one. */
  choices?: readonly string[];
  list?: boolean;
}

export type Args = Record<string, string | boolean | undefined>;

export interface CommandSpec<Context = unknown> {
  /** The command words, e.g. `tokens revoke`. */
  name: string;
  summary: string;
  /** More about what it does (idempotence, what changes), below the usage line. */
  description?: string;
  options: Record<string, OptionSpec>;
  /** A positional operand (`backup FILE`): its placeholder and help. */
  operand?: { value: string; help: string };
  examples: string[];
  /** Whether it calls the directory (else DIRECTORY_ADDRESS and the credential are not needed). */
  needsDirectory: boolean;
  run(context: Context, args: Args, operand: string | undefined): Promise<void> | void;
}

/** A mistake in how the command was called: printed with that command's usage, exit code 2. */
export class UsageError extends Error {}

export const INVOKE = 'npm run admin --';

/** Flags every command takes. */
const COMMON: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print JSON (enums by name, times in ISO 8601) instead of text' },
  help: { type: 'boolean', help: 'this help' },
};

const flagsOf = (spec: CommandSpec<any>) => ({ ...spec.options, ...COMMON });

function synopsisPart(name: string, option: OptionSpec): string {
  const text = option.type === 'boolean' ? `--${name}` : `--${name} ${option.value ?? 'VALUE'}`;
  return option.required ? text : `[${text}]`;
}

/** `tokens revoke --tenant ID --token ID [--json]` */
export function synopsis(spec: CommandSpec<any>): string {
  const parts = Object.entries(spec.options).map(([name, o]) => synopsisPart(name, o));
  const operand = spec.operand ? [spec.operand.value] : [];
  return [spec.name, ...operand, ...parts, '[--json]'].join(' ');
}

/** Text wrapped at `width`, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** The usage of one command: synopsis, description, every flag with its choices, examples. */
export function commandUsage(spec: CommandSpec<any>): string {
  const flags = flagsOf(spec);
  const rows: [string, string][] = [
    ...(spec.operand ? [[spec.operand.value, spec.operand.help] as [string, string]] : []),
    ...Object.entries(flags).map(([name, o]): [string, string] => {
      const left = o.type === 'boolean' ? `--${name}` : `--${name} ${o.value ?? 'VALUE'}`;
      const choices = o.choices ? ` ${o.list ? 'Each one of' : 'One of'}: ${o.choices.join(', ')}.` : '';
      return [name === 'help' ? '-h, --help' : left, `${o.help}${o.required ? '; required' : ''}.${choices}`];
    }),
  ];
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `Usage: ${INVOKE} ${synopsis(spec)}`,
    '',
    wrap(spec.summary + (spec.description ? ` ${spec.description}` : ''), 100, 0),
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${wrap(right, 100 - width - 2, width + 2)}`),
    '',
    spec.examples.length > 1 ? 'Examples:' : 'Example:',
    ...spec.examples.map((e) => `  ${INVOKE} ${e}`),
  ].join('\n');
}

const optionIn = (message: string) => /'(-{1,2}[\w-]+)/.exec(message)?.[1] ?? 'an option';

/** The closest flag name to a mistyped one, within two edits. */
function closest(word: string, names: string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0]![j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i]![j] = Math.min(
          d[i - 1]![j]! + 1,
          d[i]![j - 1]! + 1,
          d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
    return d[a.length]![b.length]!;
  };
  return names
    .map((n) => [n, distance(word, n)] as const)
    .filter(([, d]) => d <= 2)
    .sort((a, b) => a[1] - b[1])[0]?.[0];
}

/** Why parseArgs refused, in the CLI's words. */
function parseProblem(spec: CommandSpec<any>, error: { code?: string; message: string }): string {
  const flags = flagsOf(spec);
  const flag = optionIn(error.message);
  const option = flags[flag.replace(/^-+/, '')];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const guess = closest(flag.replace(/^-+/, ''), Object.keys(flags));
      return `unknown option ${flag} for "${spec.name}"${guess ? `; did you mean --${guess}?` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return option?.type === 'boolean'
        ? `${flag} takes no value`
        : `${flag} needs a value: ${flag} ${option?.value ?? 'VALUE'}`;
    default:
      return error.message;
  }
}

/** Parses a command's arguments (everything after its words) and checks them against its spec. */
export function parseCommand(
  spec: CommandSpec<any>,
  argv: string[],
): { args: Args; operand: string | undefined } {
  const flags = flagsOf(spec);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        Object.entries(flags).map(([name, o]) => [
          name,
          { type: o.type, ...(name === 'help' && { short: 'h' }) },
        ]),
      ),
    });
  } catch (error) {
    throw new UsageError(parseProblem(spec, error as { code?: string; message: string }));
  }
  const args = parsed.values as Args;
  if (args.help) return { args, operand: undefined };
  const positionals = [...parsed.positionals];
  const operand = spec.operand ? positionals.shift() : undefined;
  if (spec.operand && !operand) throw new UsageError(`${spec.name} needs ${spec.operand.value}`);
  if (positionals.length) {
    // `tokens revoke --tenant T ID`: say which flag the id belongs to.
    const missing = Object.entries(spec.options).find(([name, o]) => o.required && args[name] === undefined);
    const hint = missing ? `; did you mean --${missing[0]} ${positionals[0]}?` : '';
    throw new UsageError(
      `unexpected argument "${positionals[0]}": "${spec.name}" takes named flags only${hint}`,
    );
  }
  for (const [name, o] of Object.entries(spec.options)) {
    const value = args[name];
    if (value === undefined) {
      if (o.required) throw new UsageError(`--${name} is required`);
      continue;
    }
    if (typeof value === 'string' && !value.trim())
      throw new UsageError(`--${name} needs a value: --${name} ${o.value}`);
    if (typeof value !== 'string' || !o.choices) continue;
    const values = o.list ? value.split(',').map((v) => v.trim()) : [value];
    const wrong = values.find((v) => !o.choices!.includes(v));
    if (wrong !== undefined)
      throw new UsageError(`--${name} ${JSON.stringify(wrong)} is not one of: ${o.choices.join(', ')}`);
  }
  return { args, operand };
}

/** The command `argv` names, and the arguments after its words; or the group it names, if only that. */
export function findCommand<C>(
  specs: readonly CommandSpec<C>[],
  argv: string[],
): { spec: CommandSpec<C>; rest: string[] } | { group: string; specs: CommandSpec<C>[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const spec = specs.find((s) => s.name === name);
    if (spec) return { spec, rest: argv.slice(words) };
  }
  const group = specs.filter((s) => s.name.split(' ')[0] === argv[0]);
  return group.length ? { group: argv[0]!, specs: group } : undefined;
}
