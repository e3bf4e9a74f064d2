import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendChoice, BackendName } from '../shared/types';
import {
  BACKEND_LABELS,
  describeBackend,
  isSoftwareRenderer,
  planBackends,
  type GpuProbe,
  type MachineProbe,
} from './backendPlan';

/**
 * Starts a TF.js backend in the worker: probes WebGPU and WebGL for real hardware (a software
 * renderer such as SwiftShader ran MobileNet V2 ~50× slower than WASM), then starts the first
 * backend of the plan that initialises.
 */

// Vite bundles the three binaries; the map points the backend at their hashed URLs.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

async function probeWebGpu(): Promise<GpuProbe> {
  try {
    const gpu = (globalThis.navigator as unknown as { gpu?: GpuLike } | undefined)?.gpu;
    if (!gpu) return { kind: 'none', detail: '' };
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { kind: 'none', detail: '' };
    const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
    const detail = [info.vendor, info.architecture, info.device, info.description]
      .filter((s): s is string => !!s)
      .join(' ')
      .trim();
    const software =
      adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || isSoftwareRenderer(detail);
    return { kind: software ? 'software' : 'hardware', detail };
  } catch {
    return { kind: 'none', detail: '' };
  }
}

function probeWebGl(): GpuProbe {
  try {
    if (typeof OffscreenCanvas === 'undefined') return { kind: 'none', detail: '' };
    const canvas = new OffscreenCanvas(1, 1);
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return { kind: 'none', detail: '' };
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { kind: isSoftwareRenderer(renderer) ? 'software' : 'hardware', detail: renderer };
  } catch {
    return { kind: 'none', detail: '' };
  }
}

let probed: Promise<MachineProbe> | null = null;

/** What this machine offers (probed once per worker). */
export function probeMachine(): Promise<MachineProbe> {
  probed ??= (async () => ({
    webgpu: await probeWebGpu(),
    webgl: probeWebGl(),
    wasm: typeof WebAssembly === 'object',
    missingKernels: (backend: BackendName, kernels: readonly string[]) =>
      kernels.filter((k) => !tf.getKernel(k, backend)),
  }))();
  return probed;
}

let current: { key: string; result: { backend: BackendName; reason: string } } | null = null;

/** Picks and starts a backend; returns it with a user-facing reason. */
export async function initBackend(
  choice: BackendChoice,
  needsConvGradients: boolean,
): Promise<{ backend: BackendName; reason: string }> {
  const key = `${choice}|${needsConvGradients}`;
  if (current?.key === key && tf.getBackend() === current.result.backend) return current.result;
  const probe = await probeMachine();
  const plan = planBackends(choice, needsConvGradients, probe);
  const failed: string[] = [];
  for (const backend of plan.order) {
    let started = false;
    let error = '';
    try {
      started = await tf.setBackend(backend);
      if (started) await tf.ready();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    if (started && tf.getBackend() === backend) {
      const result = { backend, reason: describeBackend(choice, backend, probe, plan, failed) };
      current = { key, result };
      return result;
    }
    failed.push(`${BACKEND_LABELS[backend]} failed to start${error ? ` (${error})` : ''}`);
  }
  throw new Error(`No TF.js backend could start: ${failed.join('; ')}. Reload the page and try again.`);
}
