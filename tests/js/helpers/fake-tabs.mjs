// Fakes of the two browser APIs tabs coordinate with. One instance of each
// stands for "the browser": give the same one to every client that plays a tab.

/**
 * Web Locks (navigator.locks), exclusive mode only, with AbortSignal support
 * as in the spec: aborting a request that is still waiting rejects it with an
 * AbortError; aborting after the grant does nothing.
 */
export function createFakeLocks() {
  const queues = new Map();
  const held = new Set();
  let grants = 0;
  const grantWaiters = [];

  function pump(name) {
    if (held.has(name)) return;
    const next = queues.get(name)?.shift();
    if (!next) return;
    held.add(name);
    next.grant();
  }

  return {
    /** How many locks were requested (including aborted requests). */
    requests: [],
    /** Resolves once `count` locks in total have been granted. */
    granted(count) {
      return new Promise((resolve) => {
        if (grants >= count) resolve();
        else grantWaiters.push({ count, resolve });
      });
    },
    isHeld: (name) => held.has(name),
    request(name, options, callback) {
      if (typeof options === 'function') [options, callback] = [{}, options];
      const signal = options.signal;
      this.requests.push({ name, signal });
      return new Promise((resolve, reject) => {
        if (signal?.aborted) {
          reject(new DOMException('The lock request was aborted', 'AbortError'));
          return;
        }
        const onAbort = () => {
          const queue = queues.get(name);
          queue.splice(queue.indexOf(waiter), 1);
          reject(new DOMException('The lock request was aborted', 'AbortError'));
        };
        const waiter = {
          grant() {
            signal?.removeEventListener('abort', onAbort);
            grants += 1;
            for (const w of grantWaiters.filter((w) => grants >= w.count)) {
              grantWaiters.splice(grantWaiters.indexOf(w), 1);
              w.resolve();
            }
            Promise.resolve()
              .then(() => callback({ name, mode: 'exclusive' }))
              .then(resolve, reject)
              .finally(() => {
                held.delete(name);
                pump(name);
              });
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        if (!queues.has(name)) queues.set(name, []);
        queues.get(name).push(waiter);
        pump(name);
      });
    },
  };
}

/**
 * A BroadcastChannel class whose instances talk to each other (never to
 * themselves, as in browsers). `deliver` decides when a message arrives:
 * 'task' (next macrotask, like browsers), 'microtask' (as soon as possible),
 * or 'manual' (held until the test calls flush()).
 */
export function createFakeBroadcastChannel({ deliver = 'task' } = {}) {
  const open = new Set();
  const held = [];
  class FakeBroadcastChannel {
    constructor(name) {
      this.name = name;
      this.onmessage = null;
      open.add(this);
    }
    postMessage(data) {
      if (!open.has(this)) throw new DOMException('Channel is closed', 'InvalidStateError');
      const copy = structuredClone(data);
      for (const other of open) {
        if (other === this || other.name !== this.name) continue;
        const send = () => open.has(other) && other.onmessage?.({ data: copy });
        if (deliver === 'manual') held.push(send);
        else if (deliver === 'microtask') queueMicrotask(send);
        else setImmediate(send);
      }
    }
    close() {
      open.delete(this);
    }
    /** Deliver the messages held in 'manual' mode. */
    static flush() {
      for (const send of held.splice(0)) send();
    }
    static get held() {
      return held.length;
    }
    static get openCount() {
      return open.size;
    }
  }
  return FakeBroadcastChannel;
}

/** A document with just what the client uses: visibility and cookies. */
export function createFakeDocument({ visibilityState = 'visible', cookie = '' } = {}) {
  const target = new EventTarget();
  return {
    visibilityState,
    cookie,
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    /** Change visibility and fire visibilitychange, as a browser does. */
    setVisibility(state) {
      this.visibilityState = state;
      target.dispatchEvent(new Event('visibilitychange'));
    },
  };
}
