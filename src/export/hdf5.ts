import h5wasm, { type File as H5File, type Group } from 'h5wasm';
import { ModelFormatError } from '../core/keras';

/**
 * HDF5 through h5wasm (HDF5 compiled to WebAssembly): files live in its in-memory file system
 * only while they are read or written. Works in a worker and in Node alike.
 */

let fileCounter = 0;

async function fs() {
  const module = await h5wasm.ready;
  return module.FS;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5 files start with a signature at 0, 512, 1024, 2048, ... (after an optional user block). */
function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let at = 0; at + 8 <= bytes.length && at <= 1 << 20; at = at ? at * 2 : 512) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

/** Opens HDF5 bytes in h5wasm's memory file system; `read` must not keep the file. */
export async function withH5<T>(bytes: Uint8Array, label: string, read: (f: H5File) => T): Promise<T> {
  if (!hasHdf5Signature(bytes)) {
    throw new ModelFormatError(
      `${label} is not an HDF5 file (or it is damaged): choose a Keras .h5 or .keras file.`,
    );
  }
  const FS = await fs();
  const path = `/retrain_in_${++fileCounter}.h5`;
  FS.writeFile(path, bytes);
  let file: H5File;
  try {
    file = new h5wasm.File(path, 'r');
  } catch {
    FS.unlink(path);
    throw new ModelFormatError(
      `${label} is not an HDF5 file (or it is damaged): choose a Keras .h5 or .keras file.`,
    );
  }
  try {
    return read(file);
  } finally {
    file.close();
    FS.unlink(path);
  }
}

/** Creates an HDF5 file in memory, lets `fill` write it and returns its bytes. */
export async function writeH5(fill: (f: H5File) => void): Promise<Uint8Array> {
  const FS = await fs();
  const path = `/retrain_out_${++fileCounter}.h5`;
  const file = new h5wasm.File(path, 'w', { libver: ['earliest', 'v110'] });
  try {
    fill(file);
  } finally {
    file.close();
  }
  const bytes = FS.readFile(path);
  FS.unlink(path);
  return bytes;
}

/** The group at `path`, created level by level (h5wasm creates one level per call). */
export function ensureGroup(root: Group, path: string): Group {
  let g = root;
  for (const part of path.split('/').filter(Boolean)) {
    const next = g.get(part);
    g = next instanceof h5wasm.Group ? next : g.create_group(part);
  }
  return g;
}
