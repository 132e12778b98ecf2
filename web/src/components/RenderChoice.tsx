import { RENDER_MODES, RenderMode } from '../api';

// The "Render pages with a browser" choice of the forms that start jobs; its value goes to
// the job's analysis_config.render. The label stands beside the select (not around it), so
// its accessible name is the label alone.
export function RenderChoice({ id, value, onChange }: {
  id: string;
  value: RenderMode;
  onChange: (mode: RenderMode) => void;
}) {
  return (
    <span className="render-choice">
      <label htmlFor={id}>Render pages with a browser</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as RenderMode)}>
        {RENDER_MODES.map((m) => <option key={m.mode} value={m.mode}>{m.label}</option>)}
      </select>
    </span>
  );
}
