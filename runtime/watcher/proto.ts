/**
 * The protobuf schema the watcher needs to read Cloud Audit Logs, and the Struct <-> JSON conversion.
 *
 * Over gRPC, `LogEntry.protoPayload` reaches the client still encoded: a `google.protobuf.Any` whose
 * `value` holds a serialized `google.cloud.audit.AuditLog`. No installed package ships
 * `google/cloud/audit/audit_log.proto` (neither @google-cloud/logging-api nor google-gax), so the
 * message shapes are declared here, with the field numbers of the published schema
 * (googleapis: google/cloud/audit/audit_log.proto). Only the fields the watcher reads are declared;
 * protobuf decoding skips the others, so newer fields never break decoding. The well-known types
 * (Any, Struct) come from protobufjs's bundled definitions, so nothing is read from disk at run time
 * and the bundled service needs no .proto files next to it.
 */
import protobuf from 'protobufjs';

export const AUDIT_LOG_TYPE_URL = 'type.googleapis.com/google.cloud.audit.AuditLog';

const SCHEMA = `
syntax = "proto3";

package google.rpc;

message Status {
  int32 code = 1;
  string message = 2;
  repeated google.protobuf.Any details = 3;
}
`;

const AUDIT_SCHEMA = `
syntax = "proto3";

package google.cloud.audit;

message AuditLog {
  string service_name = 7;
  string method_name = 8;
  string resource_name = 11;
  ResourceLocation resource_location = 20;
  google.protobuf.Struct resource_original_state = 19;
  int64 num_response_items = 12;
  google.rpc.Status status = 2;
  AuthenticationInfo authentication_info = 3;
  repeated AuthorizationInfo authorization_info = 9;
  RequestMetadata request_metadata = 4;
  google.protobuf.Struct request = 16;
  google.protobuf.Struct response = 17;
  google.protobuf.Struct metadata = 18;
}

message AuthenticationInfo {
  string principal_email = 1;
  string authority_selector = 2;
  string service_account_key_name = 5;
  string principal_subject = 8;
}

message AuthorizationInfo {
  string resource = 1;
  string permission = 2;
  bool granted = 3;
}

message RequestMetadata {
  string caller_ip = 1;
  string caller_supplied_user_agent = 2;
  string caller_network = 3;
}

message ResourceLocation {
  repeated string current_locations = 1;
  repeated string original_locations = 2;
}
`;

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of ['google/protobuf/any.proto', 'google/protobuf/struct.proto']) {
    const json = protobuf.common.get(file);
    if (!json) throw new Error(`protobufjs has no bundled ${file}`);
    root.addJSON(json.nested ?? {});
  }
  protobuf.parse(SCHEMA, root);
  protobuf.parse(AUDIT_SCHEMA, root);
  root.resolveAll();
  return root;
}

export const auditRoot: protobuf.Root = buildRoot();
export const AuditLogType: protobuf.Type = auditRoot.lookupType('google.cloud.audit.AuditLog');

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

interface StructValue {
  nullValue?: unknown;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: { fields?: Record<string, StructValue> };
  listValue?: { values?: StructValue[] };
}

/** google.protobuf.Value (as protobufjs `toObject` gives it) -> plain JSON. */
export function valueToJson(value: StructValue | undefined): JsonValue {
  if (!value) return null;
  if (value.structValue !== undefined) return structToJson(value.structValue);
  if (value.listValue !== undefined) return (value.listValue.values ?? []).map(valueToJson);
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.numberValue !== undefined) return value.numberValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return null;
}

/** google.protobuf.Struct (as protobufjs `toObject` gives it) -> plain JSON object. */
export function structToJson(struct: { fields?: Record<string, StructValue> } | undefined | null): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = valueToJson(value);
  return out;
}

/** Plain JSON -> google.protobuf.Value in the object form protobufjs `fromObject` accepts. */
export function jsonToValue(value: unknown): StructValue {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) } };
  if (typeof value === 'object') return { structValue: jsonToStruct(value as Record<string, unknown>) };
  return { stringValue: String(value) };
}

export function jsonToStruct(obj: Record<string, unknown>): { fields: Record<string, StructValue> } {
  const fields: Record<string, StructValue> = {};
  for (const [key, value] of Object.entries(obj)) fields[key] = jsonToValue(value);
  return { fields };
}

const STRUCT_FIELDS = ['request', 'response', 'metadata', 'resourceOriginalState'] as const;

/** Decoded AuditLog in proto3-JSON shape (camelCase; Struct fields as plain JSON). */
export type AuditLogJson = JsonObject;

/** Decodes serialized AuditLog bytes into its proto3-JSON shape. Throws on malformed bytes. */
export function decodeAuditLogBytes(bytes: Uint8Array): AuditLogJson {
  // A plain Uint8Array view: protobufjs's Buffer reader clamps over-long strings instead of failing.
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const message = AuditLogType.decode(view);
  const obj = AuditLogType.toObject(message, { longs: String, enums: String, defaults: false }) as Record<
    string,
    unknown
  >;
  for (const key of STRUCT_FIELDS) {
    if (obj[key] !== undefined) obj[key] = structToJson(obj[key] as { fields?: Record<string, StructValue> });
  }
  return obj as AuditLogJson;
}

/** Encodes an AuditLog given in proto3-JSON shape (the shape `gcloud logging read` prints). */
export function encodeAuditLogJson(json: Record<string, unknown>): Uint8Array {
  const obj: Record<string, unknown> = { ...json };
  delete obj['@type'];
  for (const key of STRUCT_FIELDS) {
    if (obj[key] !== undefined) obj[key] = jsonToStruct(obj[key] as Record<string, unknown>);
  }
  return AuditLogType.encode(AuditLogType.fromObject(obj)).finish();
}
