import { describe, expect, it } from 'vitest';
import { BatchState } from '../../src/batch/live-view.js';

const MB = 1_000_000;

describe("the batch's live view", () => {
  it('reckons the time left from bytes: a small first account does not make a big night look short', () => {
    // 3 accounts from t=0: a 1 MB one done, a 99 MB one 9 MB in, one waiting; 10 s gone.
    const state = new BatchState(3, 0);
    state.start('small@example.com');
    expect(state.lines(1_000)[0]).toMatch(/ETA \?$/);
    state.finish('small@example.com', { messages: 10, bytes: 1 * MB }, true);
    state.start('big@example.com');
    state.progress('big@example.com', {
      user: 'big',
      folder: 'INBOX',
      done: 10,
      total: 100,
      bytesDone: 9 * MB,
      bytesTotal: 99 * MB,
    });
    const [head, row] = state.lines(10_000);
    // 10 MB in 10 s; left: 90 MB of big, and the waiting one at the average so far, (1 + 99) / 2 MB.
    expect(head).toBe(
      'batch: 1/3 accounts finished, 0 need attention, 1 running, 1 waiting; 2 msg/s, 1.0 MB/s, ETA 2m20s',
    );
    expect(row).toBe('  big@example.com: INBOX 10/100 messages, 9.0/99.0 MB');
  });

  it('counts the folders an account has finished, and speaks of one account and one message in the singular', () => {
    const state = new BatchState(1, 0);
    state.start('a@example.com');
    const event = { user: 'a', done: 2, total: 2, bytesDone: 4 * MB, bytesTotal: 4 * MB };
    state.progress('a@example.com', { ...event, folder: 'INBOX' });
    state.progress('a@example.com', { ...event, folder: 'Sent', done: 0, total: 1, bytesDone: 1 * MB });
    const [head, row] = state.lines(5_000);
    // 5 MB in 5 s; left: 3 MB of Sent, nothing waiting.
    expect(head).toBe(
      'batch: 0/1 account finished, 0 need attention, 1 running, 0 waiting; 0 msg/s, 1.0 MB/s, ETA 0m03s',
    );
    expect(row).toBe('  a@example.com: Sent 0/1 message, 1.0/4.0 MB');
  });

  it('counts a failed account among the finished, not among the done, while others run', () => {
    const state = new BatchState(3, 0);
    for (const a of ['a', 'b']) state.start(a);
    state.finish('a', { messages: 0, bytes: 0 }, false);
    const [head] = state.lines(1_000);
    expect(head).toMatch(/^batch: 1\/3 accounts finished, 1 needs attention, 1 running, 1 waiting;/);
  });
});
