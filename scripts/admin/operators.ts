import { OperatorRole, type OperatorAccount } from '#proto/admin.js';
import { given, print, type Command } from './session.js';
import { iso, table } from './table.js';

/** Operators: who may sign in to the operator console (services/console), and as what. */

const OPERATOR_ROLES: Record<string, OperatorRole> = {
  admin: OperatorRole.OPERATOR_ROLE_ADMIN,
  viewer: OperatorRole.OPERATOR_ROLE_VIEWER,
};
const roleName = (role: OperatorRole) =>
  Object.entries(OPERATOR_ROLES).find(([, value]) => value === role)?.[0] ?? 'unspecified';
const operatorJson = (o: OperatorAccount) => ({ ...o, role: roleName(o.role) });

const NAME = {
  type: 'string',
  value: 'NAME',
  help: 'the operator’s sign-in name (letters, digits, . _ - @)',
  required: true,
} as const;

export const operatorsAdd: Command = {
  name: 'operators add',
  summary: 'Adds an operator of the console and prints their generated password, once.',
  options: {
    name: NAME,
    role: {
      type: 'string',
      value: 'ROLE',
      help: 'admin: reads and the console’s actions (tokens, disabling tenants); viewer: reads only',
      required: true,
      choices: Object.keys(OPERATOR_ROLES),
    },
  },
  examples: ['operators add --name alice --role admin', 'operators add --name bob --role viewer'],
  needsDirectory: true,
  async run(session, args) {
    const { operator, password } = await session.clients.admin.addOperator({
      name: given(args.name),
      role: OPERATOR_ROLES[given(args.role)]!,
    });
    print(session, args.json, { ...operatorJson(operator!), password }, () =>
      [
        `Added operator "${operator!.name}" (${roleName(operator!.role)}).`,
        `Their password (shown once: give it to them now; it cannot be read back):`,
        ``,
        `  ${password}`,
        ``,
      ].join('\n'),
    );
  },
};

export const operatorsList: Command = {
  name: 'operators list',
  summary: 'Lists the operators of the console (never their passwords).',
  options: {},
  examples: ['operators list'],
  needsDirectory: true,
  async run(session, args) {
    const { operators } = await session.clients.admin.listOperators({});
    print(session, args.json, operators.map(operatorJson), () =>
      table(
        ['NAME', 'ROLE', 'CREATED'],
        operators.map((o) => [o.name, roleName(o.role), iso(o.createdAt)]),
      ),
    );
  },
};

export const operatorsRemove: Command = {
  name: 'operators remove',
  summary: 'Removes an operator: they cannot sign in again (a session already open lasts until it expires).',
  options: { name: NAME },
  examples: ['operators remove --name alice'],
  needsDirectory: true,
  async run(session, args) {
    const operator = await session.clients.admin.removeOperator({ name: given(args.name) });
    print(session, args.json, operatorJson(operator), () => `Removed operator "${operator.name}".`);
  },
};
