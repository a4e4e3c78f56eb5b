// Property-based tests over the parsers that take user text directly: the dataset config, multiple-
// choice option/answer parsing, the turn templates, the streaming JSON item scanner and the decisions
// journal's line reader. None may throw; each answers with a value or a located/explained rejection.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { foldDecisions } from '../../../src/core/curation/decisionFold';
import { toDecision } from '../../../src/core/curation/decision';
import { parseDatasetConfig } from '../../../src/core/dataset/datasetConfig';
import {
  listOptions,
  parseChoice,
  parsePythonList,
  resolveAnswer,
  splitInlineOptions,
} from '../../../src/core/dataset/formats/choiceParsing';
import { canonicalJson } from '../../../src/core/dataset/formats/readerSupport';
import { JsonItemScanner } from '../../../src/core/dataset/recordStream';
import type { JsonItem } from '../../../src/core/dataset/recordStream';
import {
  formatSeconds,
  groundingTurns,
  multipleChoiceTurns,
  queryFromGroundingTurns,
  turnRole,
} from '../../../src/core/dataset/turnTemplates';
import { check, nastyText } from './fuzzKit';

const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nastyText, fc.double(), fc.constant(undefined));

describe('video-curator.json', () => {
  test('any text: a config plus problems located at the config file, never an exception', async () => {
    const text = fc.oneof(
      nastyText,
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    );
    await check(
      fc.property(text, (input) => {
        const { config, problems } = parseDatasetConfig(input, '/data/video-curator.json');
        assert.ok(Array.isArray(config.videoRoots) && config.videoRoots.every((r) => typeof r === 'string'));
        assert.ok(Array.isArray(config.exclude) && config.exclude.every((r) => typeof r === 'string'));
        for (const format of Object.values(config.formats)) assert.equal(typeof format, 'string');
        for (const p of problems) {
          assert.equal(p.code, 'invalid-config');
          assert.deepEqual(p.location, { file: '/data/video-curator.json', line: 1, column: 1 });
        }
      }),
      400,
    );
  });

  test('format overrides under prototype names are kept as data, never as prototype changes', () => {
    const { config, problems } = parseDatasetConfig(
      '{"formats": {"__proto__": "llava", "constructor": "msrvtt", "a.json": "nope"}}',
      '/c.json',
    );
    assert.equal(Object.getPrototypeOf(config.formats), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(config.formats, '__proto__')?.value, 'llava');
    assert.equal(config.formats.constructor, 'msrvtt');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(problems.length, 1);
  });
});

describe('multiple-choice parsing', () => {
  test('any record and question: options are strings, the answer index is in range', async () => {
    const record = fc.dictionary(
      fc.constantFrom(
        'options',
        'candidates',
        'answer',
        'correct_choice',
        'answer_idx',
        'a0',
        'a1',
        'a2',
        'question',
        '__proto__',
      ),
      anyValue,
    );
    await check(
      fc.property(record, nastyText, (r, question) => {
        const parsed = parseChoice(r as Record<string, unknown>, question);
        if (!parsed) return;
        const { options, answerIndex } = parsed.choice;
        assert.ok(options.length > 0 && options.every((o) => typeof o === 'string'));
        if (answerIndex !== undefined)
          assert.ok(Number.isInteger(answerIndex) && answerIndex >= 0 && answerIndex < options.length);
        const turns = multipleChoiceTurns(parsed.choice.question, options, answerIndex);
        assert.equal(turns[0].role, 'human');
      }),
      500,
    );
  });

  test('listOptions, parsePythonList, splitInlineOptions and resolveAnswer never throw', async () => {
    await check(
      fc.property(
        anyValue,
        nastyText,
        fc.array(nastyText, { maxLength: 6 }),
        fc.boolean(),
        (value, text, options, indexFirst) => {
          const listed = listOptions(value);
          if (listed) assert.ok(listed.every((o) => typeof o === 'string'));
          const python = parsePythonList(`[${text}]`);
          if (python) assert.ok(python.every((o) => typeof o === 'string'));
          const split = splitInlineOptions(text);
          assert.equal(typeof split.question, 'string');
          const index = resolveAnswer(value, options, indexFirst);
          if (index !== undefined) assert.ok(index >= 0 && index < options.length);
        },
      ),
      500,
    );
  });

  test("Python list literals round-trip: repr(['a', \"it's\"]) parses back", async () => {
    const item = fc.string({ unit: fc.constantFrom('a', 'b', ' ', "'", '"', ',', ']', '['), maxLength: 8 });
    const repr = (s: string) =>
      s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    await check(
      fc.property(fc.array(item, { maxLength: 5 }), (items) => {
        assert.deepEqual(parsePythonList(`[${items.map(repr).join(', ')}]`), items);
      }),
      300,
    );
  });
});

describe('turn templates', () => {
  test('a grounding question gives back its sentence, whatever the sentence holds', async () => {
    await check(
      fc.property(
        nastyText,
        fc.array(fc.record({ start: fc.double(), end: fc.double() }), { maxLength: 3 }),
        (sentence, windows) => {
          const turns = groundingTurns(sentence, windows);
          assert.equal(queryFromGroundingTurns(turns), sentence);
        },
      ),
      400,
    );
  });

  test('formatSeconds: any number prints, and finite ones read back to the millisecond', async () => {
    await check(
      fc.property(fc.double(), (seconds) => {
        const text = formatSeconds(seconds);
        assert.equal(typeof text, 'string');
        if (Number.isFinite(seconds) && Math.abs(seconds) < 1e15) {
          assert.ok(
            Math.abs(Number(text) - seconds) <= 0.0005 + Math.abs(seconds) * 1e-15,
            `${seconds} → ${text}`,
          );
        }
      }),
      400,
    );
  });

  test('speaker names map to a role or to nothing, never to an inherited member', async () => {
    await check(
      fc.property(
        fc.oneof(
          nastyText,
          fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', ' USER '),
        ),
        (speaker) => {
          const role = turnRole(speaker);
          assert.ok(
            role === undefined || ['human', 'gpt', 'system'].includes(role),
            `${speaker} → ${String(role)}`,
          );
        },
      ),
      300,
    );
    // Found by this test: "constructor" used to come back as Object's constructor function.
    assert.equal(turnRole('constructor'), undefined);
    assert.equal(turnRole('__proto__'), undefined);
  });

  test('canonicalJson: same text for the same content in any key order, any depth', async () => {
    await check(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const reorder = (v: unknown): unknown =>
          Array.isArray(v)
            ? v.map(reorder)
            : typeof v === 'object' && v !== null
              ? Object.fromEntries(
                  Object.entries(v)
                    .reverse()
                    .map(([k, x]) => [k, reorder(x)]),
                )
              : v;
        const text = canonicalJson(value);
        assert.equal(canonicalJson(reorder(value)), text);
        assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
      }),
      300,
    );
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.equal(canonicalJson(deep).length, 400_003);
  });
});

describe('streaming JSON item scanner', () => {
  const scanAll = (text: string, cuts: number[]): JsonItem[] => {
    const scanner = new JsonItemScanner();
    const items: JsonItem[] = [];
    let from = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      items.push(...scanner.push(text.slice(from, cut)));
      from = cut;
    }
    items.push(...scanner.push(text.slice(from)));
    items.push(...scanner.finish());
    return items;
  };
  const documents = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v, null, Math.random() < 0.5 ? 1 : undefined)),
    fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 }).map((v) => JSON.stringify(v, null, 2)),
    nastyText,
    fc
      .tuple(fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 5 }), fc.nat(), nastyText)
      .map(([values, at, junk]) => {
        const text = JSON.stringify(values, null, 1);
        const cut = at % (text.length + 1);
        return text.slice(0, cut) + junk + text.slice(cut);
      }),
  );

  test('the items do not depend on how the text is cut into chunks', async () => {
    await check(
      fc.property(documents, fc.array(fc.nat(), { maxLength: 8 }), (text, raw) => {
        const cuts = raw.map((n) => n % (text.length + 1));
        assert.deepEqual(scanAll(text, cuts), scanAll(text, []));
      }),
      500,
    );
  });

  test('a well-formed array or object yields exactly its members, at increasing positions', async () => {
    const container = fc.oneof(
      fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 }),
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
    );
    await check(
      fc.property(container, fc.constantFrom(undefined, 1, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const items = scanAll(text, []);
        assert.ok(
          items.every((item) => item.error === undefined),
          JSON.stringify(items),
        );
        const expected = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
        // JSON.parse gives "-0" back as 0 either way; deepEqual on parsed copies keeps that aside.
        assert.deepEqual(
          items.map((item) => [item.key, item.value]),
          JSON.parse(JSON.stringify(expected)),
        );
        for (let i = 1; i < items.length; i++) {
          const a = items[i - 1].end;
          const b = items[i].start;
          assert.ok(b.line > a.line || (b.line === a.line && b.column >= a.column));
        }
      }),
      300,
    );
  });
});

describe('decisions journal lines', () => {
  const decision = fc.record(
    {
      sampleId: fc.oneof(fc.string(), fc.jsonValue()),
      verdict: fc.oneof(fc.constantFrom('accept', 'reject', 'edit', 'pending'), fc.jsonValue()),
      edits: fc.oneof(
        fc.record(
          {
            turns: fc.array(fc.record({ role: fc.constantFrom('human', 'gpt', 'x'), text: fc.jsonValue() })),
          },
          { requiredKeys: [] },
        ),
        fc.record({ windows: fc.array(fc.record({ start: fc.jsonValue(), end: fc.double() })) }),
        fc.jsonValue(),
      ),
      acceptedDialogues: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
      note: fc.jsonValue(),
      annotator: fc.oneof(fc.string(), fc.jsonValue()),
      at: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string(),
      ),
      rev: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
      undoOf: fc.oneof(fc.integer(), fc.jsonValue()),
      __proto__: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );

  test('any line folds into decisions or a warning with its line number; never an exception', async () => {
    const line = fc.oneof(
      nastyText,
      decision.map((d) => JSON.stringify(d)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    await check(
      fc.property(fc.array(fc.tuple(line, fc.boolean()), { maxLength: 8 }), (lines) => {
        const input = lines.map(([text, invalid], i) => ({
          line: i + 1,
          text: invalid ? '' : text,
          ...(invalid ? { invalidUtf8: true } : {}),
        }));
        const log = foldDecisions(input, '/j/decisions.jsonl');
        for (const w of log.warnings) {
          assert.equal(w.file, '/j/decisions.jsonl');
          assert.ok(w.line >= 1 && w.line <= input.length);
        }
        for (const [id, d] of log.latest) {
          assert.equal(d.sampleId, id);
          assert.equal(typeof toDecision(d), 'object', 'a kept decision validates again');
        }
        const kept = [...log.history.values()].reduce((n, h) => n + h.length, 0);
        const blank = input.filter((l) => !l.invalidUtf8 && l.text.trim() === '').length;
        assert.equal(
          kept + log.warnings.length + blank,
          input.length,
          'every line is a decision, a warning or blank',
        );
      }),
      400,
    );
  });
});
