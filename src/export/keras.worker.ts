/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { ModelFormatError } from '../core/keras';
import { readKerasFile } from './kerasFiles';
import { writeKerasArchive, writeKerasH5 } from './kerasWrite';
import type { KerasWorkerApi } from './kerasClient';

/**
 * HDF5 off the main thread: h5wasm (HDF5 in WebAssembly) parses and writes Keras files here, so
 * a 100 MB model neither freezes the page nor keeps the wasm heap in the page's memory.
 * ModelFormatError does not survive postMessage as a class: it travels as `{formatError}`.
 */
const api: KerasWorkerApi = {
  async read(bytes, label) {
    try {
      return { ok: true, model: await readKerasFile(new Uint8Array(bytes), label) };
    } catch (e) {
      if (e instanceof ModelFormatError) return { ok: false, message: e.message };
      throw e;
    }
  },
  async write(source, format) {
    const bytes = format === 'keras' ? await writeKerasArchive(source) : await writeKerasH5(source);
    return Comlink.transfer(bytes, [bytes.buffer]);
  },
};

Comlink.expose(api);
