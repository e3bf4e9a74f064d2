import { useId, useState, type ChangeEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { entriesFromFolderFiles, entriesFromLooseFiles } from '../data/intake';
import type { IntakeEntry } from '../data/types';
import { useDataset, type DatasetClass, type DatasetImage } from '../store/datasetStore';
import './dataset.css';

// Thumbnails per class before "Show more": enough to recognise a class, few enough for 5,000 images.
const FIRST_THUMBS = 6;
const MORE_THUMBS = 30;

// React has no prop for the directory picker; unknown attributes pass through as strings.
const DIRECTORY_PICKER = { webkitdirectory: '', directory: '' } as Record<string, string>;

/** Reads the chosen files, then empties the input so choosing the same files again still counts. */
function takeFiles(e: ChangeEvent<HTMLInputElement>, toEntries: (files: File[]) => IntakeEntry[]): void {
  const files = Array.from(e.currentTarget.files ?? []);
  e.currentTarget.value = '';
  if (files.length) void useDataset.getState().addFiles(toEntries(files));
}

function IntakeProgress({ done, total }: { done: number; total: number }) {
  return (
    <div className="dataset-progress">
      {total > 0 ? (
        <progress aria-label="Image intake" value={done} max={total} />
      ) : (
        <progress aria-label="Image intake" />
      )}
      <span className="hint">{total > 0 ? `Adding images: ${done} of ${total}` : 'Looking for images…'}</span>
    </div>
  );
}

function RenameForm({ name, onDone }: { name: string; onDone: () => void }) {
  const [text, setText] = useState(name);
  return (
    <form
      className="dataset-rename"
      onSubmit={(e) => {
        e.preventDefault();
        if (useDataset.getState().renameClass(name, text)) onDone();
      }}
    >
      <input
        type="text"
        aria-label={`New name for ${name}`}
        value={text}
        // The form opens on the user's click on Rename, so moving focus into it is expected.
        autoFocus
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onDone();
        }}
      />
      <button type="submit">Save</button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}

function Thumb({ image, classNames }: { image: DatasetImage; classNames: string[] }) {
  const { moveImage, removeImage } = useDataset.getState();
  return (
    <li className="dataset-thumb">
      <img
        src={image.thumbUrl}
        alt={image.name}
        title={`${image.name} (${image.width}×${image.height})`}
        loading="lazy"
      />
      <div className="dataset-thumb-actions">
        <select
          aria-label={`Move ${image.name} to class`}
          value=""
          disabled={classNames.length < 2}
          onChange={(e) => {
            if (e.target.value) moveImage(image.id, e.target.value);
          }}
        >
          <option value="">Move…</option>
          {classNames
            .filter((n) => n !== image.className)
            .map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
        </select>
        <button
          type="button"
          className="danger"
          aria-label={`Remove ${image.name}`}
          onClick={() => removeImage(image.id)}
        >
          ×
        </button>
      </div>
    </li>
  );
}

function ClassItem({
  cls,
  images,
  selected,
  classNames,
}: {
  cls: DatasetClass;
  images: Record<string, DatasetImage>;
  selected: boolean;
  classNames: string[];
}) {
  const [renaming, setRenaming] = useState(false);
  const [shown, setShown] = useState(FIRST_THUMBS);
  const countId = useId();
  const { selectClass, mergeClasses, deleteClass } = useDataset.getState();
  const others = classNames.filter((n) => n !== cls.name);
  const n = cls.imageIds.length;
  return (
    <li className={selected ? 'dataset-class selected' : 'dataset-class'}>
      <button
        type="button"
        className="dataset-class-select"
        aria-pressed={selected}
        aria-label={`Select class ${cls.name}`}
        aria-describedby={countId}
        onClick={() => selectClass(selected ? null : cls.name)}
      >
        <span id={countId} className="dataset-class-count">
          <bdi>{cls.name}</bdi>: {n} images
        </span>
      </button>
      {renaming ? (
        <RenameForm name={cls.name} onDone={() => setRenaming(false)} />
      ) : (
        <div className="dataset-class-actions">
          <button type="button" aria-label={`Rename class ${cls.name}`} onClick={() => setRenaming(true)}>
            Rename
          </button>
          <select
            aria-label={`Merge ${cls.name} into…`}
            value=""
            disabled={others.length === 0}
            onChange={(e) => {
              if (e.target.value) mergeClasses(cls.name, e.target.value);
            }}
          >
            <option value="">Merge into…</option>
            {others.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="danger"
            aria-label={`Delete class ${cls.name}`}
            onClick={() => deleteClass(cls.name)}
          >
            Delete
          </button>
        </div>
      )}
      {n > 0 ? (
        <ul className="dataset-thumbs">
          {cls.imageIds
            .slice(0, shown)
            .map((id) => (images[id] ? <Thumb key={id} image={images[id]} classNames={classNames} /> : null))}
        </ul>
      ) : null}
      {n > shown ? (
        <button type="button" className="link" onClick={() => setShown((s) => s + MORE_THUMBS)}>
          Show more of <bdi>{cls.name}</bdi> ({n - shown} not shown)
        </button>
      ) : shown > FIRST_THUMBS && n > FIRST_THUMBS ? (
        <button type="button" className="link" onClick={() => setShown(FIRST_THUMBS)}>
          Show fewer
        </button>
      ) : null}
    </li>
  );
}

/** The dataset: ways to add images, intake progress, and each class with its images. */
export function DatasetPanel() {
  const { classes, images, selectedClass, progress, persistent } = useDataset(
    useShallow((s) => ({
      classes: s.classes,
      images: s.images,
      selectedClass: s.selectedClass,
      progress: s.progress,
      persistent: s.persistent,
    })),
  );
  const classNames = classes.map((c) => c.name);
  return (
    <section className="panel dataset" aria-label="Dataset">
      <h2>Dataset</h2>
      <div className="dataset-add">
        <label className="dataset-file">
          Add image folder
          <input
            type="file"
            className="dataset-file-input"
            {...DIRECTORY_PICKER}
            onChange={(e) => takeFiles(e, entriesFromFolderFiles)}
          />
        </label>
        <label className="dataset-file">
          Add images
          <input
            type="file"
            className="dataset-file-input"
            multiple
            accept="image/*,.heic,.heif,.tif,.tiff,.zip"
            onChange={(e) => takeFiles(e, entriesFromLooseFiles)}
          />
        </label>
        <button type="button" onClick={() => useDataset.getState().createClass()}>
          New class
        </button>
      </div>
      <p className="hint">
        A folder's subfolders become classes. Images and folders (or a .zip of class folders) can also be
        dropped anywhere on the page.{' '}
        {selectedClass ? (
          <>
            Add images adds to <bdi>{selectedClass}</bdi>.
          </>
        ) : (
          'Select a class first, or Add images makes a new one.'
        )}
      </p>
      {!persistent ? <p className="hint">Kept in memory only: the dataset is lost on reload.</p> : null}
      {progress ? <IntakeProgress done={progress.done} total={progress.total} /> : null}
      {classes.length ? (
        <ul className="dataset-classes">
          {classes.map((c) => (
            <ClassItem
              key={c.name}
              cls={c}
              images={images}
              selected={c.name === selectedClass}
              classNames={classNames}
            />
          ))}
        </ul>
      ) : (
        <p className="hint">No images yet.</p>
      )}
    </section>
  );
}
