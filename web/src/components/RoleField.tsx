import { ROLES, type Role } from '../api/types';

// The "Role" field of the key and user forms.
export function RoleField({ value, onChange }: { value: Role; onChange: (role: Role) => void }) {
  return (
    <label className="field field--inline">
      <span className="field__label">Role</span>
      <select value={value} onChange={(e) => onChange(e.target.value as Role)}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </label>
  );
}
