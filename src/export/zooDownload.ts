import { ModelFormatError } from '../core/keras';
import { groupByteLength, parseModelJson } from './modelFiles';
import { ZOO_HOST, type ZooEntry } from './zooCatalog';

/**
 * Downloads a zoo model (model.json, then its shards) with progress and cancel, and keeps it in
 * Cache Storage so that it opens offline afterwards. model.json goes into the cache last: its
 * presence marks a complete copy. Only ZOO_HOST is ever contacted.
 */

export const ZOO_CACHE_NAME = 'retrain-model-zoo-v1';

export interface ZooFiles {
  modelJson: string;
  /** Shard bytes by the path model.json names them with. */
  buffers: Record<string, ArrayBuffer>;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Bytes received so far and the total expected (known once model.json is in). */
  onProgress?: (done: number, total: number | null) => void;
  fetchImpl?: typeof fetch;
  cacheStorage?: CacheStorage | null;
}

function defaultCaches(): CacheStorage | null {
  return typeof caches === 'undefined' ? null : caches;
}

/** The URL of a file model.json names, refused when it would leave the zoo's host. */
export function shardUrl(entry: ZooEntry, path: string): string {
  const url = new URL(path, entry.url);
  if (url.origin !== ZOO_HOST) {
    throw new ModelFormatError(
      `${entry.url} names the weight file "${path}" outside ${ZOO_HOST}, which the zoo does not download from: the file is not the model the zoo lists.`,
    );
  }
  return url.href;
}

const isAbort = (e: unknown) => (e as { name?: string } | null)?.name === 'AbortError';

async function get(
  url: string,
  entry: ZooEntry,
  fetchImpl: typeof fetch,
  signal: AbortSignal | undefined,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetchImpl(url, { signal, credentials: 'omit' });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new ModelFormatError(
      `the download of ${entry.title} from ${ZOO_HOST} failed (${(e as Error).message || 'network error'}): you may be offline, or a firewall, proxy or extension blocks ${ZOO_HOST}. Check the connection and try again.`,
    );
  }
  if (!res.ok) {
    throw new ModelFormatError(
      `${url} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} while downloading ${entry.title}: try again later, or pick another model of the zoo.`,
    );
  }
  return res;
}

/** Reads a response body, reporting each chunk. */
async function readBody(res: Response, onChunk: (bytes: number) => void): Promise<ArrayBuffer> {
  if (!res.body) {
    const buf = await res.arrayBuffer();
    onChunk(buf.byteLength);
    return buf;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    onChunk(value.byteLength);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out.buffer;
}

/** Downloads an entry's files, checks their sizes against model.json, and caches them. */
export async function downloadZooFiles(entry: ZooEntry, options: DownloadOptions = {}): Promise<ZooFiles> {
  const fetchImpl = options.fetchImpl ?? fetch.bind(globalThis);
  const { signal, onProgress } = options;
  onProgress?.(0, null);
  const jsonRes = await get(entry.url, entry, fetchImpl, signal);
  const modelJson = await jsonRes.text();
  const parsed = parseModelJson(modelJson, `${entry.title} model.json`);
  const jsonBytes = new TextEncoder().encode(modelJson).byteLength;
  const total = jsonBytes + parsed.manifest.reduce((sum, g) => sum + groupByteLength(g), 0);
  let done = jsonBytes;
  onProgress?.(done, total);
  const buffers: Record<string, ArrayBuffer> = {};
  for (const group of parsed.manifest) {
    let got = 0;
    for (const path of group.paths) {
      const res = await get(shardUrl(entry, path), entry, fetchImpl, signal);
      const buf = await readBody(res, (n) => {
        done += n;
        onProgress?.(Math.min(done, total), total);
      });
      buffers[path] = buf;
      got += buf.byteLength;
    }
    const want = groupByteLength(group);
    if (got !== want) {
      throw new ModelFormatError(
        `the weight files ${group.paths.join(', ')} of ${entry.title} hold ${got} bytes but its model.json describes ${want}: the download was cut short or the files changed. Try again.`,
      );
    }
  }
  signal?.throwIfAborted();
  await storeInCache(entry, { modelJson, buffers }, options.cacheStorage);
  return { modelJson, buffers };
}

async function storeInCache(entry: ZooEntry, files: ZooFiles, storage = defaultCaches()): Promise<void> {
  if (!storage) return;
  try {
    const cache = await storage.open(ZOO_CACHE_NAME);
    for (const [path, buf] of Object.entries(files.buffers)) {
      await cache.put(
        shardUrl(entry, path),
        new Response(buf, { headers: { 'Content-Type': 'application/octet-stream' } }),
      );
    }
    await cache.put(
      entry.url,
      new Response(files.modelJson, { headers: { 'Content-Type': 'application/json' } }),
    );
  } catch {
    // A full or refused cache only costs the offline copy: the model still opens now.
  }
}

/** The cached copy of an entry, or null when there is none (or it is incomplete). */
export async function readCachedZooFiles(
  entry: ZooEntry,
  storage = defaultCaches(),
): Promise<ZooFiles | null> {
  if (!storage) return null;
  try {
    const cache = await storage.open(ZOO_CACHE_NAME);
    const jsonRes = await cache.match(entry.url);
    if (!jsonRes) return null;
    const modelJson = await jsonRes.text();
    const parsed = parseModelJson(modelJson, `${entry.title} model.json`);
    const buffers: Record<string, ArrayBuffer> = {};
    for (const group of parsed.manifest) {
      for (const path of group.paths) {
        const res = await cache.match(shardUrl(entry, path));
        if (!res) return null;
        buffers[path] = await res.arrayBuffer();
      }
    }
    return { modelJson, buffers };
  } catch {
    return null;
  }
}

/** Ids of the entries with a complete copy in the cache (model.json is stored last). */
export async function cachedZooIds(
  entries: readonly ZooEntry[],
  storage = defaultCaches(),
): Promise<Set<string>> {
  const out = new Set<string>();
  if (!storage) return out;
  try {
    const cache = await storage.open(ZOO_CACHE_NAME);
    for (const e of entries) if (await cache.match(e.url)) out.add(e.id);
  } catch {
    // No cache: nothing is marked cached.
  }
  return out;
}

/** Drops a cached copy (a copy that no longer opens). */
export async function forgetZooFiles(entry: ZooEntry, storage = defaultCaches()): Promise<void> {
  if (!storage) return;
  try {
    const cache = await storage.open(ZOO_CACHE_NAME);
    await cache.delete(entry.url);
  } catch {
    // Nothing to forget.
  }
}
