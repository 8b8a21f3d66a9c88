// A fake clock for the client's `clock` option: time moves only when a test
// says so, and timers fire in order. Between two timers, advance() lets the
// event loop run (see drain()), so everything a timer sets off (a refresh
// through the fake server, its promise chain) happens at that virtual time.

import { drain } from './util.mjs';

export function createFakeClock(start = Date.UTC(2025, 0, 1)) {
  let now = start;
  let lastId = 0;
  /** id → { at, fn } */
  const timers = new Map();

  return {
    now: () => now,
    setTimeout(fn, ms = 0) {
      const id = ++lastId;
      timers.set(id, { at: now + Math.max(0, Number(ms) || 0), fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    /** Delays (from now) of the timers still waiting. */
    pending() {
      return [...timers.values()].map((timer) => timer.at - now).sort((a, b) => a - b);
    },
    /**
     * Move time forward by `ms`, firing every timer that falls due, in order.
     * Throws on a runaway (a timer storm), rather than spinning forever.
     */
    async advance(ms, { maxTimers = 10_000 } = {}) {
      const target = now + ms;
      let fired = 0;
      await drain();
      for (;;) {
        if (++fired > maxTimers)
          throw new Error(`timer storm: more than ${maxTimers} timers fired by ${now}`);
        let nextId = null;
        for (const [id, timer] of timers) {
          if (timer.at > target) continue;
          if (nextId === null || timer.at < timers.get(nextId).at) nextId = id;
        }
        if (nextId === null) break;
        const { at, fn } = timers.get(nextId);
        timers.delete(nextId);
        now = at;
        fn();
        await drain();
      }
      now = target;
      await drain();
    },
  };
}
