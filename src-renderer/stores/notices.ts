/**
 * useNoticesStore: the queue of toasts the shell shows (TheNotices drains it into naive-ui's
 * notification API, which only exists inside components). Stores report their errors here, so
 * a failed optimistic update or a background refresh is never silent.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { describeError, type UiError } from '../lib/errors.js';

export interface Notice {
  id: number;
  kind: 'error' | 'warning' | 'success' | 'info';
  title: string;
  message?: string | undefined;
  /** Expandable detail (the host's raw error). */
  detail?: string | undefined;
}

export const useNoticesStore = defineStore('notices', () => {
  const queue = ref<Notice[]>([]);
  let seq = 0;

  function push(n: Omit<Notice, 'id'>): Notice {
    const notice = { ...n, id: ++seq };
    queue.value.push(notice);
    return notice;
  }

  /** Reports an error with what was being done ("Disable peer alice"); returns the UiError. */
  function report(err: unknown, doing?: string): UiError {
    const e = describeError(err);
    push({ kind: 'error', title: doing ? `${doing}: ${e.title}` : e.title, message: e.message, detail: e.detail });
    return e;
  }

  function take(): Notice[] {
    const out = queue.value;
    queue.value = [];
    return out;
  }

  return { queue, push, report, take };
});
