/** The WebGPU device under TF.js's current backend, as far as a run needs it. */
import * as tf from '@tensorflow/tfjs';

interface GpuDeviceLike {
  lost?: Promise<{ message: string; reason: string }>;
}

/**
 * Calls `onLost` with the reason ("destroyed: …") when the current backend's GPU device is lost;
 * nothing on backends without one.
 */
export function watchDeviceLoss(onLost: (reason: string) => void): void {
  const backend = tf.backend();
  const dev = 'device' in backend ? (backend as { device?: GpuDeviceLike }).device : undefined;
  void dev?.lost?.then((info) =>
    onLost(`${info.reason || 'unknown'}${info.message ? `: ${info.message}` : ''}`),
  );
}
