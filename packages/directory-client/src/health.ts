import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import type { ServiceDefinition } from '@grpc/grpc-js';

/**
 * grpc.health.v1.Health/Check, for `serving()`: two one-field messages, coded by hand so the
 * client needs no proto loader. `status` 1 is SERVING (health.proto's ServingStatus).
 */
export interface HealthCheckRequest {
  service: string;
}
export interface HealthCheckResponse {
  status: number;
}

function encodeRequest(request: HealthCheckRequest): Buffer {
  const writer = new BinaryWriter();
  if (request.service) writer.uint32(10).string(request.service);
  return Buffer.from(writer.finish());
}

function decodeRequest(bytes: Buffer): HealthCheckRequest {
  const reader = new BinaryReader(bytes);
  const request: HealthCheckRequest = { service: '' };
  while (reader.pos < reader.len) {
    const [field, type] = reader.tag();
    if (field === 1) request.service = reader.string();
    else reader.skip(type);
  }
  return request;
}

function encodeResponse(response: HealthCheckResponse): Buffer {
  const writer = new BinaryWriter();
  if (response.status) writer.uint32(8).int32(response.status);
  return Buffer.from(writer.finish());
}

function decodeResponse(bytes: Buffer): HealthCheckResponse {
  const reader = new BinaryReader(bytes);
  const response: HealthCheckResponse = { status: 0 };
  while (reader.pos < reader.len) {
    const [field, type] = reader.tag();
    if (field === 1) response.status = reader.int32();
    else reader.skip(type);
  }
  return response;
}

export const HEALTH_SERVICE = {
  check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: encodeRequest,
    requestDeserialize: decodeRequest,
    responseSerialize: encodeResponse,
    responseDeserialize: decodeResponse,
    originalName: 'check',
  },
} satisfies ServiceDefinition;
