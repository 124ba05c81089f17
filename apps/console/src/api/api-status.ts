/** Reachability of the API, shared by the HTTP link, the socket and the banner. */
type Listener = (down: boolean) => void;

let down = false;
const listeners = new Set<Listener>();

export const apiStatus = {
  isDown: (): boolean => down,
  set(value: boolean): void {
    if (value === down) return;
    down = value;
    listeners.forEach((l) => l(down));
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
