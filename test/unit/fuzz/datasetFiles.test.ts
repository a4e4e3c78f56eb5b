// Property-based tests over the dataset indexer's real entry point (indexDataset on a folder): random
// bytes and text under every annotation extension, and mutations of valid records of every format and
// layout. Properties: nothing throws, every problem and sample points inside its file, and a bad record
// never costs its neighbours their samples.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import type { DatasetIndex } from '../../../src/core/dataset/indexDataset';
import type { DatasetFormat, Sample } from '../../../src/core/dataset/sample';
import {
  assertInside,
  assertProblemsLocated,
  boundsOf,
  check,
  deepNesting,
  nastyBytes,
  nastyText,
} from './fuzzKit';
import type { FileBounds } from './fuzzKit';

let root: string;
let runId = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vc-fuzz-'));
});
after(() => rm(root, { recursive: true, force: true }));

/** Indexes a fresh folder holding `files`; checks the invariants every index must hold. */
async function indexFiles(files: Record<string, string | Uint8Array>): Promise<DatasetIndex> {
  const folder = join(root, String(runId++));
  const { mkdir } = await import('node:fs/promises');
  await mkdir(folder);
  const bounds = new Map<string, FileBounds>();
  for (const [name, content] of Object.entries(files)) {
    const path = join(folder, name);
    await writeFile(path, content);
    bounds.set(path, await boundsOf(path));
  }
  try {
    const index = await indexDataset(folder);
    assertProblemsLocated(index.problems, bounds);
    for (const sample of index.samples) {
      const fileBounds = bounds.get(sample.source.file);
      assert.ok(fileBounds, `sample ${sample.id} located in an unexpected file ${sample.source.file}`);
      assertInside(sample.source, fileBounds, `sample ${sample.id}`);
      assert.match(sample.id, /^[\w.-]+#[0-9a-f]{10}(~\d+)?$/, 'sample ids stay path-free');
    }
    assert.equal(new Set(index.samples.map((s) => s.id)).size, index.samples.length, 'sample ids are unique');
    return index;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

const EXTENSIONS = ['json', 'jsonl', 'txt', 'csv', 'tsv'] as const;

describe('random input under every annotation extension', () => {
  test('random bytes (invalid UTF-8, BOMs, NULs): no exception, every problem located', async () => {
    await check(
      fc.asyncProperty(fc.constantFrom(...EXTENSIONS), nastyBytes, async (ext, bytes) => {
        await indexFiles({ [`data.${ext}`]: bytes });
      }),
      120,
    );
  });

  test('random text with JSON/CSV punctuation, line breaks and prototype names', async () => {
    await check(
      fc.asyncProperty(fc.constantFrom(...EXTENSIONS), nastyText, async (ext, text) => {
        await indexFiles({ [`data.${ext}`]: text });
      }),
      150,
    );
  });

  test('random JSON values, one per line or as one document', async () => {
    await check(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ maxDepth: 4 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        async (values, lines) => {
          const text = lines ? values.map((v) => JSON.stringify(v)).join('\n') : JSON.stringify(values);
          await indexFiles({ [lines ? 'data.jsonl' : 'data.json']: text });
        },
      ),
      150,
    );
  });

  test('deeply nested JSON in a record neither throws nor costs the other records', async () => {
    await check(
      fc.asyncProperty(deepNesting, fc.constantFrom('jsonl', 'json'), async (deep, layout) => {
        const good = (i: number) =>
          JSON.stringify({
            id: `r${i}`,
            video: `v${i}.mp4`,
            conversations: [
              { from: 'human', value: '<video>\nq' },
              { from: 'gpt', value: 'a' },
            ],
          });
        const bad = `{"id":"deep","video":"d.mp4","conversations":[{"from":"human","value":"<video>"}],"x":${deep}}`;
        const records = [good(0), bad, good(2)];
        const text = layout === 'jsonl' ? records.join('\n') : `[${records.join(',\n')}]`;
        const index = await indexFiles({ [`data.${layout}`]: text });
        const ids = index.samples.map((s) => s.recordId);
        assert.ok(ids.includes('r0'), `record before lost: ${JSON.stringify(ids)}`);
        // An unclosed bracket in a JSON document legitimately runs to the end of the file.
        const closed = deep.endsWith(']') || deep.endsWith('}');
        if (layout === 'jsonl' || closed)
          assert.ok(ids.includes('r2'), `record after lost: ${JSON.stringify(ids)}`);
      }),
      12,
    );
  });

  test('video-curator.json: random text and random JSON never throw; problems point at the config', async () => {
    const config = fc.oneof(
      nastyText,
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            // Relative roots only: an absolute one ("/") would make the test walk the whole disk.
            videoRoots: fc.oneof(
              fc.array(fc.string().map((p) => p.replace(/^[\\/]+|\.\./g, ''))),
              fc.jsonValue({ maxDepth: 2 }).filter((v) => !JSON.stringify(v).includes('"/')),
            ),
            exclude: fc.oneof(fc.array(fc.string()), fc.jsonValue({ maxDepth: 2 })),
            formats: fc.oneof(
              fc.dictionary(nastyText, fc.oneof(fc.constantFrom('llava', 'msrvtt', 'nope'), fc.jsonValue())),
              fc.jsonValue({ maxDepth: 2 }),
            ),
            __proto__: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
    );
    await check(
      fc.asyncProperty(config, async (text) => {
        await indexFiles({
          'video-curator.json': text,
          'sta.txt': 'V1 1.0 2.0##a person sits.\n',
        });
      }),
      120,
    );
  });
});

// ---------- valid records per format, and their mutations ----------

const word = fc
  .string({
    unit: fc.constantFrom('a', 'b', 'c', 'x', ' ', 'é', '😀', '?', '.', ',', '#', "'", '-', '\u2028'),
    minLength: 1,
    maxLength: 16,
  })
  .filter((s) => s.trim() !== '' && s.trim() === s);
const seconds = fc.integer({ min: 0, max: 5000 }).map((n) => n / 10);

interface Seed {
  q: string;
  a: string;
  s: number;
  e: number;
}
const seed: fc.Arbitrary<Seed> = fc.record({ q: word, a: word, s: seconds, e: seconds }).map((r) => ({
  ...r,
  e: r.s + r.e + 0.1,
}));

type Family = 'lines' | 'array' | 'object' | 'msrvtt';

interface FormatSpec {
  name: string;
  format: DatasetFormat;
  ext: string;
  family: Family;
  /** One record: a JSON value, or a line of text. */
  record(i: number, seed: Seed): unknown;
  header?: string;
  /** Junk that keeps the file's structure, so only this record can be lost. */
  junk: fc.Arbitrary<string>;
}

const BALANCED_JUNK = [
  'null',
  '5',
  '"str"',
  '[]',
  '{}',
  'tru',
  '-',
  '1e999',
  '{"a":}',
  '[1,,2]',
  '"\\u12"',
  '{"__proto__":{"polluted":1}}',
  '{"conversations":5,"messages":"x","relevant_windows":{},"options":7,"question":[]}',
];
const lineJunk = fc.oneof(
  fc.constantFrom(...BALANCED_JUNK),
  nastyText.map((t) => t.replace(/[\r\n]/g, ' ')),
);
const jsonJunk = fc.constantFrom(...BALANCED_JUNK);

const llavaRecord = (i: number, r: Seed) => ({
  id: `r${i}`,
  video: `v${i}.mp4`,
  conversations: [
    { from: 'human', value: `<video>\n${r.q}` },
    { from: 'gpt', value: r.a },
  ],
});
const messagesRecord = (i: number, r: Seed) => ({
  id: `r${i}`,
  messages: [
    { role: 'user', content: `<video>${r.q}` },
    { role: 'assistant', content: r.a },
  ],
  videos: [`v${i}.mp4`],
});
const groundingRecord = (i: number, r: Seed) => ({
  qid: i,
  query: r.q,
  duration: r.e + 10,
  vid: `v${i}`,
  relevant_windows: [[r.s, r.e]],
});
const choiceRecord = (i: number, r: Seed) => ({
  question_id: `q${i}`,
  video: `v${i}.mp4`,
  question: r.q,
  options: [`A. ${r.a}`, 'B. other', 'C. none'],
  answer: 'B',
});
const cell = (text: string, delimiter: string) =>
  delimiter === ',' ? `"${text.replace(/"/g, '""')}"` : text.replace(/[\t"]/g, ' ');

const SPECS: FormatSpec[] = [
  ...(['jsonl', 'json'] as const).flatMap((ext) => {
    const family: Family = ext === 'jsonl' ? 'lines' : 'array';
    const junk = ext === 'jsonl' ? lineJunk : jsonJunk;
    return [
      { name: `llava ${ext}`, format: 'llava' as const, ext, family, record: llavaRecord, junk },
      {
        name: `llava-messages ${ext}`,
        format: 'llava-messages' as const,
        ext,
        family,
        record: messagesRecord,
        junk,
      },
      {
        name: `grounding ${ext}`,
        format: 'grounding-jsonl' as const,
        ext,
        family,
        record: groundingRecord,
        junk,
      },
      {
        name: `multiple-choice ${ext}`,
        format: 'multiple-choice' as const,
        ext,
        family,
        record: choiceRecord,
        junk,
      },
    ];
  }),
  ...([',', '\t'] as const).map((d): FormatSpec => ({
    name: `multiple-choice ${d === ',' ? 'csv' : 'tsv'}`,
    format: 'multiple-choice',
    ext: d === ',' ? 'csv' : 'tsv',
    family: 'lines',
    header: ['video', 'qid', 'question', 'a0', 'a1', 'answer'].join(d),
    record: (i, r) =>
      [`v${i}.mp4`, String(i), r.q, r.a, 'other', '1']
        .map((c) => cell(c.replace(/[\r\n\u2028]/g, ' '), d))
        .join(d),
    junk: nastyText.map((t) => t.replace(/[\r\n"]/g, ' ')),
  })),
  {
    name: 'charades-sta',
    format: 'charades-sta',
    ext: 'txt',
    family: 'lines',
    record: (i, r) => `V${i} ${r.s} ${r.e}##${r.q}`,
    junk: fc.oneof(
      fc.constantFrom('V 1 x##q', 'V 1 2##', '##', 'V 2 1##reversed', 'V -1 2##negative', 'V 1e999 2##inf'),
      nastyText.map((t) => t.replace(/[\r\n]/g, ' ')),
    ),
  },
  {
    name: 'activitynet-captions',
    format: 'activitynet-captions',
    ext: 'json',
    family: 'object',
    record: (_i, r) => ({ duration: r.e + 10, timestamps: [[r.s, r.e]], sentences: [r.q] }),
    junk: fc.constantFrom(
      ...BALANCED_JUNK,
      '{"timestamps":[[1]],"sentences":["a"]}',
      '{"timestamps":[[1,2]],"sentences":[5]}',
      '{"timestamps":[],"sentences":["a","b"]}',
      '{"timestamps":[[1,2]],"sentences":["a"],"fps":-1}',
    ),
  },
  {
    name: 'multiple-choice json-object (TempCompass)',
    format: 'multiple-choice',
    ext: 'json',
    family: 'object',
    record: (_i, r) => ({ 'multi-choice': [{ question: r.q, options: [r.a, 'other'], answer: 'A' }] }),
    junk: fc.constantFrom(...BALANCED_JUNK, '{"caption":[{"question":"q"}]}', '{"x":[5,{"question":1}]}'),
  },
  {
    name: 'msrvtt',
    format: 'msrvtt',
    ext: 'json',
    family: 'msrvtt',
    record: (i, r) => ({ caption: r.q, video_id: `video${i}`, sen_id: i }),
    junk: fc.constantFrom(
      'null',
      '5',
      '"s"',
      '[]',
      '{}',
      '{"caption":5}',
      '{"caption":" "}',
      '{"__proto__":1}',
    ),
  },
];

function render(spec: FormatSpec, records: string[]): string {
  switch (spec.family) {
    case 'lines':
      return [...(spec.header ? [spec.header] : []), ...records].join('\n') + '\n';
    case 'array':
      return `[\n${records.join(',\n')}\n]\n`;
    case 'object':
      return `{\n${records.map((r, i) => `"v_${i}": ${r}`).join(',\n')}\n}\n`;
    case 'msrvtt':
      return `{"info": {"year": 2016}, "videos": [{"video_id": "video0"}],\n"sentences": [\n${records.join(',\n')}\n]}\n`;
  }
}

function recordText(spec: FormatSpec, i: number, r: Seed): string {
  const value = spec.record(i, r);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Which record (0-based) a sample came from. */
function recordOf(spec: FormatSpec, sample: Sample): number {
  const source = sample.source;
  const segments = (source.pointer ?? '').split('/').slice(1);
  switch (spec.family) {
    case 'lines':
      return source.line - 1 - (spec.header ? 1 : 0);
    case 'array':
      return Number(segments[0]);
    case 'object':
      return Number(segments[0].replace(/^v_/, ''));
    case 'msrvtt':
      return Number(segments[1]);
  }
}

const records = fc.array(seed, { minLength: 2, maxLength: 7 });

for (const spec of SPECS) {
  describe(`${spec.name}: mutations of valid records`, () => {
    test('valid records all index as samples of this format', async () => {
      await check(
        fc.asyncProperty(records, async (seeds) => {
          const index = await indexFiles({
            [`data.${spec.ext}`]: render(
              spec,
              seeds.map((r, i) => recordText(spec, i, r)),
            ),
          });
          assert.deepEqual(
            index.files.map((f) => f.format),
            [spec.format],
          );
          const found = new Set(index.samples.map((s) => recordOf(spec, s)));
          assert.equal(
            found.size,
            seeds.length,
            `samples: ${JSON.stringify(index.samples.map((s) => s.source))}`,
          );
          const parseProblems = index.problems.filter(
            (p) => p.code === 'unparsable-record' || p.code === 'invalid-record',
          );
          assert.deepEqual(parseProblems, []);
        }),
        25,
      );
    });

    test('one record replaced by junk costs only that record', async () => {
      await check(
        fc.asyncProperty(records, fc.nat(), spec.junk, async (seeds, pick, junk) => {
          const bad = 1 + (pick % (seeds.length - 1)); // keep the first record: it decides the format
          const texts = seeds.map((r, i) => (i === bad ? junk : recordText(spec, i, r)));
          const index = await indexFiles({ [`data.${spec.ext}`]: render(spec, texts) });
          assert.deepEqual(
            index.files.map((f) => f.format),
            [spec.format],
          );
          const found = new Set(index.samples.map((s) => recordOf(spec, s)));
          for (let i = 0; i < seeds.length; i++) {
            if (i !== bad) assert.ok(found.has(i), `record ${i} lost next to junk ${JSON.stringify(junk)}`);
          }
        }),
        40,
      );
    });

    test('truncation, byte flips, inserted junk, dropped/duplicated/retyped fields: no exception, located', async () => {
      const mutation = fc.oneof(
        fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
        fc.record({
          kind: fc.constant('flip' as const),
          flips: fc.array(
            fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 255 })),
            {
              minLength: 1,
              maxLength: 6,
            },
          ),
        }),
        fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: nastyText }),
        fc.record({
          kind: fc.constant('field' as const),
          at: fc.nat(),
          op: fc.constantFrom('drop', 'dup', 'retype'),
          value: fc.jsonValue({ maxDepth: 2 }),
        }),
      );
      await check(
        fc.asyncProperty(records, mutation, async (seeds, m) => {
          let texts = seeds.map((r, i) => recordText(spec, i, r));
          if (m.kind === 'field') {
            const i = m.at % texts.length;
            const value = spec.record(i, seeds[i]);
            if (typeof value === 'object' && value !== null) {
              const keys = Object.keys(value);
              const key = keys[m.at % keys.length];
              const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
              if (m.op === 'drop') delete copy[key];
              else if (m.op === 'retype') copy[key] = m.value;
              texts[i] = JSON.stringify(copy);
              if (m.op === 'dup') texts = [...texts.slice(0, i + 1), texts[i], ...texts.slice(i + 1)];
            } else if (m.op === 'dup') {
              texts = [...texts.slice(0, i + 1), texts[i], ...texts.slice(i + 1)];
            } else {
              texts[i] = String(value)
                .split(' ')
                .slice(0, m.op === 'drop' ? 2 : 3)
                .join(' ');
            }
          }
          let bytes = Buffer.from(render(spec, texts));
          if (m.kind === 'truncate') bytes = bytes.subarray(0, Math.floor(m.at * bytes.length));
          if (m.kind === 'flip') {
            bytes = Buffer.from(bytes);
            for (const [where, mask] of m.flips) {
              const at = Math.min(bytes.length - 1, Math.floor(where * bytes.length));
              bytes[at] ^= mask;
            }
          }
          if (m.kind === 'insert') {
            const lines = bytes.toString('utf8').split('\n');
            lines.splice(m.at % (lines.length + 1), 0, m.text);
            bytes = Buffer.from(lines.join('\n'));
          }
          await indexFiles({ [`data.${spec.ext}`]: bytes });
        }),
        60,
      );
    });
  });
}
