import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BUILTIN_MODELS } from '../export/modelFiles';
import {
  RECOMMENDED_ZOO_ID,
  ZOO_HOST,
  ZOO_MODELS,
  formatBytes,
  formatParams,
  zooEntry,
} from '../export/zooCatalog';
import { useEditor } from '../store/editorStore';
import { useZoo } from '../store/zooStore';
import { openBuiltin } from './openModel';

/** The embedded nsfwjs models, listed in the zoo for comparison (offline, 8-bit weights). */
const EMBEDDED = BUILTIN_MODELS.filter((m) => m.id !== 'tiny_cnn');

/** "Model zoo" section of the Open model panel: float backbones to download, and the embedded ones. */
export function ZooSection({ onPicked }: { onPicked: () => void }) {
  const { cached, downloading, pick } = useZoo(
    useShallow((s) => ({ cached: s.cached, downloading: s.downloading, pick: s.pick })),
  );
  return (
    <section aria-label="Model zoo" className="zoo">
      <h3>Model zoo</h3>
      <p className="hint">
        Float32 ImageNet backbones, downloaded from {ZOO_HOST} only when you confirm, then kept in this
        browser for offline use. Each opens frozen with a suggested head.
      </p>
      <ul className="zoo-list">
        {ZOO_MODELS.map((m) => {
          const isCached = cached.includes(m.id);
          return (
            <li key={m.id}>
              <button
                type="button"
                disabled={downloading !== null}
                onClick={() => {
                  onPicked();
                  void pick(m.id);
                }}
              >
                {m.title}
                {isCached ? ' (cached)' : ''}
              </button>
              <span className="hint">
                {' '}
                {m.inputSize.join('×')} · {formatParams(m.params)} params · {formatBytes(m.downloadBytes)}
                {isCached ? ' (cached, opens offline)' : ' download'} · ImageNet top-1 {m.top1}% (
                {m.top1Source}) · {m.licence} · source <code>{m.url}</code>
              </span>
            </li>
          );
        })}
        {EMBEDDED.map((m) => (
          <li key={m.id}>
            <button
              type="button"
              onClick={() => {
                onPicked();
                void openBuiltin(m.id);
              }}
            >
              nsfwjs {m.title} (embedded, 8-bit weights)
            </button>
            <span className="hint"> offline, {m.note}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Asks before a download, then shows its progress with a Cancel button. */
export function ZooDialog() {
  const { pending, downloading, confirm, cancel } = useZoo(
    useShallow((s) => ({
      pending: s.pending,
      downloading: s.downloading,
      confirm: s.confirm,
      cancel: s.cancel,
    })),
  );
  const entry = zooEntry(pending ?? downloading?.id ?? '');
  if (!entry) return null;
  if (downloading) {
    const { done, total } = downloading;
    return (
      <div role="dialog" aria-label={`Downloading ${entry.title}`} className="zoo-dialog">
        <p>
          Downloading {entry.title} from {ZOO_HOST}: {formatBytes(done)}
          {total ? ` of ${formatBytes(total)}` : ''}
        </p>
        <progress aria-label="Download progress" max={total ?? undefined} value={total ? done : undefined} />
        <button type="button" onClick={cancel}>
          Cancel download
        </button>
      </div>
    );
  }
  return (
    <div role="dialog" aria-label={`Download ${entry.title}?`} className="zoo-dialog">
      <p>
        <strong>Download {entry.title}?</strong> {formatBytes(entry.downloadBytes)} from{' '}
        <code>{entry.url}</code> ({entry.licence}). It is kept in this browser afterwards, so it opens
        offline. Nothing of yours is sent.
      </p>
      <button type="button" className="primary" onClick={() => void confirm()}>
        Download
      </button>
      <button type="button" onClick={cancel}>
        Cancel
      </button>
    </div>
  );
}

/**
 * The recommended default: a first-time visitor works with the embedded model at once and is
 * told the float one is one click away; once it is cached, it is offered as the starting model.
 */
export function ZooHint() {
  const { cached, refreshCached, pick, busy } = useZoo(
    useShallow((s) => ({
      cached: s.cached,
      refreshCached: s.refreshCached,
      pick: s.pick,
      busy: s.downloading !== null || s.pending !== null,
    })),
  );
  const modelId = useEditor((s) => s.model?.id);
  useEffect(() => {
    void refreshCached();
  }, [refreshCached]);
  const entry = zooEntry(RECOMMENDED_ZOO_ID)!;
  if (!modelId?.startsWith('builtin:') || busy) return null;
  const isCached = cached.includes(entry.id);
  return (
    <p className="zoo-hint hint">
      {isCached
        ? `The float ${entry.title} is in this browser (higher accuracy than the embedded 8-bit model). `
        : `For higher accuracy, the float ${entry.title} (${formatBytes(entry.downloadBytes)}) is one click away. `}
      <button type="button" className="link" onClick={() => void pick(entry.id)}>
        {isCached ? 'Use float backbone (cached)' : 'Get float backbone'}
      </button>
    </p>
  );
}
