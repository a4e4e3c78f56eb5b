// A small ONNX graph writer over onnx-proto (IR 8, opset 13) for the tiny test models.
// Only what the tiny hub-layout models need: typed inputs/outputs, float/int64 initialisers, nodes.
import { onnx } from 'onnx-proto';

export type ElemType = 'float32' | 'int64' | 'bool';
export type Dim = number | string;
export type AttrValue = number | number[] | { float: number };

const ELEM_TYPE: Record<ElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

function valueInfo(name: string, type: ElemType, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  if (typeof value === 'number') return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
  if (Array.isArray(value)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value };
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value.float };
}

export class OnnxGraphBuilder {
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, type: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElemType, dims: Dim[]): string {
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  floats(dims: number[], values: ArrayLike<number>, name = this.fresh('w')): string {
    const data = Float32Array.from(values);
    if (data.length !== dims.reduce((a, b) => a * b, 1))
      throw new Error(`${name}: ${data.length} values for ${dims}`);
    this.initializers.push({
      name,
      dims,
      dataType: ELEM_TYPE.float32,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  ints(dims: number[], values: ArrayLike<number>, name = this.fresh('i')): string {
    const data = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
    if (data.length !== dims.reduce((a, b) => a * b, 1))
      throw new Error(`${name}: ${data.length} values for ${dims}`);
    this.initializers.push({ name, dims, dataType: ELEM_TYPE.int64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** Adds a node; returns its first output's name (fresh unless given). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs?: string[]): string {
    const outs = outputs ?? [this.fresh(opType.toLowerCase())];
    this.nodes.push({
      opType,
      name: this.fresh(`n_${opType}`),
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs[0];
  }

  encode(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'video-curator-tiny-models',
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: this.name,
        input: this.inputs,
        output: this.outputs,
        node: this.nodes,
        initializer: this.initializers,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }
}
