// Frame information density and inter-frame dynamics on real decoded frames (MediaService at 64x64,
// built-in frame-signature and motion models): still, moving and many-scene generated clips behave
// as the definitions in docs/signals.md promise, and real clips rank the intuitive way.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { detectShots } from '../../../src/core/analysis/shotDetection';
import { symmetricEigenvalues, utrSignals } from '../../../src/core/analysis/utrSignals';
import { descriptorTrackFor, lavfiClip, releaseDescriptorModels } from '../../helpers/descriptorTrack';
import { noFfmpeg } from '../../helpers/mediaFixtures';

const realdata = resolve(__dirname, '../../../../shared/realdata');
const noRealdata = noFfmpeg || (existsSync(realdata) ? false : `no ${realdata}`);

/** A lavfi source (`smptebars`, `color=c=red`) for `seconds` at 128x96, 25 fps, ready to concatenate. */
const segment = (source: string, seconds: number) =>
  `${source}${source.includes('=') ? ':' : '='}s=128x96:r=25:d=${seconds},format=yuv420p,setsar=1`;
const concat = (...segments: string[]) =>
  segments.map((s, i) => `${s}[s${i}];`).join('') +
  `${segments.map((_, i) => `[s${i}]`).join('')}concat=n=${segments.length}`;

const clips = {
  still: () => lavfiClip(segment('smptebars', 4)),
  // A 16 px white square crossing a black frame at 60 px/s.
  moving: () =>
    lavfiClip(
      `color=c=black:s=128x96:r=25:d=4[bg];color=c=white:s=16x16:r=25[box];` +
        `[bg][box]overlay=x='mod(t*60\\,112)':y=40:shortest=1,format=yuv420p`,
    ),
  twoScenes: () => lavfiClip(concat(segment('smptebars', 2), segment('rgbtestsrc', 2))),
  eightScenes: () =>
    lavfiClip(
      concat(
        ...[
          'smptebars',
          'rgbtestsrc',
          'testsrc',
          'color=c=red',
          'color=c=navy',
          'smptehdbars',
          'color=c=0x40a040',
          'yuvtestsrc',
        ].map((s) => segment(s, 0.5)),
      ),
    ),
};

after(releaseDescriptorModels);

describe('utrSignals on generated clips', { skip: noFfmpeg }, () => {
  test('a still clip: density and dynamics near 0, components traced', async () => {
    const track = await descriptorTrackFor(clips.still());
    const signals = utrSignals(track);
    assert.ok(signals.density < 0.02, `density ${signals.density}`);
    assert.ok(signals.dynamics < 0.02, `dynamics ${signals.dynamics}`);
    assert.equal(signals.frames.length, 16);
    assert.ok(Math.abs(signals.components.densityVendi - 1) < 0.05);
    for (const key of ['descriptorChange', 'motionRate', 'lagSeconds', 'densityScale', 'changeScale']) {
      assert.ok(Number.isFinite(signals.components[key]), key);
    }
  });

  test('a moving object: dynamics clearly above a still clip', async () => {
    const still = utrSignals(await descriptorTrackFor(clips.still()));
    const moving = utrSignals(await descriptorTrackFor(clips.moving()));
    assert.ok(moving.dynamics > 0.4, `moving dynamics ${moving.dynamics}`);
    assert.ok(moving.dynamics > still.dynamics + 0.3);
    assert.ok(moving.components.motionDynamics > 0.3 && moving.components.changeDynamics > 0.3);
  });

  test('many distinct scenes: density well above one scene; two scenes count as two', async () => {
    const single = utrSignals(await descriptorTrackFor(clips.still()));
    const two = utrSignals(await descriptorTrackFor(clips.twoScenes()));
    const eight = utrSignals(await descriptorTrackFor(clips.eightScenes()));
    assert.ok(eight.density > 0.35, `eight scenes ${eight.density}`);
    assert.ok(eight.density > two.density + 0.2 && two.density > single.density + 0.03);
    // Vendi counts effectively distinct frames: two scenes that share nothing are two.
    assert.ok(Math.abs(two.components.densityVendi - 2) < 0.2, `vendi ${two.components.densityVendi}`);
    assert.ok(eight.components.densityVendi > 6.5, `vendi ${eight.components.densityVendi}`);
  });

  test('robust to how densely the track was sampled (every frame vs 5 fps)', async () => {
    for (const clip of [clips.moving(), clips.eightScenes()]) {
      const dense = utrSignals(await descriptorTrackFor(clip));
      const sparse = utrSignals(await descriptorTrackFor(clip, { fps: 5 }));
      assert.ok(Math.abs(dense.density - sparse.density) < 0.08, `${dense.density} vs ${sparse.density}`);
      assert.ok(Math.abs(dense.dynamics - sparse.dynamics) < 0.1, `${dense.dynamics} vs ${sparse.dynamics}`);
    }
  });

  test('cuts are changes of shot, not dynamics: pairs across them are left out', async () => {
    const track = await descriptorTrackFor(clips.twoScenes());
    const cuts = detectShots(track).cuts;
    assert.deepEqual(
      cuts.map((f) => f.index),
      [50],
    );
    const blind = utrSignals(track);
    const told = utrSignals(track, { cuts });
    assert.ok(told.dynamics < 0.02, `with cuts ${told.dynamics}`);
    assert.ok(blind.components.descriptorChange > told.components.descriptorChange);
    assert.equal(told.density, blind.density);
  });

  test('track speed, when given, is a third part of dynamics', async () => {
    const track = await descriptorTrackFor(clips.still());
    const signals = utrSignals(track, { trackSpeed: 0.25 });
    assert.ok(Math.abs(signals.components.trackDynamics - (1 - Math.exp(-1))) < 1e-9);
    const parts = ['changeDynamics', 'motionDynamics', 'trackDynamics'].map((k) => signals.components[k]);
    assert.ok(Math.abs(signals.dynamics - (parts[0] + parts[1] + parts[2]) / 3) < 1e-9);
  });
});

describe('utrSignals arithmetic', () => {
  test('symmetric eigenvalues by Jacobi rotations', () => {
    const sorted = (m: number[], n: number) =>
      symmetricEigenvalues(Float64Array.from(m), n)
        .sort((a, b) => a - b)
        .map((v) => Math.round(v * 1e9) / 1e9);
    assert.deepEqual(sorted([2, 1, 1, 2], 2), [1, 3]);
    assert.deepEqual(
      sorted([2, -1, 0, -1, 2, -1, 0, -1, 2], 3),
      [2 - Math.SQRT2, 2, 2 + Math.SQRT2].map((v) => Math.round(v * 1e9) / 1e9),
    );
  });

  test('empty and one-frame tracks', () => {
    const empty = { frames: [], descriptors: new Float32Array(0), dim: 2, motionEnergy: new Float32Array(0) };
    assert.deepEqual(utrSignals(empty), { density: 0, dynamics: 0, components: { frames: 0 }, frames: [] });
    const one = {
      frames: [{ index: 0, pts: 0, time: 0 }],
      descriptors: Float32Array.of(1, 0),
      dim: 2,
      motionEnergy: new Float32Array(0),
    };
    const signals = utrSignals(one);
    assert.equal(signals.density, 0);
    assert.equal(signals.dynamics, 0);
  });
});

describe('utrSignals on real footage', { skip: noRealdata }, () => {
  // 5 fps keeps the test fast; both signals are built to hold at that rate.
  const signalsOf = async (file: string, end?: number) => {
    const track = await descriptorTrackFor(join(realdata, file), { fps: 5, ...(end ? { end } : {}) });
    return utrSignals(track, { cuts: detectShots(track).cuts });
  };

  test('a rapid-cut music video is denser than a one-shot yoga clip; sport is more dynamic than a slideshow', async () => {
    const teaser = await signalsOf('zjysteven__lmms-finetune/bm_teaser.mp4');
    const yoga = await signalsOf('OpenGVLab__Ask-Anything/yoga.mp4');
    const slideshow = await signalsOf('Breakthrough__PySceneDetect/testvideo.mp4', 10);
    const sport = await signalsOf('zjysteven__lmms-finetune/curry_vs_thunder.mp4', 10);
    assert.ok(teaser.density > yoga.density + 0.3, `teaser ${teaser.density} vs yoga ${yoga.density}`);
    assert.ok(
      sport.dynamics > slideshow.dynamics + 0.3,
      `sport ${sport.dynamics} vs slideshow ${slideshow.dynamics}`,
    );
    for (const s of [teaser, yoga, slideshow, sport]) {
      assert.ok(s.density >= 0 && s.density <= 1 && s.dynamics >= 0 && s.dynamics <= 1);
    }
  });
});
