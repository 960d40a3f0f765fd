/**
 * The APIs this broker answers, one version range each (see broker/README.md), and ApiVersions.
 */
import { Writer } from '../codec.ts';
import type { Handler } from '../context.ts';
import {
  createPartitions,
  createTopics,
  deleteRecords,
  deleteTopics,
  fetch,
  listOffsets,
  metadata,
  produce,
} from './data.ts';
import {
  deleteGroups,
  describeGroups,
  findCoordinator,
  heartbeat,
  joinGroup,
  leaveGroup,
  listGroups,
  offsetCommit,
  offsetFetch,
  syncGroup,
} from './groups.ts';
import { addOffsetsToTxn, addPartitionsToTxn, endTxn, initProducerId, txnOffsetCommit } from './txn.ts';

export const ERR_UNSUPPORTED_VERSION = 35;

export interface Api {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly handle: Handler;
}

export const API_VERSIONS_KEY = 18;

/** SASL on a connection without SASL, or authenticated already: ILLEGAL_SASL_STATE (34). */
const saslOutOfPlace: Handler = (_ctx, _r, h) => {
  const w = new Writer().int16(34);
  if (h.apiKey === 17) return w.array([], () => {});
  w.string('SASL is not expected on this connection now').bytes(Buffer.alloc(0));
  return h.apiVersion >= 1 ? w.int64(0) : w;
};

const apiVersions: Handler = (_ctx, _r, h) => {
  const w = new Writer().int16(0);
  if (h.apiVersion >= 3) {
    // Flexible encoding: compact array (count + 1 as a varint), a tag buffer per element and at the end.
    w.int8(APIS.size + 1);
    for (const [key, api] of APIS) w.int16(key).int16(api.min).int16(api.max).int8(0);
    return w.int32(0).int8(0);
  }
  writeVersions(w);
  if (h.apiVersion >= 1) w.int32(0);
  return w;
};

export const APIS: ReadonlyMap<number, Api> = new Map<number, Api>([
  [0, { name: 'Produce', min: 3, max: 3, handle: produce }],
  [1, { name: 'Fetch', min: 4, max: 4, handle: fetch }],
  [2, { name: 'ListOffsets', min: 1, max: 2, handle: listOffsets }],
  [3, { name: 'Metadata', min: 1, max: 1, handle: metadata }],
  [8, { name: 'OffsetCommit', min: 2, max: 2, handle: offsetCommit }],
  [9, { name: 'OffsetFetch', min: 1, max: 1, handle: offsetFetch }],
  [10, { name: 'FindCoordinator', min: 0, max: 1, handle: findCoordinator }],
  [11, { name: 'JoinGroup', min: 0, max: 1, handle: joinGroup }],
  [12, { name: 'Heartbeat', min: 0, max: 0, handle: heartbeat }],
  [13, { name: 'LeaveGroup', min: 0, max: 0, handle: leaveGroup }],
  [14, { name: 'SyncGroup', min: 0, max: 0, handle: syncGroup }],
  [15, { name: 'DescribeGroups', min: 0, max: 0, handle: describeGroups }],
  [16, { name: 'ListGroups', min: 0, max: 0, handle: listGroups }],
  // answered by the connection (../sasl.ts) until it is authenticated; here only when out of place
  [17, { name: 'SaslHandshake', min: 0, max: 1, handle: saslOutOfPlace }],
  [API_VERSIONS_KEY, { name: 'ApiVersions', min: 0, max: 3, handle: apiVersions }],
  [19, { name: 'CreateTopics', min: 0, max: 0, handle: createTopics }],
  [20, { name: 'DeleteTopics', min: 0, max: 0, handle: deleteTopics }],
  [21, { name: 'DeleteRecords', min: 0, max: 0, handle: deleteRecords }],
  [22, { name: 'InitProducerId', min: 0, max: 0, handle: initProducerId }],
  [24, { name: 'AddPartitionsToTxn', min: 0, max: 0, handle: addPartitionsToTxn }],
  [25, { name: 'AddOffsetsToTxn', min: 0, max: 0, handle: addOffsetsToTxn }],
  [26, { name: 'EndTxn', min: 0, max: 0, handle: endTxn }],
  [28, { name: 'TxnOffsetCommit', min: 0, max: 0, handle: txnOffsetCommit }],
  [36, { name: 'SaslAuthenticate', min: 0, max: 1, handle: saslOutOfPlace }],
  [37, { name: 'CreatePartitions', min: 0, max: 1, handle: createPartitions }],
  [42, { name: 'DeleteGroups', min: 0, max: 0, handle: deleteGroups }],
]);

function writeVersions(w: Writer): void {
  w.array([...APIS], (w, [key, api]) => w.int16(key).int16(api.min).int16(api.max));
}

/**
 * The answer to a request this broker does not implement at that version. ApiVersions gets its
 * v0 body (error 35 + the supported versions), as Kafka does, so a client that opened with a
 * newer ApiVersions (librdkafka sends v3) retries with one listed here. Other APIs get error 35
 * as the first field of the body.
 */
export function unsupported(apiKey: number): Writer {
  const w = new Writer().int16(ERR_UNSUPPORTED_VERSION);
  if (apiKey === API_VERSIONS_KEY) writeVersions(w);
  return w;
}
