import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { deleteSelection } from '../actions/deleteSelection';
import { renameLayer, updateLayerConfig } from '../actions/editLayer';
import { freezeAllUpToHere, toggleFreeze, unfreezeFromHere } from '../actions/freeze';
import { runAction } from '../actions/manager';
import { getLayerSpec } from '../core/layers/registry';
import type { FieldSpec } from '../core/layers/spec';
import type { JsonValue, LayerNode } from '../core/types';
import { formatShape } from '../canvas/format';
import { useEditor } from '../store/editorStore';

/** Text shown in an input for a config value. */
function toText(_field: FieldSpec, value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/** Parses the input's text; an error string when it is not valid for the field. */
function parse(field: FieldSpec, text: string): { value: JsonValue } | { error: string } {
  const t = text.trim();
  if (field.kind === 'int' || field.kind === 'float') {
    if (t === '') return { error: `${field.label} needs a number.` };
    const n = Number(t);
    if (!Number.isFinite(n)) return { error: `${field.label} must be a number.` };
    if (field.kind === 'int' && !Number.isInteger(n))
      return { error: `${field.label} must be a whole number.` };
    if (field.min !== undefined && n < field.min)
      return { error: `${field.label} must be at least ${field.min}.` };
    if (field.max !== undefined && n > field.max)
      return { error: `${field.label} must be at most ${field.max}.` };
    return { value: n };
  }
  if (field.kind === 'intList') {
    const parts = t
      .split(/[\s,x×]+/)
      .filter(Boolean)
      .map(Number);
    if (parts.length === 0 || parts.some((n) => !Number.isInteger(n))) {
      return { error: `${field.label} must be whole numbers separated by commas.` };
    }
    if (field.length && parts.length === 1) return { value: Array(field.length).fill(parts[0]) };
    if (field.length && parts.length !== field.length)
      return { error: `${field.label} needs ${field.length} numbers.` };
    return { value: parts };
  }
  return { value: t };
}

function FieldInput({ layer, field }: { layer: LayerNode; field: FieldSpec }) {
  const value = layer.config[field.key];
  const [text, setText] = useState(toText(field, value));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setText(toText(field, value));
    setError(null);
  }, [field, value, layer.name]);
  const id = `field-${field.key}`;
  const commit = (v: JsonValue) =>
    runAction(updateLayerConfig, { name: layer.name, key: field.key, value: v });

  if (field.kind === 'enum') {
    return (
      <label className="field" htmlFor={id}>
        <span>{field.label}</span>
        <select id={id} value={String(value ?? '')} onChange={(e) => commit(e.target.value)}>
          {(field.options ?? []).map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
          {value !== undefined && !(field.options ?? []).includes(String(value)) ? (
            <option value={String(value)}>{String(value)}</option>
          ) : null}
        </select>
      </label>
    );
  }
  if (field.kind === 'bool') {
    return (
      <label className="field field-check" htmlFor={id}>
        <input id={id} type="checkbox" checked={value === true} onChange={(e) => commit(e.target.checked)} />
        <span>{field.label}</span>
      </label>
    );
  }
  return (
    <label className="field" htmlFor={id}>
      <span>{field.label}</span>
      <input
        id={id}
        type={field.kind === 'int' || field.kind === 'float' ? 'number' : 'text'}
        step={field.kind === 'float' ? 'any' : 1}
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const r = parse(field, e.target.value);
          if ('error' in r) setError(r.error);
          else {
            setError(null);
            commit(r.value);
          }
        }}
      />
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : null}
    </label>
  );
}

function NameInput({ layer }: { layer: LayerNode }) {
  const [text, setText] = useState(layer.name);
  useEffect(() => setText(layer.name), [layer.name]);
  const commit = () => {
    if (text.trim() !== layer.name && !runAction(renameLayer, { from: layer.name, to: text }))
      setText(layer.name);
  };
  return (
    <label className="field" htmlFor="field-name">
      <span>Name</span>
      <input
        id="field-name"
        type="text"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setText(layer.name);
        }}
      />
    </label>
  );
}

/** Edits the selected layer's config, name and freeze state. */
export function Inspector() {
  const { layer, info, count } = useEditor(
    useShallow((s) => {
      const name = s.selection.length === 1 ? s.selection[0] : undefined;
      return {
        layer: name ? s.graph?.layers.find((l) => l.name === name) : undefined,
        info: name ? s.analysis?.layers.get(name) : undefined,
        count: s.selection.length,
      };
    }),
  );
  const spec = layer ? getLayerSpec(layer.className) : undefined;
  return (
    <section className="panel inspector" aria-label="Inspector">
      <h2>Inspector</h2>
      {!layer ? (
        <p className="hint">
          {count > 1 ? `${count} layers selected. Delete removes them all.` : 'Click a layer to edit it.'}
        </p>
      ) : (
        <form onSubmit={(e) => e.preventDefault()} key={layer.name}>
          <p className="inspector-class">
            <strong>{layer.className}</strong> · output {formatShape(info?.shape)} · {info?.params ?? 0}{' '}
            params
            {layer.weightsKey ? ' · pretrained weights' : ' · new weights'}
          </p>
          {info?.error ? <p className="field-error">{info.error}</p> : null}
          <NameInput layer={layer} />
          {(spec?.fields ?? []).map((f) => (
            <FieldInput key={f.key} layer={layer} field={f} />
          ))}
          <div className="inspector-actions">
            <button
              type="button"
              aria-pressed={!layer.trainable}
              onClick={() => runAction(toggleFreeze, { name: layer.name })}
            >
              {layer.trainable ? 'Freeze layer' : 'Unfreeze layer'}
            </button>
            <button type="button" onClick={() => runAction(freezeAllUpToHere, { name: layer.name })}>
              Freeze all up to here
            </button>
            <button type="button" onClick={() => runAction(unfreezeFromHere, { name: layer.name })}>
              Unfreeze from here
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => runAction(deleteSelection, { names: [layer.name] })}
            >
              Delete layer
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
