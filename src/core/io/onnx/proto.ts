/**
 * ONNX protobuf encoding and decoding through the static protobufjs code generated from
 * `onnx.proto` (`npm run gen:onnx-proto`): no reflection and no eval, so it runs in the page's
 * Web Worker under a Content-Security-Policy without 'unsafe-eval'.
 */
import { onnx } from './onnxProto.generated.js';

/** A model as plain objects with ONNX's field names (`onnx.proto`'s ModelProto). */
export type ModelProto = onnx.IModelProto;
export type GraphProto = onnx.IGraphProto;
export type NodeProto = onnx.INodeProto;
export type TensorProto = onnx.ITensorProto;
export type AttributeProto = onnx.IAttributeProto;
export type ValueInfoProto = onnx.IValueInfoProto;

/** `TensorProto.DataType` values the studio writes. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
} as const;
export type DataTypeValue = (typeof DataType)[keyof typeof DataType];

/** `AttributeProto.AttributeType` values the studio writes. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  FLOATS: 6,
  INTS: 7,
} as const;

/** The wire bytes of `model` (what `onnx.save` writes). */
export function encodeModel(model: ModelProto): Uint8Array {
  const bytes = onnx.ModelProto.encode(model).finish();
  // Node's protobufjs writer returns a Buffer; callers get a plain Uint8Array either way.
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Parses ONNX model bytes (for tests and tools; int64 fields come back as numbers or Longs). */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
