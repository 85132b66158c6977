import protobuf from 'protobufjs';

/**
 * The part of onnx.proto (IR version 8) a tree ensemble needs, field numbers as in
 * https://github.com/onnx/onnx/blob/main/onnx/onnx.proto (MIT licence). The training script writes
 * model.onnx with it; the service reads a model's graph with it to evaluate tree ensembles in
 * JavaScript (tree-ensemble.ts). protobufjs writes fields in field-number order, so the same model
 * object always serialises to the same bytes; unknown fields are skipped when reading.
 */
export const ONNX_PROTO = `
syntax = "proto2";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; FLOATS = 6; INTS = 7; STRINGS = 8; }
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  optional AttributeType type = 20;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; optional string doc_string = 3; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string domain = 7;
}
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
`;

/** One attribute's value, whatever its type: numbers for ints/floats, strings for (byte) strings. */
export type AttributeValue = number | string | readonly number[] | readonly string[];

export interface GraphNode {
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

export interface OnnxGraph {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly nodes: readonly GraphNode[];
}

let modelProto: protobuf.Type | undefined;
/** The ModelProto type, parsed from ONNX_PROTO once: what the training script writes model.onnx with. */
export function onnxModelProto(): protobuf.Type {
  modelProto ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelProto;
}

let readingProto: protobuf.Type | undefined;
/**
 * The same messages with every int64 read as int32: the same varint on the wire, decoded into
 * plain numbers instead of a Long object per value (a model's 4,000 nodes times six int64
 * attributes: 150 ms at startup against 50). Node and tree ids and feature indexes are far below
 * 2^31; a value beyond would read wrong, compile to other trees, and fail the startup comparison
 * with onnxruntime (onnx-model.ts), which then scores everything.
 */
function readingModelProto(): protobuf.Type {
  readingProto ??= protobuf.parse(ONNX_PROTO.replaceAll('int64', 'int32'), { keepCase: true }).root.lookupType('onnx.ModelProto');
  return readingProto;
}

interface RawAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}
interface RawNode {
  input?: string[];
  output?: string[];
  op_type?: string;
  domain?: string;
  attribute?: RawAttribute[];
}
interface RawModel {
  graph?: { node?: RawNode[]; input?: { name?: string }[]; output?: { name?: string }[] };
}

// AttributeProto.AttributeType
const FLOAT = 1;
const INT = 2;
const STRING = 3;
const FLOATS = 6;
const INTS = 7;
const STRINGS = 8;

const utf8 = new TextDecoder();

function attributeValue(a: RawAttribute): AttributeValue | undefined {
  switch (a.type) {
    case FLOAT:
      return a.f ?? 0;
    case INT:
      return a.i ?? 0;
    case STRING:
      return utf8.decode(a.s ?? new Uint8Array());
    case FLOATS:
      return a.floats ?? [];
    case INTS:
      return a.ints ?? [];
    case STRINGS:
      return (a.strings ?? []).map((b) => utf8.decode(b));
    default:
      return undefined;
  }
}

/**
 * The graph of a model.onnx: its nodes with their attributes, inputs and outputs. Throws on bytes
 * that are not a ModelProto (the caller has already had onnxruntime load them, so that is a bug).
 */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  // The decoded message's own fields (repeated fields are arrays, bytes Uint8Arrays): no toObject copy.
  const raw = readingModelProto().decode(bytes) as RawModel;
  const graph = raw.graph ?? {};
  return {
    inputs: (graph.input ?? []).map((v) => v.name ?? ''),
    outputs: (graph.output ?? []).map((v) => v.name ?? ''),
    nodes: (graph.node ?? []).map((n) => ({
      opType: n.op_type ?? '',
      domain: n.domain ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attributes: new Map(
        (n.attribute ?? []).flatMap((a): [string, AttributeValue][] => {
          const value = attributeValue(a);
          return value === undefined ? [] : [[a.name ?? '', value]];
        }),
      ),
    })),
  };
}
