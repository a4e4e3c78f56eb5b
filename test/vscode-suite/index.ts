// The extension-tests entry VS Code loads into its extension host (the `extensionTestsPath` that
// @vscode/test-electron passes to desktop VS Code, or that code-server's workbench receives in its
// URL payload). Bundled by scripts/build-vscode-suite.mjs. Runs the mocha suite, prints it with the
// spec reporter and, when VIDEO_CURATOR_TEST_RESULTS names a file, writes every result there as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { defineVideoCuratorSuite } from './videoCurator.suite';

export interface SuiteTestResult {
  fullTitle: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: { message: string; stack?: string };
}

export interface SuiteResults {
  /** ISO 8601 start time of the run. */
  startedAt: string;
  durationMs: number;
  passes: number;
  failures: number;
  pending: number;
  /** Tests and failed hooks, in the order they finished. */
  tests: SuiteTestResult[];
  vscodeVersion: string;
}

/** Called by VS Code's extension host; settles once every test ran, rejecting when any failed. */
export function run(): Promise<void> {
  // Failures' stack traces then point into the suite's .ts files (the bundle has an inline map).
  process.setSourceMapsEnabled(true);
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  // The suite is bundled into this file instead of being loaded by mocha from disk, so announce it
  // as a file: that binds mocha's suite()/test() to this run's root suite.
  mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, {}, 'videoCurator.suite.ts', mocha);
  defineVideoCuratorSuite();

  const resultsPath = process.env.VIDEO_CURATOR_TEST_RESULTS;
  const started = Date.now();
  const tests: SuiteTestResult[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passes = tests.filter((t) => t.state === 'passed').length;
      const results: SuiteResults = {
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        passes,
        failures,
        pending: tests.filter((t) => t.state === 'pending').length,
        tests,
        vscodeVersion: vscode.version,
      };
      if (resultsPath) {
        mkdirSync(dirname(resultsPath), { recursive: true });
        writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
      }
      if (failures > 0) reject(new Error(`${failures} of the Video Curator integration tests failed`));
      else if (passes === 0) reject(new Error('the Video Curator integration suite ran no tests'));
      else resolve();
    });
    const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;
    runner.on(EVENT_TEST_PASS, (t: Mocha.Test) =>
      tests.push({ fullTitle: t.fullTitle(), state: 'passed', durationMs: t.duration }),
    );
    runner.on(EVENT_TEST_PENDING, (t: Mocha.Test) =>
      tests.push({ fullTitle: t.fullTitle(), state: 'pending' }),
    );
    // Fires for failed hooks too (suiteSetup), which then stand for the tests they kept from running.
    runner.on(EVENT_TEST_FAIL, (t: Mocha.Runnable, error: Error) =>
      tests.push({
        fullTitle: t.fullTitle(),
        state: 'failed',
        durationMs: t.duration,
        error: { message: error.message, stack: error.stack },
      }),
    );
  });
}
