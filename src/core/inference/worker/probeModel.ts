// A one-node ONNX model (y = Identity(x)) encoded by hand, so the worker can check that an
// execution provider loads before any real model is touched, without a file or a protobuf library.

function varint(value: number): number[] {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}

function field(number: number, payload: number[] | string): number[] {
  const data = typeof payload === 'string' ? [...Buffer.from(payload, 'utf8')] : payload;
  return [...varint((number << 3) | 2), ...varint(data.length), ...data];
}

function intField(number: number, value: number): number[] {
  return [...varint(number << 3), ...varint(value)];
}

/** ValueInfoProto: name + float tensor of shape [1]. */
function valueInfo(name: string): number[] {
  const shape = field(2, field(1, intField(1, 1))); // TensorShapeProto { dim { dim_value: 1 } }
  const tensorType = field(1, [...intField(1, 1), ...shape]); // TypeProto.tensor_type { elem_type: FLOAT, shape }
  return [...field(1, name), ...field(2, tensorType)];
}

export function probeModelBytes(): Uint8Array {
  const node = [...field(1, 'x'), ...field(2, 'y'), ...field(4, 'Identity')];
  const graph = [
    ...field(1, node),
    ...field(2, 'probe'),
    ...field(11, valueInfo('x')),
    ...field(12, valueInfo('y')),
  ];
  const opset = [...field(1, ''), ...intField(2, 13)];
  const model = [...intField(1, 8), ...field(7, graph), ...field(8, opset)];
  return Uint8Array.from(model);
}
