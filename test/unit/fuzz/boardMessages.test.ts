// The board's webview messages are untrusted (the webview renders dataset text). Property-based tests
// over the validator, and the inbox that logs refusals and hands on only what passed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { receiveWebviewMessage } from '../../../src/core/board/webviewInbox';
import { sampleIdFor } from '../../../src/core/dataset/sampleId';
import { checkWebviewMessage, MESSAGE_LIMITS, validateWebviewMessage } from '../../../src/protocol/board';
import type { WebviewMessage } from '../../../src/protocol/board';
import { check, nastyText } from './fuzzKit';

const sampleId = fc
  .tuple(fc.string({ maxLength: 30 }), fc.string(), fc.option(fc.integer({ min: 1, max: 9 })))
  .map(([label, identity, n]) => sampleIdFor('a.json', identity, label) + (n ? `~${n}` : ''));
const dialogueId = fc
  .tuple(
    fc.constantFrom('temporal-order', 'counting', 'appearance'),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 10, maxLength: 10 }),
  )
  .map(([kind, hash]) => `${kind}-${hash}`);
const turn = (roles: string[]) =>
  fc.record({ role: fc.constantFrom(...roles), text: fc.string({ maxLength: 50 }) });
const seconds = fc.double({ min: 0, max: 1e6, noNaN: true });

const validMessage: fc.Arbitrary<WebviewMessage> = fc.oneof(
  fc.record({ type: fc.constant('ready' as const), protocolVersion: fc.nat() }),
  fc.record({ type: fc.constantFrom('select' as const, 'requestDetail' as const), sampleId }),
  fc.record({
    type: fc.constant('verdict' as const),
    sampleIds: fc.array(sampleId, { minLength: 1, maxLength: 5 }),
    verdict: fc.constantFrom('accept' as const, 'reject' as const, 'pending' as const),
  }),
  fc.constant({ type: 'undo' as const }),
  fc.record({
    type: fc.constant('editTurns' as const),
    sampleId,
    turns: fc.array(turn(['human', 'gpt', 'system']), { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant('dialogue' as const),
    sampleId,
    dialogueId,
    action: fc.constantFrom('accept' as const, 'reject' as const),
  }),
  fc.record({
    type: fc.constant('editDialogue' as const),
    sampleId,
    dialogueId,
    turns: fc.array(turn(['human', 'gpt']), { minLength: 1, maxLength: 4 }) as fc.Arbitrary<
      { role: 'human' | 'gpt'; text: string }[]
    >,
  }),
  fc
    .tuple(sampleId, seconds, seconds, fc.option(fc.nat(), { nil: undefined }))
    .filter(([, a, b]) => a !== b)
    .map(([id, a, b, index]) => ({
      type: 'editWindow' as const,
      sampleId: id,
      start: Math.min(a, b),
      end: Math.max(a, b),
      ...(index === undefined ? {} : { index }),
    })),
  fc.tuple(fc.nat(1000), fc.nat(1000), fc.array(sampleId, { maxLength: 5 })).map(([a, b, ids]) => ({
    type: 'visibleRange' as const,
    first: Math.min(a, b),
    last: Math.max(a, b),
    sampleIds: ids,
  })),
) as fc.Arbitrary<WebviewMessage>;

/** Strings a hostile webview might put where an id belongs. */
const PATH_LIKE = [
  '../../etc/passwd',
  '..',
  '.',
  '/etc/passwd',
  '/home/user/.ssh/id_rsa',
  'C:\\Windows\\win.ini',
  '..\\..\\secret',
  'file:///etc/passwd',
  'vscode-resource://x',
  'https://evil.example/x',
  '~/secret',
  'a/b',
  's1\u0000.mp4',
  's1\n',
  '$(touch pwned)',
  'id with space',
];
const pathLike = fc.oneof(
  fc.constantFrom(...PATH_LIKE),
  fc
    .tuple(fc.string(), fc.constantFrom('/', '\\', ':', '\u0000', ' ', '\n'), fc.string())
    .map((p) => p.join('')),
);

describe('validating webview messages', () => {
  test('any JSON value: a typed message that validates again, or a refusal with a reason; never a throw', async () => {
    const anything = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.dictionary(
        fc.constantFrom(
          'type',
          'sampleId',
          'sampleIds',
          'verdict',
          'turns',
          'start',
          'end',
          'index',
          'first',
          'last',
          'dialogueId',
          'action',
          'protocolVersion',
          '__proto__',
          'constructor',
        ),
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.constantFrom('select', 'verdict', 'accept', 'editWindow', 's1'),
          pathLike,
        ),
      ),
      fc.anything(),
    );
    await check(
      fc.property(anything, (value) => {
        const checked = checkWebviewMessage(value);
        if (checked.ok) {
          assert.deepEqual(checkWebviewMessage(JSON.parse(JSON.stringify(checked.message))), checked);
        } else {
          assert.equal(typeof checked.reason, 'string');
          assert.ok(checked.reason.length > 0 && checked.reason.length < 400);
          assert.equal(validateWebviewMessage(value), undefined);
        }
      }),
      1500,
    );
  });

  test('every well-formed message passes as an equal copy', async () => {
    await check(
      fc.property(validMessage, (message) => {
        const wire = JSON.parse(JSON.stringify(message)) as unknown;
        assert.deepEqual(checkWebviewMessage(wire), { ok: true, message: wire });
      }),
      600,
    );
  });

  test('mutations of well-formed messages are refused: extra, missing or retyped fields, path-like ids, huge strings', async () => {
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('extra' as const),
        key: fc.oneof(
          fc.string({ minLength: 1 }),
          fc.constantFrom('__proto__', 'constructor', 'file', 'path'),
        ),
        value: fc.jsonValue(),
      }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('retype' as const),
        at: fc.nat(),
        value: fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.object()),
      }),
      fc.record({ kind: fc.constant('pathId' as const), value: pathLike }),
      fc.record({ kind: fc.constant('hugeId' as const) }),
    );
    await check(
      fc.property(validMessage, mutation, (message, m) => {
        const wire = JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
        const fields = Object.keys(wire).filter((k) => k !== 'type' && k !== 'index');
        const idField = ['sampleId', 'dialogueId'].find((k) => k in wire);
        switch (m.kind) {
          case 'extra':
            if (m.key in wire) return;
            // defineProperty: what JSON.parse makes of '{"__proto__": ...}' (an own key).
            Object.defineProperty(wire, m.key, {
              value: m.value,
              enumerable: true,
              configurable: true,
              writable: true,
            });
            break;
          case 'drop':
            if (fields.length === 0) return;
            delete wire[fields[m.at % fields.length]];
            break;
          case 'retype': {
            if (fields.length === 0) return;
            const key = fields[m.at % fields.length];
            if (typeof m.value === typeof wire[key] && !Array.isArray(wire[key])) return;
            wire[key] = m.value;
            break;
          }
          case 'pathId':
            if (idField) wire[idField] = m.value;
            else if (Array.isArray(wire.sampleIds))
              wire.sampleIds = [...(wire.sampleIds as string[]), m.value];
            else return;
            break;
          case 'hugeId':
            if (!idField) return;
            wire[idField] = 'a'.repeat(MESSAGE_LIMITS.idLength + 1);
            break;
        }
        const checked = checkWebviewMessage(wire);
        assert.equal(checked.ok, false, `accepted ${JSON.stringify(wire).slice(0, 300)}`);
      }),
      800,
    );
  });

  test('objects that did not come from JSON are refused: inherited type, class instances', () => {
    assert.equal(checkWebviewMessage(Object.create({ type: 'undo' })).ok, false);
    class Undo {
      type = 'undo';
    }
    assert.equal(checkWebviewMessage(new Undo()).ok, false);
    const polluted = JSON.parse('{"type":"select","sampleId":"s1","__proto__":{"polluted":true}}') as unknown;
    assert.deepEqual(checkWebviewMessage(polluted), {
      ok: false,
      reason: 'select: unexpected field(s) "__proto__"',
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('real sample and dialogue ids pass, path-like strings do not', () => {
    for (const id of PATH_LIKE)
      assert.equal(checkWebviewMessage({ type: 'select', sampleId: id }).ok, false, JSON.stringify(id));
    for (const id of [
      'AO8RW#0123456789',
      'qid-42#abcdef0123~2',
      'v_x.y#0011223344',
      'temporal-order-0a1b2c3d4e',
    ])
      assert.equal(checkWebviewMessage({ type: 'select', sampleId: id }).ok, true, id);
  });
});

describe('the host inbox', () => {
  test('refused messages are logged with their reason and never reach the handler', async () => {
    await check(
      fc.asyncProperty(fc.oneof(fc.anything(), nastyText, fc.jsonValue()), async (value) => {
        const log: string[] = [];
        const handled: WebviewMessage[] = [];
        const accepted = await receiveWebviewMessage(value, { appendLine: (line) => log.push(line) }, (m) => {
          handled.push(m);
        });
        if (accepted) {
          assert.equal(handled.length, 1);
          assert.deepEqual(log, []);
        } else {
          assert.deepEqual(handled, []);
          assert.equal(log.length, 1);
          assert.match(log[0], /^\[board\] refused a webview message \(.+\): /);
          assert.ok(log[0].length < 800, 'the log line is bounded');
        }
      }),
      500,
    );
  });

  test('unloggable values (cycles, BigInt) are refused and logged without a throw', async () => {
    const cyclic: Record<string, unknown> = { type: 'select' };
    cyclic.sampleId = cyclic;
    const log: string[] = [];
    let handled = 0;
    for (const value of [
      cyclic,
      { type: 'ready', protocolVersion: 10n },
      { type: 'select', sampleId: '../../etc/passwd' },
    ]) {
      assert.equal(
        await receiveWebviewMessage(value, { appendLine: (line) => log.push(line) }, () => void handled++),
        false,
      );
    }
    assert.equal(handled, 0);
    assert.equal(log.length, 3);
    assert.match(log[2], /select: "sampleId" is not a sample\/dialogue id.*etc\/passwd/);
  });

  test('an accepted message reaches the handler once, as the checked copy', async () => {
    const log: string[] = [];
    const handled: WebviewMessage[] = [];
    await receiveWebviewMessage(
      { type: 'verdict', sampleIds: ['a#0123456789'], verdict: 'accept' },
      { appendLine: (l) => log.push(l) },
      (m) => {
        handled.push(m);
      },
    );
    assert.deepEqual(handled, [{ type: 'verdict', sampleIds: ['a#0123456789'], verdict: 'accept' }]);
    assert.deepEqual(log, []);
  });
});
