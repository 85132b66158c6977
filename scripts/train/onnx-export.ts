import { onnxModelProto } from '../../src/model/onnx-graph.js';
import type { BoostedTrees } from './gradient-boosting.js';

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

  // protobufjs writes fields in field-number order, so the same model object always serialises to the same bytes.
  const ModelProto = onnxModelProto();
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
