/**
 * Floor (b), the directory half: DirectoryChannelService/Exchange — the multiplexed channel
 * the gateway uses — with a tiny dispatcher straight onto the store functions. The stream's
 * credential is checked once when it opens (as the directory does; here against
 * BENCH_CREDENTIAL). No domain rules, no validation, no events, no metrics, no per-request
 * authorisation. Kept beside the benchmark only.
 */
import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  DirectoryChannelServiceService,
  type ExchangeRequest,
  type ExchangeResponse,
} from '#proto/channel.js';
import { ChangePushedMembersResponse, type ListUsersResponse } from '#proto/directory.js';
import { User } from '#proto/user.js';
import { openDatabase } from '../../../services/directory/src/store/db.js';
import { addMemberships, removeMemberships } from '../../../services/directory/src/store/memberships.js';
import { findDepartmentRow } from '../../../services/directory/src/store/departments.js';
import * as users from '../../../services/directory/src/store/users.js';
import type { DbUserRow } from '../../../services/directory/src/store/rows.js';
import type { UserProfile } from '../../../services/directory/src/domain/types.js';
import { queryFromProto, userToProto } from '../../../services/directory/src/rpc/mappers.js';
import { newResourceId } from '../../../services/directory/src/domain/resource-ids.js';

const db = await openDatabase(process.env.DATABASE_URL!);
const credential = process.env.BENCH_CREDENTIAL ?? '';
/**
 * BENCH_FLOOR_PAYLOAD=whole: reads answer with the whole user as the directory stores it, its
 * departments included (what the full system's directory sends the gateway), instead of four
 * fields — to tell the cost of carrying a user apart from the cost of the full path's work.
 */
const wholeUsers = process.env.BENCH_FLOOR_PAYLOAD === 'whole';
const toProto = (row: DbUserRow) =>
  User.fromPartial({
    id: row.id,
    userName: row.user_name,
    active: Boolean(row.active),
    version: Number(row.version),
  });
const profile = (userName: string, active: boolean, title?: string): UserProfile => ({
  userName,
  active,
  title,
  emails: [],
  phoneNumbers: [],
  addresses: [],
});

type Call = NonNullable<ExchangeRequest['call']>;
type Result = NonNullable<ExchangeResponse['result']>;

/** The calls floor (b) makes, each onto the store; the answer goes back under the call's name. */
async function dispatch(call: Call): Promise<Result> {
  switch (call.$case) {
    case 'getUser': {
      const { tenantId, id } = call.value;
      if (wholeUsers) {
        const { row, memberships } = (await users.findUserRowWithMemberships(db.knex, tenantId, id))!;
        return { $case: 'getUser', value: userToProto(users.rowToUser(row, memberships)) };
      }
      return { $case: 'getUser', value: toProto((await users.findUserRow(db.knex, tenantId, id))!) };
    }
    case 'listUsers': {
      const { tenantId, query } = call.value;
      const page = await users.queryUserRows(db.knex, tenantId, queryFromProto(query));
      const memberships = wholeUsers
        ? await users.membershipsOf(
            db.knex,
            page.items.map((r) => r.pk),
          )
        : undefined;
      const items = memberships
        ? page.items.map((row) => userToProto(users.rowToUser(row, memberships.get(row.pk))))
        : page.items.map(toProto);
      const value: ListUsersResponse = { users: items, total: page.total, nextCursor: '' };
      return { $case: 'listUsers', value };
    }
    case 'createUser': {
      const { tenantId, user } = call.value;
      const row = await db.knex.transaction((trx) =>
        users.insertUser(trx, {
          tenantId,
          id: newResourceId(),
          profile: profile(user!.userName, true),
          now: new Date().toISOString(),
        }),
      );
      return { $case: 'createUser', value: toProto(row) };
    }
    case 'updateUser': {
      const { tenantId, id, user } = call.value;
      const row = await db.knex.transaction(async (trx) => {
        const found = (await users.findUserRow(trx, tenantId, id))!;
        const p = profile(found.user_name, user!.active, user!.title);
        return users.updateUserRow(trx, found.pk, p, Number(found.version) + 1, new Date().toISOString());
      });
      return { $case: 'updateUser', value: toProto(row) };
    }
    case 'changePushedMembers': {
      const { tenantId, departmentId, addUserIds, removeUserIds } = call.value;
      const value = await db.knex.transaction(async (trx) => {
        const department = (await findDepartmentRow(trx, tenantId, departmentId))!;
        const pks = await users.userPksByIds(trx, tenantId, [...addUserIds, ...removeUserIds]);
        const added = await addMemberships(
          trx,
          department.pk,
          addUserIds.map((id) => pks.get(id)!),
          'pushed',
        );
        const removed = await removeMemberships(
          trx,
          department.pk,
          removeUserIds.map((id) => pks.get(id)!),
          'pushed',
        );
        return ChangePushedMembersResponse.fromPartial({ added: added.length, removed: removed.length });
      });
      return { $case: 'changePushedMembers', value };
    }
    default:
      throw Object.assign(new Error(`floor (b) does not serve ${call.$case}`), {
        code: status.UNIMPLEMENTED,
      });
  }
}

function exchange(stream: ServerDuplexStream<ExchangeRequest, ExchangeResponse>): void {
  const [header] = stream.metadata.get('authorization');
  if (header !== `Bearer ${credential}`) {
    const refusal: Partial<ServiceError> = {
      code: status.UNAUTHENTICATED,
      details: 'unknown service credential',
      metadata: new Metadata(),
    };
    stream.emit('error', refusal);
    return;
  }
  stream.on('data', ({ id, call }: ExchangeRequest) => {
    dispatch(call!).then(
      (result) => {
        if (!stream.destroyed) stream.write({ id, result });
      },
      (error: { code?: number; message?: string }) => {
        if (stream.destroyed) return;
        const value = { code: error.code ?? status.INTERNAL, details: String(error.message), reason: '' };
        stream.write({ id, result: { $case: 'status', value } });
      },
    );
  });
  stream.on('end', () => stream.end());
}

const server = new Server();
server.addService(DirectoryChannelServiceService, { exchange });
server.bindAsync(process.env.DIRECTORY_ADDRESS!, ServerCredentials.createInsecure(), () => {});
process.on('SIGTERM', () => {
  // The gateway's streams stay open while it runs: give in-flight requests a moment, then close.
  setTimeout(() => server.forceShutdown(), 1000).unref();
  server.tryShutdown(() => void db.close().then(() => process.exit(0)));
});
