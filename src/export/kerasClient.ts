import * as Comlink from 'comlink';
import { ModelFormatError } from '../core/keras';
import type { RawKerasModel } from './kerasFiles';
import type { ExportSource } from './kerasWrite';

/** The Keras worker's API (keras.worker.ts); the page imports only this type. */
export interface KerasWorkerApi {
  /** Reads a .keras or .h5 file; format problems come back as a message. */
  read(
    bytes: ArrayBuffer,
    label: string,
  ): Promise<{ ok: true; model: RawKerasModel } | { ok: false; message: string }>;
  /** Writes a TF.js export as a Keras 3 .keras archive or a legacy .h5 file. */
  write(source: ExportSource, format: 'keras' | 'h5'): Promise<Uint8Array>;
}

let worker: Worker | null = null;
let api: Comlink.Remote<KerasWorkerApi> | null = null;
let died: Promise<never> = new Promise(() => undefined);

function remote(): Comlink.Remote<KerasWorkerApi> {
  if (!api) {
    worker = new Worker(new URL('./keras.worker.ts', import.meta.url), {
      type: 'module',
      name: 'keras-files',
    });
    api = Comlink.wrap<KerasWorkerApi>(worker);
    const w = worker;
    died = new Promise<never>((_, reject) => {
      w.addEventListener('error', (e) => {
        // The next call starts a fresh worker.
        api = null;
        worker = null;
        w.terminate();
        reject(new Error(`the Keras file worker stopped${e.message ? ` (${e.message})` : ''}`));
      });
    });
    died.catch(() => undefined);
  }
  return api;
}

/** Reads a Keras file in the worker; throws ModelFormatError with the reader's advice. */
export async function readKerasInWorker(file: File): Promise<RawKerasModel> {
  const bytes = await file.arrayBuffer();
  const result = await Promise.race([remote().read(Comlink.transfer(bytes, [bytes]), file.name), died]);
  if (!result.ok) throw new ModelFormatError(result.message);
  return result.model;
}

/** Writes a Keras file in the worker. */
export function writeKerasInWorker(source: ExportSource, format: 'keras' | 'h5'): Promise<Uint8Array> {
  return Promise.race([remote().write(source, format), died]);
}
