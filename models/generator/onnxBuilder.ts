// Tiny helpers over onnx-proto for writing small, fixed-weight ONNX graphs by hand. Everything that
// lands in the bytes is derived from the graph description, so the same code gives the same bytes.
import { onnx } from 'onnx-proto';

/** IR 8 and opset 13 are what onnx-proto (ONNX 1.10 schema) and onnxruntime-node agree on. */
export const IR_VERSION = 8;
export const OPSET = 13;
export const PRODUCER_NAME = 'video-curator/models/generator';
export const PRODUCER_VERSION = '1';

export type Dim = number | string;

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string };

export const int = (value: number): AttributeValue => ({ kind: 'int', value });
export const ints = (value: number[]): AttributeValue => ({ kind: 'ints', value });
export const float = (value: number): AttributeValue => ({ kind: 'float', value });
export const floats = (value: number[]): AttributeValue => ({ kind: 'floats', value });
export const str = (value: string): AttributeValue => ({ kind: 'string', value });

const { AttributeType } = onnx.AttributeProto;
const { DataType } = onnx.TensorProto;

export type ElementType = 'float' | 'uint8' | 'int64';

const ELEMENT_TYPES: Record<ElementType, onnx.TensorProto.DataType> = {
  float: DataType.FLOAT,
  uint8: DataType.UINT8,
  int64: DataType.INT64,
};

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  switch (value.kind) {
    case 'int':
      return { name, type: AttributeType.INT, i: value.value };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: value.value };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: value.value };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: value.value };
    case 'string':
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value.value) };
  }
}

function valueInfo(name: string, type: ElementType, shape: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEMENT_TYPES[type],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Little-endian bytes whatever the host, so initializers are identical on every machine. */
function rawFloat32(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return bytes;
}

function rawInt64(values: readonly (number | bigint)[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

/** Largest int64, for Slice ends meaning "to the end of the axis". */
export const INT64_MAX = 9223372036854775807n;

/** A graph under construction: nodes in insertion order, tensor names numbered as they are made. */
export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];

  input(name: string, type: ElementType, shape: Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  /** Declares `tensor` (already produced by a node) as a graph output. */
  output(tensor: string, type: ElementType, shape: Dim[]): void {
    if (!this.names.has(tensor)) throw new Error(`output ${tensor} is not produced by the graph`);
    this.outputs.push(valueInfo(tensor, type, shape));
  }

  floatConst(name: string, dims: number[], values: readonly number[]): string {
    checkCount(name, dims, values.length);
    this.claim(name);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: rawFloat32(values) });
    return name;
  }

  int64Const(name: string, dims: number[], values: readonly (number | bigint)[]): string {
    checkCount(name, dims, values.length);
    this.claim(name);
    this.initializers.push({ name, dims, dataType: DataType.INT64, rawData: rawInt64(values) });
    return name;
  }

  /** Adds a node with one output named `output`; returns that name. '' stands for an omitted optional input. */
  node(
    op: string,
    inputs: string[],
    output: string,
    attributes: Record<string, AttributeValue> = {},
  ): string {
    for (const input of inputs) {
      if (input !== '' && !this.names.has(input)) throw new Error(`${op} ${output}: unknown input ${input}`);
    }
    this.claim(output);
    this.nodes.push({
      name: output,
      opType: op,
      input: inputs,
      output: [output],
      // Sorted, so the order attributes are written in code never changes the bytes.
      attribute: Object.keys(attributes)
        .sort()
        .map((key) => attribute(key, attributes[key])),
    });
    return output;
  }

  build(graphName: string, docString: string): onnx.IGraphProto {
    if (this.outputs.length === 0) throw new Error(`${graphName} has no outputs`);
    return {
      name: graphName,
      docString,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }

  private claim(name: string): void {
    if (!name) throw new Error('tensor names must not be empty');
    if (this.names.has(name)) throw new Error(`tensor ${name} is defined twice`);
    this.names.add(name);
  }
}

function checkCount(name: string, dims: number[], count: number): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== count) throw new Error(`${name}: ${count} values for shape [${dims.join(', ')}]`);
}

/** Serialises a graph as a model with fixed producer fields: no timestamps, no host details. */
export function encodeModel(graph: onnx.IGraphProto, modelVersion: number, docString: string): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    modelVersion,
    docString,
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Decodes model bytes (for tests and `--check`). */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
