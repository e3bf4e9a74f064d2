import { useState } from 'react';
import { BUILTIN_MODELS } from '../export/modelFiles';
import { openBuiltin, openModelFiles } from './openModel';
import { ZooDialog, ZooSection } from './ZooMenu';

/** "Open model": the built-in models and the user's own model files. */
export function ModelMenu() {
  const [open, setOpen] = useState(false);
  return (
    <div className="model-menu">
      <button
        type="button"
        aria-expanded={open}
        aria-controls="open-model-panel"
        onClick={() => setOpen(!open)}
      >
        Open model
      </button>
      <div id="open-model-panel" className="menu-panel" hidden={!open} role="group" aria-label="Open model">
        <h3>Built-in models</h3>
        <ul>
          {BUILTIN_MODELS.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                onClick={() => {
                  setOpen(false);
                  void openBuiltin(m.id);
                }}
              >
                {m.title}
              </button>
              <span className="hint"> {m.note}</span>
            </li>
          ))}
        </ul>
        <ZooSection onPicked={() => setOpen(false)} />
        <h3>Your model</h3>
        <label className="file-label">
          Model files
          <input
            type="file"
            multiple
            accept=".json,.bin,.zip,.keras,.h5,.hdf5,application/json,application/zip"
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              e.target.value = '';
              if (files.length) {
                setOpen(false);
                void openModelFiles(files);
              }
            }}
          />
        </label>
        <p className="hint">
          A TF.js layers model (model.json with its weight files, or a .zip of them), or a Keras model
          (.keras, or legacy .h5, including Keras Applications MobileNet V2 weights). You can also drop them
          on the page.
        </p>
      </div>
      <ZooDialog />
    </div>
  );
}
