import * as Comlink from 'comlink';
import type { DecodeInput, DecodeResult, DecodeWorkerApi, UnzipResult } from './types';

/** Decoding as the dataset store sees it; tests give the store a fake one. */
export interface Decoder {
  /**
   * Decodes the inputs chunk by chunk, handing each chunk's results to `onChunk` in order and
   * waiting for it before handing the next, so storing and decoding overlap without piling up.
   * Stops handing out results once `signal` is aborted.
   */
  decode(
    inputs: DecodeInput[],
    onChunk: (results: DecodeResult[]) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<void>;
  unzip(file: File): Promise<UnzipResult>;
}

// Small enough that progress moves often and one chunk's state update stays cheap.
const CHUNK = 16;
// Chunks asked for ahead: the worker decodes the next while the page stores the last.
const AHEAD = 2;

/** The decoder backed by decode.worker.ts (started on first use, kept for the session). */
export function createWorkerDecoder(): Decoder {
  let api: Comlink.Remote<DecodeWorkerApi> | null = null;
  // Rejects when the worker dies or cannot start, so an intake fails with a message instead of hanging.
  let died: Promise<never> = new Promise(() => undefined);
  const remote = () => {
    if (!api) {
      const worker = new Worker(new URL('./decode.worker.ts', import.meta.url), {
        type: 'module',
        name: 'image-decode',
      });
      api = Comlink.wrap<DecodeWorkerApi>(worker);
      died = new Promise<never>((_, reject) => {
        worker.addEventListener('error', (e) => {
          // The next intake starts a fresh worker.
          api = null;
          worker.terminate();
          reject(new Error(`the image decoder stopped${e.message ? ` (${e.message})` : ''}`));
        });
      });
      died.catch(() => undefined);
    }
    return api;
  };
  const guarded = <T>(p: Promise<T>): Promise<T> => Promise.race([p, died]);
  return {
    async decode(inputs, onChunk, signal) {
      const chunks: DecodeInput[][] = [];
      for (let i = 0; i < inputs.length; i += CHUNK) chunks.push(inputs.slice(i, i + CHUNK));
      const inflight: Promise<DecodeResult[]>[] = [];
      let sent = 0;
      const send = () => {
        const p = guarded(remote().decode(chunks[sent++]));
        // Results of chunks abandoned by an abort must not surface as unhandled rejections.
        p.catch(() => undefined);
        inflight.push(p);
      };
      while (sent < chunks.length && inflight.length < AHEAD) send();
      while (inflight.length) {
        const results = await inflight.shift()!;
        if (signal?.aborted) return;
        if (sent < chunks.length) send();
        await onChunk(results);
      }
    },
    unzip: (file) => guarded(remote().unzip(file)),
  };
}
