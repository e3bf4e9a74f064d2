import { describe, expect, it } from 'vitest';
import { describeBackend, isSoftwareRenderer, planBackends, type MachineProbe } from './backendPlan';

/** A machine: GPU kinds, and WASM lacking the conv filter gradient as TF.js 4.22 does. */
function machine(
  webgpu: 'none' | 'software' | 'hardware',
  webgl: 'none' | 'software' | 'hardware',
): MachineProbe {
  return {
    webgpu: { kind: webgpu, detail: webgpu === 'software' ? 'google swiftshader' : 'nvidia ampere' },
    webgl: {
      kind: webgl,
      detail: webgl === 'software' ? 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device))' : 'ANGLE (NVIDIA)',
    },
    wasm: true,
    missingKernels: (backend, kernels) =>
      backend === 'wasm' ? kernels.filter((k) => k.endsWith('Filter')) : [],
  };
}

const reason = (choice: Parameters<typeof planBackends>[0], conv: boolean, probe: MachineProbe) => {
  const plan = planBackends(choice, conv, probe);
  return {
    first: plan.order[0],
    order: plan.order,
    text: describeBackend(choice, plan.order[0], probe, plan),
  };
};

describe('planBackends', () => {
  it('auto prefers hardware WebGPU, then hardware WebGL', () => {
    expect(reason('auto', true, machine('hardware', 'hardware')).first).toBe('webgpu');
    const gl = reason('auto', true, machine('none', 'hardware'));
    expect(gl.first).toBe('webgl');
    expect(gl.text).toBe('WebGL: no WebGPU adapter found.');
  });

  it('auto skips software renderers for WASM, and says why', () => {
    const r = reason('auto', false, machine('software', 'software'));
    expect(r.order).toEqual(['wasm', 'cpu']);
    expect(r.text).toBe('WASM: WebGPU and WebGL use a software renderer here.');
  });

  it('auto skips WASM when convolutions must be trained, and takes even a software WebGL over CPU', () => {
    const r = reason('auto', true, machine('software', 'software'));
    expect(r.order).toEqual(['webgl', 'cpu']);
    expect(r.text).toMatch(
      /^WebGL: .*WASM cannot train convolution layers \(it has no Conv2DBackpropFilter kernel\)/,
    );
    expect(reason('auto', true, machine('none', 'none')).order).toEqual(['cpu']);
  });

  it('an explicit WASM choice that cannot train convolutions falls back and says so', () => {
    const r = reason('wasm', true, machine('software', 'software'));
    expect(r.order).toEqual(['webgl', 'cpu']);
    expect(r.text).toMatch(/^WebGL instead of WASM: WASM cannot train convolution layers/);
    expect(reason('wasm', false, machine('software', 'software')).text).toBe('WASM: as chosen.');
  });

  it('an explicit software GPU is honoured, with a warning', () => {
    const r = reason('webgpu', false, machine('software', 'none'));
    expect(r.order[0]).toBe('webgpu');
    expect(r.text).toMatch(/software renderer here \(google swiftshader\)/);
  });

  it('an unavailable explicit choice falls back along the auto order', () => {
    const r = reason('webgpu', false, machine('none', 'hardware'));
    expect(r.order).toEqual(['webgl', 'wasm', 'cpu']);
    expect(r.text).toBe('WebGL instead of WebGPU: no WebGPU adapter found.');
  });

  it('names backends that failed to start', () => {
    const probe = machine('hardware', 'software');
    const plan = planBackends('auto', false, probe);
    expect(plan.order).toEqual(['webgpu', 'wasm', 'cpu']);
    expect(describeBackend('auto', 'wasm', probe, plan, ['WebGPU failed to start (device lost)'])).toBe(
      'WASM: WebGL uses a software renderer here; WebGPU failed to start (device lost).',
    );
  });

  it('recognises software renderers', () => {
    expect(isSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)))')).toBe(true);
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3080)')).toBe(false);
  });
});
