/**
 * A small builder for ONNX graphs: initializers from typed arrays (little-endian `raw_data`, as
 * `onnx.numpy_helper.from_array` writes them), nodes with unique output names, attributes from
 * plain values, and the graph's typed inputs and outputs.
 */
import {
  AttributeType,
  DataType,
  type AttributeProto,
  type DataTypeValue,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './proto';

/** An attribute value: an int (`{ int: n }`, ONNX keeps ints and floats apart), a float, ints, a string. */
export type AttributeValue = number | { int: number } | number[] | string;

/** A dimension of a graph input or output: a size, or a name for a dynamic axis (`dim_param`). */
export type Dim = number | string;

function bytesOf(a: Float32Array | Int8Array | Uint8Array | BigInt64Array): Uint8Array {
  // Typed arrays are little-endian on every platform the studio runs on, as ONNX's raw_data is.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function attribute(name: string, v: AttributeValue): AttributeProto {
  if (typeof v === 'string') {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  }
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if (typeof v === 'object') return { name, type: AttributeType.INT, i: v.int };
  return { name, type: AttributeType.FLOAT, f: v };
}

function valueInfo(name: string, elemType: DataTypeValue, dims: Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })),
        },
      },
    },
  };
}

/** Collects the nodes and initializers of one graph. */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();

  /** A name not used yet in this graph: `base`, else `base_2`, `base_3`, ... */
  unique(base: string): string {
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Declares a graph input (`elemType` of {@link DataType}). */
  input(name: string, elemType: DataTypeValue, dims: Dim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares `name` (a node's output) as a graph output. */
  output(name: string, elemType: DataTypeValue, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** An initializer of float32 values (row-major `dims`). Returns its name. */
  float(name: string, dims: number[], data: Float32Array): string {
    return this.tensor(name, DataType.FLOAT, dims, bytesOf(data));
  }

  /** An initializer of int8 values. */
  int8(name: string, dims: number[], data: Int8Array): string {
    return this.tensor(name, DataType.INT8, dims, bytesOf(data));
  }

  /** An initializer of int64 values (shapes, axes, indices). */
  int64(name: string, dims: number[], values: number[]): string {
    return this.tensor(name, DataType.INT64, dims, bytesOf(BigInt64Array.from(values, BigInt)));
  }

  /** A float32 scalar constant, one initializer per value however often it is asked for. */
  scalar(value: number): string {
    const key = `f:${value}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.float(`const_${this.constants.size}`, [], Float32Array.of(value));
    this.constants.set(key, name);
    return name;
  }

  /** A 1-D int64 constant (a shape or axes), shared like {@link scalar}. */
  ints(values: number[]): string {
    const key = `i:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.int64(`const_${this.constants.size}`, [values.length], values);
    this.constants.set(key, name);
    return name;
  }

  /**
   * Adds a node of `op` (default domain) and returns its outputs' names, made from `name`
   * (`name`, or `name:0`, `name:1`, ... for several outputs).
   */
  node(
    op: string,
    inputs: string[],
    name: string,
    attrs: Record<string, AttributeValue> = {},
    outputCount = 1,
  ): string[] {
    const nodeName = this.unique(name);
    const outputs =
      outputCount === 1
        ? [nodeName]
        : Array.from({ length: outputCount }, (_, k) => this.unique(`${nodeName}:${k}`));
    this.nodes.push({
      name: nodeName,
      op_type: op,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** {@link node} with one output, returned as a string. */
  op(
    op: string,
    inputs: string[],
    name: string,
    attrs: Record<string, AttributeValue> = {},
  ): string {
    return this.node(op, inputs, name, attrs)[0];
  }

  /** The graph, named `name`. */
  graph(name: string): GraphProto {
    return {
      name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
  }

  private tensor(name: string, dataType: DataTypeValue, dims: number[], raw: Uint8Array): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, data_type: dataType, dims, raw_data: raw });
    return unique;
  }
}
