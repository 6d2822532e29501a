/**
 * Whether a config.json field counts as set, for the backends' lists of
 * fields they refuse or skip (platform/linux/unsupported.ts,
 * platform/freebsd/fields.ts): an empty string, list or object, false, null
 * and absence all ask for nothing, so none of them is refused. Pure.
 */
export function present(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}
