import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../core/analysis';
import { ZOO_MODELS, zooEntry, type ZooEntry } from './zooCatalog';
import { cachedZooIds, downloadZooFiles, readCachedZooFiles, shardUrl } from './zooDownload';
import { generatedZooModel, servedZooModel, type ServedModel } from './zooFixtures';
import { zooDescriptor } from './zooModel';

/** An in-memory Cache Storage (Node has none): keeps responses by URL. */
class MemoryCaches {
  stores = new Map<string, Map<string, Response>>();
  async open(name: string) {
    const store = this.stores.get(name) ?? new Map<string, Response>();
    this.stores.set(name, store);
    return {
      put: async (url: string, res: Response) => void store.set(url, res),
      match: async (url: string) => store.get(url)?.clone(),
      delete: async (url: string) => store.delete(url),
    };
  }
}

/** A fetch that serves one model's files at the entry's URLs and records every request. */
function serve(entry: ZooEntry, model: ServedModel, status = 200) {
  const requests: string[] = [];
  const base = entry.url.slice(0, entry.url.lastIndexOf('/') + 1);
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    requests.push(url);
    init?.signal?.throwIfAborted();
    const file = url.startsWith(base) ? model.files[url.slice(base.length)] : undefined;
    if (!file || status !== 200) return new Response('not found', { status: file ? status : 404 });
    return new Response(file.slice());
  }) as typeof fetch;
  return { fetchImpl, requests };
}

const v2 = zooEntry('mobilenet_v2_0.35')!;
const v1 = zooEntry('mobilenet_v1_0.25')!;

describe('zoo download', () => {
  it('downloads model.json and every shard with progress, then opens from the cache', async () => {
    const model = servedZooModel(v2);
    const { fetchImpl, requests } = serve(v2, model);
    const storage = new MemoryCaches() as unknown as CacheStorage;
    const progress: [number, number | null][] = [];
    const files = await downloadZooFiles(v2, {
      fetchImpl,
      cacheStorage: storage,
      onProgress: (d, t) => progress.push([d, t]),
    });
    const total = Object.values(model.files).reduce((n, f) => n + f.byteLength, 0);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(progress.some(([d]) => d > 0 && d < total)).toBe(true);
    expect(requests[0]).toBe(v2.url);
    expect(requests.every((u) => u.startsWith('https://storage.googleapis.com/'))).toBe(true);
    expect(Object.keys(files.buffers).length).toBe(Object.keys(model.files).length - 1);
    expect([...(await cachedZooIds(ZOO_MODELS, storage))]).toEqual([v2.id]);
    const cached = await readCachedZooFiles(v2, storage);
    expect(cached?.modelJson).toBe(files.modelJson);
    for (const [path, buf] of Object.entries(files.buffers)) {
      // Buffer.compare: a deep toEqual over a million bytes takes seconds.
      expect(Buffer.compare(Buffer.from(cached!.buffers[path]), Buffer.from(buf))).toBe(0);
    }
  });

  it('turns an HTTP error and a network failure into messages that say where and what next', async () => {
    const { fetchImpl } = serve(v2, servedZooModel(v2), 503);
    await expect(downloadZooFiles(v2, { fetchImpl, cacheStorage: null })).rejects.toThrow(
      /HTTP 503.*try again later/,
    );
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    await expect(downloadZooFiles(v2, { fetchImpl: offline, cacheStorage: null })).rejects.toThrow(
      /storage\.googleapis\.com.*offline.*Check the connection/,
    );
  });

  it('refuses truncated shards and caches nothing', async () => {
    const model = servedZooModel(v2);
    const shard = Object.keys(model.files).find((n) => n !== 'model.json')!;
    const broken = { ...model, files: { ...model.files, [shard]: model.files[shard].slice(1) } };
    const storage = new MemoryCaches() as unknown as CacheStorage;
    await expect(
      downloadZooFiles(v2, { fetchImpl: serve(v2, broken).fetchImpl, cacheStorage: storage }),
    ).rejects.toThrow(/cut short/);
    expect((await cachedZooIds(ZOO_MODELS, storage)).size).toBe(0);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const { fetchImpl } = serve(v2, servedZooModel(v2));
    await expect(
      downloadZooFiles(v2, { fetchImpl, cacheStorage: null, signal: controller.signal }),
    ).rejects.toHaveProperty('name', 'AbortError');
  });

  it('never leaves the zoo host for a shard', () => {
    expect(() => shardUrl(v2, 'https://example.com/x.bin')).toThrow(
      /outside https:\/\/storage\.googleapis\.com/,
    );
    expect(shardUrl(v2, 'group1-shard1of1.bin')).toBe(v2.url.replace('model.json', 'group1-shard1of1.bin'));
  });
});

describe('zoo descriptor', () => {
  it.each([v2, v1])('opens $title frozen with the suggested head, its weights all present', async (entry) => {
    const files = await downloadZooFiles(entry, {
      fetchImpl: serve(entry, servedZooModel(entry)).fetchImpl,
      cacheStorage: null,
    });
    const d = zooDescriptor(entry, files, 3);
    expect(d.preprocessing).toBe('-1..1');
    expect(d.inputSize).toEqual([224, 224]);
    const head = d.graph.layers.slice(-3);
    expect(head.map((l) => l.className)).toEqual(['GlobalAveragePooling2D', 'Dropout', 'Dense']);
    expect(d.appHead).toBe(head[2].name);
    expect(head[2].config.units).toBe(3);
    expect(head[0].inbound).toEqual([entry.cutAt ?? 'out_relu']);
    const a = analyzeGraph(d.graph);
    expect(a.problems).toEqual([]);
    const backbone = d.graph.layers.slice(0, -3);
    expect(backbone.every((l) => !l.trainable)).toBe(true);
    if (!servedZooModel(entry).origin.includes('generated')) {
      // The shared float copy: the backbone's parameters are the catalog's count.
      expect(a.frozenParams).toBe(entry.params);
    }
    // The ImageNet top of V1 is gone.
    expect(d.graph.layers.some((l) => l.name === 'conv_preds')).toBe(false);
  });

  it.each([v2, v1])(
    'opens the generated stand-in for $title (used when ../shared is absent)',
    async (entry) => {
      const files = await downloadZooFiles(entry, {
        fetchImpl: serve(entry, generatedZooModel(entry.family)).fetchImpl,
        cacheStorage: null,
      });
      const d = zooDescriptor(entry, files, 4);
      const a = analyzeGraph(d.graph);
      expect(a.problems).toEqual([]);
      expect(a.layers.get(d.appHead!)!.shape).toEqual([null, 4]);
      expect(d.graph.layers.some((l) => l.name === 'conv_preds')).toBe(false);
    },
  );
});
