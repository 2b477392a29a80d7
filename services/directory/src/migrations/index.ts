import type { Knex } from 'knex';
import * as initial from './20261129000000_initial.js';
import * as serviceCredentials from './20261130000000_service_credentials.js';
import * as identityKeys from './20261130000200_identity_keys.js';
import * as eventRetention from './20261210000000_event_retention.js';
import * as eventMemberIds from './20261215000000_event_member_ids.js';
import * as operators from './20261220000000_operators.js';
import * as rejectionsByTime from './20261220000100_rejections_by_time.js';
import * as problemEventIndexes from './20261230000000_problem_event_indexes.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Every migration, oldest first. Listed here rather than read from disk so they work under any loader. */
const migrations: ReadonlyArray<readonly [string, Migration]> = [
  ['20261129000000_initial', initial],
  ['20261130000000_service_credentials', serviceCredentials],
  ['20261130000200_identity_keys', identityKeys],
  ['20261210000000_event_retention', eventRetention],
  ['20261215000000_event_member_ids', eventMemberIds],
  ['20261220000000_operators', operators],
  ['20261220000100_rejections_by_time', rejectionsByTime],
  ['20261230000000_problem_event_indexes', problemEventIndexes],
];

export const migrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...migrations],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
