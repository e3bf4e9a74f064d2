import { useShallow } from 'zustand/react/shallow';
import { useEditor } from '../store/editorStore';

const NO_PROBLEMS: never[] = [];

/** Problems and messages the user should know of, each in a role="alert" element. */
export function Alerts() {
  const { alerts, dismiss, problems, focusLayer, select } = useEditor(
    useShallow((s) => ({
      alerts: s.alerts,
      dismiss: s.dismissAlert,
      problems: s.analysis?.problems ?? NO_PROBLEMS,
      focusLayer: s.focusLayer,
      select: s.select,
    })),
  );
  return (
    <div className="alerts">
      {problems.length > 0 ? (
        <div role="alert" className="alert alert-error graph-problems">
          <strong>The model cannot be built yet:</strong>
          <ul>
            {problems.slice(0, 5).map((p, i) => (
              <li key={i}>
                {p.message}{' '}
                {p.layer ? (
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      select([p.layer!]);
                      focusLayer(p.layer!);
                    }}
                  >
                    Show {p.layer}
                  </button>
                ) : null}
              </li>
            ))}
            {problems.length > 5 ? <li>…and {problems.length - 5} more</li> : null}
          </ul>
        </div>
      ) : null}
      {alerts.map((a) => (
        <div key={a.id} role={a.kind === 'info' ? 'status' : 'alert'} className={`alert alert-${a.kind}`}>
          <span className="alert-text">{a.message}</span>
          {a.action ? (
            <button type="button" onClick={a.action.run}>
              {a.action.label}
            </button>
          ) : null}
          <button
            type="button"
            className="dismiss"
            aria-label="Dismiss message"
            onClick={() => dismiss(a.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
