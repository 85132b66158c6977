import protobuf from 'protobufjs';
import type { BoostedTrees } from './gradient-boosting.js';

/**
 * The part of onnx.proto (IR version 8) a tree ensemble needs, field numbers as in
 * https://github.com/onnx/onnx/blob/main/onnx/onnx.proto. protobufjs writes fields in field-number
 * order, so the same model object always serialises to the same bytes.
 */
const ONNX_PROTO = `
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

const FLOAT = 1; // TensorProto.DataType.FLOAT
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
const utf8 = (s: string) => new TextEncoder().encode(s);

const ints = (name: string, values: readonly number[]) => ({ name, type: AttributeType.INTS, ints: values });
const floats = (name: string, values: readonly number[]) => ({ name, type: AttributeType.FLOATS, floats: values });
const int = (name: string, value: number) => ({ name, type: AttributeType.INT, i: value });
const string = (name: string, value: string) => ({ name, type: AttributeType.STRING, s: utf8(value) });
const strings = (name: string, values: readonly string[]) => ({ name, type: AttributeType.STRINGS, strings: values.map(utf8) });

export interface ExportOptions {
  readonly inputName: string;
  readonly outputName: string;
  readonly width: number;
  readonly docString: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * features[N, width] -> ai.onnx.ml.TreeEnsembleRegressor (sum of leaves + base score = log-odds)
 * -> Sigmoid -> probability[N, 1].
 */
export function exportTreesToOnnx(model: BoostedTrees, options: ExportOptions): Uint8Array {
  const nodes = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    trueIds: [] as number[],
    falseIds: [] as number[],
  };
  const targets = { treeIds: [] as number[], nodeIds: [] as number[], weights: [] as number[] };
  model.trees.forEach((tree, treeId) => {
    tree.forEach((node, nodeId) => {
      const leaf = node.feature === -1;
      nodes.treeIds.push(treeId);
      nodes.nodeIds.push(nodeId);
      nodes.featureIds.push(leaf ? 0 : node.feature);
      nodes.modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      nodes.values.push(leaf ? 0 : node.threshold);
      nodes.trueIds.push(leaf ? 0 : node.left);
      nodes.falseIds.push(leaf ? 0 : node.right);
      if (leaf) {
        targets.treeIds.push(treeId);
        targets.nodeIds.push(nodeId);
        targets.weights.push(node.value);
      }
    });
  });
  const ensemble = {
    name: 'boosted_trees',
    op_type: 'TreeEnsembleRegressor',
    domain: 'ai.onnx.ml',
    input: [options.inputName],
    output: ['log_odds'],
    attribute: [
      string('aggregate_function', 'SUM'),
      floats('base_values', [model.baseScore]),
      int('n_targets', 1),
      ints('nodes_falsenodeids', nodes.falseIds),
      ints('nodes_featureids', nodes.featureIds),
      ints(
        'nodes_missing_value_tracks_true',
        nodes.treeIds.map(() => 0),
      ),
      strings('nodes_modes', nodes.modes),
      ints('nodes_nodeids', nodes.nodeIds),
      ints('nodes_treeids', nodes.treeIds),
      ints('nodes_truenodeids', nodes.trueIds),
      floats('nodes_values', nodes.values),
      string('post_transform', 'NONE'),
      ints(
        'target_ids',
        targets.treeIds.map(() => 0),
      ),
      ints('target_nodeids', targets.nodeIds),
      ints('target_treeids', targets.treeIds),
      floats('target_weights', targets.weights),
    ],
  };
  const sigmoid = { name: 'to_probability', op_type: 'Sigmoid', input: ['log_odds'], output: [options.outputName] };
  const tensorType = (columns: number) => ({
    tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: columns }] } },
  });

  const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
  const ModelProto = root.lookupType('onnx.ModelProto');
  const message = ModelProto.fromObject({
    ir_version: 8,
    producer_name: 'ml-service scripts/train-model.ts',
    producer_version: '1',
    doc_string: options.docString,
    opset_import: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    metadata_props: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'fraud_detection',
      node: [ensemble, sigmoid],
      input: [{ name: options.inputName, type: tensorType(options.width) }],
      output: [{ name: options.outputName, type: tensorType(1) }],
    },
  });
  return ModelProto.encode(message).finish();
}
