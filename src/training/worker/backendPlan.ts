import type { BackendChoice, BackendName } from '../shared/types';

/**
 * Which TF.js backend to use, decided from what the machine offers. Pure, so the rules can be
 * tested without a browser: backend.ts probes the machine and starts the plan's first backend
 * that initialises.
 */

/** What one GPU path offers: none, a software renderer (SwiftShader...), or real hardware. */
export interface GpuProbe {
  kind: 'none' | 'software' | 'hardware';
  /** Adapter or renderer description, for the reason text. */
  detail: string;
}

export interface MachineProbe {
  webgpu: GpuProbe;
  webgl: GpuProbe;
  wasm: boolean;
  /** Kernels among `kernels` that `backend` lacks. */
  missingKernels(backend: BackendName, kernels: readonly string[]): string[];
}

/** Gradient kernels that training through convolutions needs. */
export const CONV_GRADIENT_KERNELS: readonly string[] = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
];

export const BACKEND_LABELS: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WASM',
  cpu: 'CPU',
};

const AUTO_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** Software GPU renderers, which run far slower than WASM on the same CPU. */
export function isSoftwareRenderer(description: string): boolean {
  return /swiftshader|llvmpipe|softpipe|software rasterizer|basic render driver/i.test(description);
}

export interface BackendPlan {
  /** Backends to try, best first; CPU is always last. */
  order: BackendName[];
  /** Backends passed over, with why (user-facing clauses), in preference order. */
  skipped: { backend: BackendName; note: string }[];
}

/** Why `backend` is not worth using here, or null when it is. */
function refusal(
  backend: BackendName,
  probe: MachineProbe,
  needsConvGradients: boolean,
  explicit: boolean,
): string | null {
  const label = BACKEND_LABELS[backend];
  if (backend === 'webgpu' || backend === 'webgl') {
    const gpu = probe[backend];
    if (gpu.kind === 'none')
      return backend === 'webgpu' ? 'no WebGPU adapter found' : 'WebGL is not available';
    // A software WebGL still trains convolutions far faster than TF.js's pure-JS CPU kernels
    // (WASM has none): keep it as the fallback for conv training, and skip it otherwise.
    const softwareOk = backend === 'webgl' && needsConvGradients;
    if (gpu.kind === 'software' && !explicit && !softwareOk) return `${label} uses a software renderer here`;
    return null;
  }
  if (backend === 'wasm') {
    if (!probe.wasm) return 'WebAssembly is not available';
    if (needsConvGradients) {
      const missing = probe.missingKernels('wasm', CONV_GRADIENT_KERNELS);
      if (missing.length) return `WASM cannot train convolution layers (it has no ${missing[0]} kernel)`;
    }
  }
  return null;
}

/** Joins "WebGPU uses a software renderer here" and "WebGL uses ..." into one clause. */
function mergeNotes(notes: string[]): string[] {
  const soft = notes.filter((n) => n.endsWith(' uses a software renderer here'));
  if (soft.length < 2) return notes;
  const names = soft.map((n) => n.slice(0, n.indexOf(' uses')));
  const merged = `${names.join(' and ')} use a software renderer here`;
  const rest = notes.filter((n) => !soft.includes(n));
  return [...rest, merged];
}

/** Orders the backends to try for a choice; explicit choices fall back along the auto order. */
export function planBackends(
  choice: BackendChoice,
  needsConvGradients: boolean,
  probe: MachineProbe,
): BackendPlan {
  const skipped: BackendPlan['skipped'] = [];
  const order: BackendName[] = [];
  if (choice !== 'auto') {
    const why = refusal(choice, probe, needsConvGradients, true);
    if (why) skipped.push({ backend: choice, note: why });
    else order.push(choice);
  }
  // An explicit choice that cannot work falls back to the best of the others.
  const rest = AUTO_ORDER;
  for (const backend of rest) {
    if (order.includes(backend) || backend === choice) continue;
    const why = refusal(backend, probe, needsConvGradients, false);
    if (why === null) order.push(backend);
    else skipped.push({ backend, note: why });
  }
  if (!order.includes('cpu')) order.push('cpu');
  return { order, skipped };
}

/**
 * The user-facing sentence for the backend that started: why the backends preferred over it
 * were passed over (`failed`: those that did not start), or why it is a good pick.
 */
export function describeBackend(
  choice: BackendChoice,
  chosen: BackendName,
  probe: MachineProbe,
  plan: BackendPlan,
  failed: readonly string[] = [],
): string {
  const label = BACKEND_LABELS[chosen];
  const head =
    choice !== 'auto' && choice !== chosen ? `${label} instead of ${BACKEND_LABELS[choice]}` : label;
  const rank = (b: BackendName) => (b === choice ? -1 : AUTO_ORDER.indexOf(b));
  const gpuKind = chosen === 'webgpu' || chosen === 'webgl' ? probe[chosen].kind : null;
  // WASM passed over for convolutions matters when what runs instead is slower than WASM would be.
  const convRefusal =
    chosen === 'cpu' || gpuKind === 'software'
      ? plan.skipped.find((s) => s.backend === 'wasm' && /convolution/.test(s.note))
      : undefined;
  // When WASM was passed over for convolutions, that is the reason that matters, wherever it ranks.
  const notes = plan.skipped
    .filter((s) => rank(s.backend) < rank(chosen) || s === convRefusal)
    .map((s) => s.note);
  const gpu = chosen === 'webgpu' || chosen === 'webgl' ? probe[chosen] : null;
  if (gpu?.kind === 'software' && convRefusal) {
    notes.push(
      `${label} runs on a software renderer here (${gpu.detail || 'no GPU'}), still faster than the CPU backend for convolutions`,
    );
  } else if (gpu?.kind === 'software') {
    notes.push(
      `${label} runs on a software renderer here (${gpu.detail || 'no GPU'}), which can be many times slower than WASM`,
    );
  }
  const all = [...mergeNotes(notes), ...failed];
  if (all.length) return `${head}: ${all.join('; ')}.`;
  if (gpu) return `${head}: hardware GPU${gpu.detail ? ` (${gpu.detail})` : ''}.`;
  if (choice !== 'auto') return `${head}: as chosen.`;
  return chosen === 'wasm'
    ? `${head}: the fastest backend here.`
    : `${head}: the only backend that works here.`;
}
