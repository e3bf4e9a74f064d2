import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { downloadFile } from '../export/exportZip';
import { useProjects } from '../store/projectStore';

/** Bytes as "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "Projects": the saved projects, and a whole project as one file. */
export function ProjectsMenu() {
  const [open, setOpen] = useState(false);
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);
  const { list, currentId, usage, busy, persistent } = useProjects(
    useShallow((s) => ({
      list: s.list,
      currentId: s.currentId,
      usage: s.usage,
      busy: s.busy,
      persistent: s.persistent,
    })),
  );
  const projects = useProjects.getState();
  const toggle = () => {
    if (!open) void projects.refreshUsage();
    setOpen(!open);
  };
  const sorted = [...list].sort((a, b) => b.updated - a.updated);

  return (
    <div className="model-menu projects-menu">
      <button type="button" aria-expanded={open} aria-controls="projects-panel" onClick={toggle}>
        Projects
      </button>
      <div id="projects-panel" className="menu-panel" hidden={!open} role="group" aria-label="Projects">
        <div className="project-actions">
          <button type="button" disabled={!!busy} onClick={() => void projects.newProject()}>
            New project
          </button>
          <button
            type="button"
            disabled={!!busy}
            onClick={() =>
              void projects.saveFile().then((file) => {
                if (file) downloadFile(file.data as BlobPart, file.fileName, 'application/zip');
              })
            }
          >
            Save project file
          </button>
          <label className="file-label">
            Open project file
            <input
              type="file"
              accept=".zip,application/zip"
              disabled={!!busy}
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = '';
                if (f) void projects.openFile(f);
              }}
            />
          </label>
        </div>
        {busy ? <p role="status">{busy}</p> : null}
        <h3>Saved projects</h3>
        <ul aria-label="Saved projects">
          {sorted.map((p) => (
            <li key={p.id} className="project-row" aria-current={p.id === currentId ? 'true' : undefined}>
              {renaming?.id === p.id ? (
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    void projects.rename(p.id, renaming.name).then((ok) => ok && setRenaming(null));
                  }}
                >
                  <input
                    aria-label={`New name for project ${p.name}`}
                    value={renaming.name}
                    autoFocus
                    onChange={(e) => setRenaming({ id: p.id, name: e.target.value })}
                    onKeyDown={(e) => {
                      if (e.key === 'Escape') setRenaming(null);
                    }}
                  />
                  <button type="submit">Save name</button>
                </form>
              ) : (
                <span className="project-name">
                  <strong>{p.name}</strong>
                  {p.id === currentId ? ' (open)' : ''}
                </span>
              )}
              <span className="hint">
                {' '}
                {dateFormat.format(p.updated)} · {formatBytes(p.size)}
              </span>
              <span className="project-buttons">
                <button
                  type="button"
                  disabled={!!busy || p.id === currentId}
                  aria-label={`Open project ${p.name}`}
                  onClick={() => void projects.open(p.id)}
                >
                  Open
                </button>
                <button
                  type="button"
                  aria-label={`Rename project ${p.name}`}
                  onClick={() => setRenaming({ id: p.id, name: p.name })}
                >
                  Rename
                </button>
                <button
                  type="button"
                  disabled={!!busy}
                  aria-label={`Duplicate project ${p.name}`}
                  onClick={() => void projects.duplicate(p.id)}
                >
                  Duplicate
                </button>
                <button
                  type="button"
                  disabled={!!busy}
                  aria-label={`Delete project ${p.name}`}
                  onClick={() => {
                    if (window.confirm(`Delete project "${p.name}" with its images and trained weights?`))
                      void projects.remove(p.id);
                  }}
                >
                  Delete
                </button>
              </span>
            </li>
          ))}
        </ul>
        <p className="hint" data-testid="storage-used">
          {persistent
            ? usage
              ? `Storage used: ${formatBytes(usage.used)} of ${formatBytes(usage.quota)}`
              : 'Storage used: unknown'
            : 'Projects are kept in memory only in this window: use Save project file to keep one.'}
        </p>
      </div>
    </div>
  );
}
