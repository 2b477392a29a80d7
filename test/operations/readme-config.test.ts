import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { loadConfig as gatewayConfig } from '../../gateway/src/config.js';
import { loadConfig as consoleConfig } from '../../services/console/src/config.js';
import { loadConfig as directoryConfig } from '../../services/directory/src/config.js';
import { ROOT } from '../helpers/processes.js';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The rows of the Markdown table under `heading`, as cells. */
function tableUnder(heading: string): string[][] {
  const section = readme.slice(readme.indexOf(heading));
  const lines = section.split('\n').filter((line) => line.startsWith('|'));
  const table: string[][] = [];
  for (const line of section.split('\n').slice(1)) {
    if (line.startsWith('|'))
      table.push(
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    else if (table.length) break;
  }
  if (!lines.length) throw new Error(`no table under ${heading}`);
  return table.slice(2); // header and separator
}

const variablesIn = (cell: string) => [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);

/** "1 MiB" → 1048576, "4,096 characters" → 4096, "10 s" → 10 (seconds), "1,000/s" → 1000. */
function quantitiesIn(cell: string): Array<{ value: number; unit: string }> {
  return [...cell.matchAll(/(\d[\d,]*)\s*(MiB|KiB|s\b)?/g)].map((m) => ({
    value: Number(m[1]!.replace(/,/g, '')),
    unit: m[2] ?? '',
  }));
}

function inVariableUnits(variable: string, { value, unit }: { value: number; unit: string }): number {
  if (unit === 'MiB') return value * 1024 * 1024;
  if (unit === 'KiB') return value * 1024;
  if (unit === 's' && variable.endsWith('_MS')) return value * 1000;
  return value;
}

type Load = (env: Record<string, string>) => unknown;
const json = (load: Load, env: Record<string, string>) => JSON.stringify(load(env));

/**
 * The documented default is the code's: setting the variable to it changes nothing, and
 * setting it to something else changes the configuration (so the variable is really read).
 */
function checkDefault(t: import('ava').ExecutionContext, load: Load, variable: string, value: number) {
  t.is(json(load, { [variable]: String(value) }), json(load, {}), `${variable}: the README says ${value}`);
  t.not(json(load, { [variable]: String(value - 1) }), json(load, {}), `${variable} is read`);
}

test('the README’s Limits table states the gateway’s defaults', (t) => {
  const rows = tableUnder('### Limits');
  let checked = 0;
  for (const [, defaults = '', variables = ''] of rows) {
    const names = variablesIn(variables);
    const quantities = quantitiesIn(defaults);
    names.slice(0, quantities.length).forEach((name, i) => {
      checkDefault(t, gatewayConfig, name, inVariableUnits(name, quantities[i]!));
      checked++;
    });
  }
  t.true(checked >= 14, `every limit with a variable was compared (${checked})`);
});

test('the README’s Configuration table states every service’s numeric defaults', (t) => {
  const rows = tableUnder('### Configuration');
  let checked = 0;
  for (const [variables = '', service = '', defaults = ''] of rows) {
    const numbers = [...defaults.matchAll(/`(\d+)`/g)].map((m) => Number(m[1]));
    // Only cells made of plain numbers (`100`, `1000`); addresses and paths are not numeric defaults.
    if (!numbers.length || defaults.replace(/`\d+`|,|\s/g, '') !== '') continue;
    const loads = [
      ...(/gateway|all/.test(service) ? [gatewayConfig] : []),
      ...(/directory|all/.test(service) ? [directoryConfig] : []),
      ...(/console|all/.test(service) ? [consoleConfig] : []),
    ];
    variablesIn(variables).forEach((name, i) => {
      for (const load of loads) checkDefault(t, load, name, numbers[i]!);
      checked++;
    });
  }
  t.true(checked >= 10, `the numeric defaults were compared (${checked})`);
});
