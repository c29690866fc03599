/** A listener list of `@colyseus/sdk` (`room.onStateChange`, `room.onLeave`, ...). */
interface Signal<A extends unknown[]> {
  (listener: (...args: A) => void): unknown;
  remove(listener: (...args: A) => void): void;
}

/**
 * Listen until `listener` returns true, or until the returned stop is called; it is safe
 * to stop from inside the listener. With @colyseus/sdk 0.18.4 a signal's `remove` swaps its
 * last listener into the removed slot: removing one while the signal dispatches makes that
 * last listener miss the event, and removing one twice, or one it does not hold, removes
 * the last listener instead. So the removal here happens once, after the dispatch.
 */
// colyseus-internal: sdk-signal-removal
export function listenUntil<A extends unknown[]>(signal: Signal<A>, listener: (...args: A) => boolean | undefined): () => void {
  let listening = true;
  const stop = (): void => {
    if (!listening) return;
    listening = false;
    queueMicrotask(() => signal.remove(handler));
  };
  const handler = (...args: A): void => {
    if (listening && listener(...args) === true) stop();
  };
  signal(handler);
  return stop;
}
