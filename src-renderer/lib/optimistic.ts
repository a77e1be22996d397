/**
 * optimistic: the one way stores make optimistic updates. `apply` changes local state at once
 * and returns how to undo it; `commit` asks the host. If the host refuses, the change is undone
 * and the error reported (with what was being done), so the list never shows a state the host
 * does not have. Returns the host's answer, or undefined after a rollback.
 */
export async function optimistic<T>(apply: () => () => void, commit: () => Promise<T>, report: (err: unknown) => void): Promise<T | undefined> {
  const undo = apply();
  try {
    return await commit();
  } catch (err) {
    undo();
    report(err);
    return undefined;
  }
}
