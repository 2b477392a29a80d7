/**
 * @wizer/directory-client: the contract of Wizer's directory for other Wizer services — a
 * promise client (unary or multiplexed), the resuming watch, typed query builders, client
 * TLS, and the words outside the messages (metadata names, error reasons). The generated
 * messages and gRPC clients of every proto file are at `@wizer/directory-client/gen/<file>.js`
 * (`…/gen/user.js`, `…/gen/directory.js`, …); the most used are re-exported here.
 */
export {
  connectDirectory,
  targetFor,
  type CallSettings,
  type ClientOptions,
  type DirectoryClients,
  type Promised,
} from './client.js';
export {
  CHANNEL_CALLS,
  Multiplexer,
  serviceError,
  type ChannelCall,
  type ChannelCallName,
  type MultiplexerOptions,
} from './channel-client.js';
export { follow } from './follow.js';
export { and, anyEmail, cmp, not, or, query } from './query-builders.js';
export { clientCredentials, type ClientTlsFiles } from './tls.js';
export {
  ACTOR_HEADER,
  AUTHORIZATION_HEADER,
  ErrorReason,
  PRUNED_THROUGH_TRAILER,
  REASON_TRAILER,
  reasonMetadata,
  reasonOf,
} from './wire.js';
export { errorReasonFromJSON, errorReasonToJSON } from './gen/wizer/directory/v1/errors.js';
export {
  MembershipSource,
  membershipSourceToJSON,
  type Email,
  type Enterprise,
  type Name,
  type User,
  type UserMembership,
} from './gen/wizer/directory/v1/user.js';
export {
  DepartmentOrigin,
  departmentOriginToJSON,
  type Department,
  type Member,
} from './gen/wizer/directory/v1/department.js';
export { EventOutcome, eventOutcomeToJSON, type Event } from './gen/wizer/directory/v1/event.js';
export {
  Operator,
  type Comparison,
  type Filter,
  type Query,
  type Value,
} from './gen/wizer/directory/v1/query.js';
export {
  GetDepartmentRequest,
  GetUserRequest,
  ListDepartmentsRequest,
  ListDepartmentsResponse,
  ListEventsRequest,
  ListEventsResponse,
  ListMembersRequest,
  ListMembersResponse,
  ListUsersRequest,
  ListUsersResponse,
  WatchEventsRequest,
} from './gen/wizer/directory/v1/directory.js';
