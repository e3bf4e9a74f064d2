import type { WeightSource } from '../../export/modelFiles';
import { concatBuffers, decodeWeights, type WeightMap, type WeightsGroupSpec } from './compile';

/** Reads a model's weight shards (fetched from the server, or handed over as buffers) into tensors. */

const baseName = (path: string) => path.split('/').pop() ?? path;

/** Decodes a WeightSource into a WeightMap keyed "<original layer name>/<weight name>". */
export async function loadWeights(source: WeightSource, fetchImpl: typeof fetch = fetch): Promise<WeightMap> {
  const manifest = source.manifest as unknown as WeightsGroupSpec[];
  const groups = await Promise.all(
    source.manifest.map(async (group) => {
      const buffers = await Promise.all(
        group.paths.map(async (path) => {
          if (source.kind === 'buffers') {
            const buf = source.buffers[baseName(path)] ?? source.buffers[path];
            if (!buf)
              throw new Error(
                `The weight file "${baseName(path)}" is missing: open the model again with all its files.`,
              );
            return buf;
          }
          const url = `${source.baseUrl}${path}`;
          const res = await fetchImpl(url);
          if (!res.ok) {
            throw new Error(
              `The weight file ${url} could not be loaded (HTTP ${res.status}): check the connection and reload.`,
            );
          }
          return res.arrayBuffer();
        }),
      );
      return concatBuffers(buffers);
    }),
  );
  return decodeWeights(manifest, groups);
}
