import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SharedService } from '../../../src/core/jobs/sharedService';

/** A service whose start the test finishes by hand. */
function controllable() {
  const created: { id: number; disposed: boolean }[] = [];
  const waiting: (() => void)[] = [];
  let fail = false;
  const shared = new SharedService(
    () =>
      new Promise<{ id: number; disposed: boolean }>((resolve, reject) => {
        waiting.push(() => {
          if (fail) return reject(new Error('start failed'));
          const service = { id: created.length + 1, disposed: false };
          created.push(service);
          resolve(service);
        });
      }),
    async (service) => {
      service.disposed = true;
    },
  );
  const finish = () => waiting.splice(0).forEach((go) => go());
  return {
    shared,
    created,
    finish,
    failNext: (value: boolean) => (fail = value),
    starts: () => waiting.length,
  };
}

describe('SharedService', () => {
  test('callers that ask while it starts share one start', async () => {
    const { shared, created, finish, starts } = controllable();
    const asks = [shared.get(), shared.get(), shared.get()];
    assert.equal(starts(), 1, 'one start for three callers');
    finish();
    const services = await Promise.all(asks);
    assert.equal(created.length, 1);
    assert.ok(services.every((s) => s === services[0]));
    assert.equal(await shared.get(), services[0], 'later callers get the same one');
  });

  test('a failed start is not kept: the next ask starts again', async () => {
    const { shared, finish, failNext, starts } = controllable();
    failNext(true);
    const first = shared.get();
    finish();
    await assert.rejects(first, /start failed/);
    failNext(false);
    const second = shared.get();
    assert.equal(starts(), 1, 'a new start');
    finish();
    assert.equal((await second).id, 1);
  });

  test('reset disposes the running one, even one still starting, and the next ask starts fresh', async () => {
    const { shared, created, finish } = controllable();
    const starting = shared.get();
    const reset = shared.reset();
    finish();
    await reset;
    assert.equal(created[0].disposed, true, 'the one started before the reset is disposed');
    assert.equal((await starting).id, 1);
    const next = shared.get();
    finish();
    assert.equal((await next).id, 2);
    assert.equal(created[1].disposed, false);
    await shared.reset();
    assert.equal(created[1].disposed, true);
    await shared.reset(); // nothing running: nothing to do
  });
});
