/**
 * Floor (b), the directory half: grpc-js straight onto the store functions. No domain
 * rules, no validation, no events, no metrics. Kept beside the benchmark only.
 */
import { Server, ServerCredentials, type handleUnaryCall } from '@grpc/grpc-js';
import { ChangePushedMembersResponse, DirectoryServiceService } from '#proto/directory.js';
import { User } from '#proto/user.js';
import { openDatabase } from '../../../services/directory/src/store/db.js';
import { addMemberships, removeMemberships } from '../../../services/directory/src/store/memberships.js';
import { findDepartmentRow } from '../../../services/directory/src/store/departments.js';
import * as users from '../../../services/directory/src/store/users.js';
import type { DbUserRow } from '../../../services/directory/src/store/rows.js';
import type { UserProfile } from '../../../services/directory/src/domain/types.js';
import { queryFromProto } from '../../../services/directory/src/rpc/mappers.js';
import type { Query } from '#proto/query.js';

const db = await openDatabase(process.env.DATABASE_URL!);
const toProto = (row: DbUserRow) =>
  User.fromPartial({
    id: row.id,
    userName: row.user_name,
    active: Boolean(row.active),
    version: Number(row.version),
  });
const unary =
  <Req, Res>(fn: (req: Req) => Promise<Res>): handleUnaryCall<Req, Res> =>
  (call, cb) => {
    fn(call.request).then(
      (res) => cb(null, res),
      (err) => cb(err),
    );
  };
const profile = (userName: string, active: boolean, title?: string): UserProfile => ({
  userName,
  active,
  title,
  emails: [],
  phoneNumbers: [],
  addresses: [],
});

const server = new Server();
server.addService(DirectoryServiceService, {
  getUser: unary(async (req: { tenantId: string; id: string }) =>
    toProto((await users.findUserRow(db.knex, req.tenantId, req.id))!),
  ),
  listUsers: unary(async (req: { tenantId: string; query: Query }) => {
    const page = await users.queryUserRows(db.knex, req.tenantId, queryFromProto(req.query));
    return { users: page.items.map(toProto), total: page.total, nextCursor: '' };
  }),
  createUser: unary(async (req: { tenantId: string; user: User }) =>
    db.knex.transaction(async (trx) => {
      const row = await users.insertUser(
        trx,
        req.tenantId,
        crypto.randomUUID(),
        profile(req.user.userName, true),
        undefined,
        new Date().toISOString(),
      );
      return toProto(row);
    }),
  ),
  updateUser: unary(async (req: { tenantId: string; id: string; user: User }) =>
    db.knex.transaction(async (trx) => {
      const row = (await users.findUserRow(trx, req.tenantId, req.id))!;
      const p = profile(row.user_name, req.user.active, req.user.title);
      return toProto(
        await users.updateUserRow(trx, row.pk, p, Number(row.version) + 1, new Date().toISOString()),
      );
    }),
  ),
  changePushedMembers: unary(
    async (req: { tenantId: string; departmentId: string; addUserIds: string[]; removeUserIds: string[] }) =>
      db.knex.transaction(async (trx) => {
        const department = (await findDepartmentRow(trx, req.tenantId, req.departmentId))!;
        const pks = await users.userPksByIds(trx, req.tenantId, [...req.addUserIds, ...req.removeUserIds]);
        const added = await addMemberships(
          trx,
          department.pk,
          req.addUserIds.map((id) => pks.get(id)!),
          'pushed',
        );
        const removed = await removeMemberships(
          trx,
          department.pk,
          req.removeUserIds.map((id) => pks.get(id)!),
          'pushed',
        );
        return ChangePushedMembersResponse.fromPartial({ added: added.length, removed: removed.length });
      }),
  ),
} as never);
server.bindAsync(process.env.DIRECTORY_ADDRESS!, ServerCredentials.createInsecure(), () => {});
process.on('SIGTERM', () => server.tryShutdown(() => void db.close().then(() => process.exit(0))));
