import { describe, expect, it } from 'vitest';
import { ItemBackoff } from './backoff.ts';
import { WorkQueue } from './work-queue.ts';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('deduplicates a key that is already waiting', async () => {
    const q = new WorkQueue({ workers: 1 });
    const seen: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    q.start(async (key) => {
      seen.push(key);
      if (key === 'blocker') await gate;
    });
    q.add('blocker');
    q.add('a');
    q.add('a');
    q.add('a');
    expect(q.length).toBe(1);
    release();
    await tick(10);
    expect(seen).toEqual(['blocker', 'a']);
  });

  it('never runs one key on two workers at once, but runs it again if it changed meanwhile', async () => {
    const q = new WorkQueue({ workers: 4 });
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    q.start(async () => {
      runs++;
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await tick(20);
      concurrent--;
    });
    q.add('k');
    await tick(5);
    q.add('k'); // arrives while k is in flight
    q.add('k');
    await tick(80);
    expect(maxConcurrent).toBe(1);
    expect(runs).toBe(2);
  });

  it('bounds the number of workers', async () => {
    const q = new WorkQueue({ workers: 3 });
    let concurrent = 0;
    let maxConcurrent = 0;
    q.start(async () => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await tick(10);
      concurrent--;
    });
    for (let i = 0; i < 20; i++) q.add(`k${i}`);
    await tick(120);
    expect(maxConcurrent).toBe(3);
  });

  it('schedules addAfter keys, keeping the earliest time', async () => {
    const q = new WorkQueue({ workers: 1 });
    const at: number[] = [];
    const start = Date.now();
    q.start(async () => {
      at.push(Date.now() - start);
    });
    q.addAfter('k', 200);
    q.addAfter('k', 30);
    await tick(100);
    expect(at.length).toBe(1);
    expect(at[0]).toBeGreaterThanOrEqual(25);
  });

  it('finishes in-flight work on shutdown and takes no new work', async () => {
    const q = new WorkQueue({ workers: 2 });
    const done: string[] = [];
    q.start(async (key) => {
      await tick(30);
      done.push(key);
    });
    q.add('in-flight');
    await tick(5);
    const finished = await q.shutdown(1000);
    q.add('late');
    await tick(50);
    expect(finished).toBe(true);
    expect(done).toEqual(['in-flight']);
  });
});

describe('ItemBackoff', () => {
  it('grows exponentially from the base, per key, with at most 10% jitter, up to the cap', () => {
    const b = new ItemBackoff({ baseMs: 5, maxMs: 1000 });
    const delays = Array.from({ length: 12 }, () => b.next('a'));
    expect(delays[0]).toBeGreaterThanOrEqual(5);
    expect(delays[0]).toBeLessThanOrEqual(5.5);
    expect(delays[3]).toBeGreaterThanOrEqual(40);
    expect(delays[3]).toBeLessThanOrEqual(44);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    expect(delays[11]).toBe(1000);
    expect(b.next('other')).toBeLessThanOrEqual(5.5);
  });

  it('resets on forget', () => {
    const b = new ItemBackoff({ baseMs: 5, maxMs: 1000 });
    for (let i = 0; i < 5; i++) b.next('a');
    expect(b.retries('a')).toBe(5);
    b.forget('a');
    expect(b.retries('a')).toBe(0);
    expect(b.next('a')).toBeLessThanOrEqual(5.5);
  });
});
