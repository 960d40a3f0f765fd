import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECTOR_OPTIONS } from '../../runtime/connectors/options.ts';
import { CONNECTOR_NAMES, FORMAT_NAMES, JOB_OPTIONS, renderConnectorDocs } from './index.ts';
import { checkValue } from './values.ts';

describe('docs/connectors.md', () => {
  it('is the rendered registry (written when missing; `vitest run compiler/connectors -u` rewrites it)', async () => {
    await expect(renderConnectorDocs()).toMatchFileSnapshot('../../docs/connectors.md');
  });
  it('documents every connector, format and SET key', () => {
    const md = renderConnectorDocs();
    for (const c of CONNECTOR_NAMES) expect(md).toContain(`### \`${c}\``);
    for (const f of FORMAT_NAMES) expect(md).toContain(`### \`${f}\``);
    for (const o of JOB_OPTIONS) expect(md).toContain(`| \`${o.key}\` |`);
  });

  it('renders computed defaults in words and escapes pipes in tables', () => {
    const md = renderConnectorDocs();
    expect(md).toContain("'group-offsets' with properties.group.id, else 'earliest-offset'");
    expect(md).toContain("'earliest-offset' \\| 'latest-offset' \\| 'group-offsets' \\| 'timestamp'");
    expect(md).toContain('**Required.**');
  });

  it('gives every Kafka option an example, written as in a WITH clause and with a valid value', () => {
    for (const name of ['kafka', 'upsert-kafka'] as const) {
      for (const o of CONNECTOR_OPTIONS[name].options) {
        const m = /^'([^']+)' = '([^']*)'$/.exec(o.example ?? '');
        expect(m, `${name} option ${o.key}: example ${o.example}`).not.toBeNull();
        if (!o.key.endsWith('*')) expect(m![1]).toBe(o.key);
        expect(checkValue(o.type, m![2]!).ok, `${name} ${o.example}`).toBe(true);
      }
    }
    expect(renderConnectorDocs()).toContain("Example: `'scan.startup.mode' = 'latest-offset'`.");
  });

  it("links each connector's folder README, and every connector folder has one and is registered", () => {
    const root = join(import.meta.dirname, '../../runtime/connectors');
    const folders = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'options.ts')))
      .map((e) => e.name)
      .sort();
    const used = [...new Set(CONNECTOR_NAMES.map((c) => CONNECTOR_OPTIONS[c].folder))].sort();
    expect(used).toEqual(folders);
    const missing = folders.filter((f) => !existsSync(join(root, f, 'README.md')));
    expect(missing).toEqual([]);
    const md = renderConnectorDocs();
    for (const f of folders) expect(md).toContain(`(../runtime/connectors/${f}/README.md)`);
  });
});
