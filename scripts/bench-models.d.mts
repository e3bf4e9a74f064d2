/** Types for bench-models.mjs (plain ESM shared by the benchmark and the e2e specs). */
export function deepModel(
  layerCount: number,
  width?: number,
): { json: string; bin: Buffer; layerCount: number };
