import { describe, expect, it } from 'vitest';
import { CONNECTOR_NAMES, FORMAT_NAMES, JOB_OPTIONS, renderConnectorDocs } from './index.ts';

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
});
