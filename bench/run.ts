/** `npm run bench [suite ...]`: every benchmark, competitors side by side, medians and ratios. */
import { benchCheck } from './check.ts';
import { benchCheckpoint } from './checkpoint.ts';
import { benchKafka } from './kafka.ts';
import { benchKafkaEos } from './kafka-eos.ts';
import { benchMonitor } from './monitor.ts';
import { benchNexmark } from './nexmark.ts';
import { benchNexmarkFile } from './nexmark-file.ts';
import { benchPipeline } from './pipeline.ts';
import { benchProfile } from './profile.ts';
import { benchScale } from './scale.ts';
import { benchStartup } from './startup.ts';

const suites: Record<string, () => Promise<void>> = {
  check: benchCheck,
  pipeline: benchPipeline,
  checkpoint: benchCheckpoint,
  kafka: benchKafka,
  'kafka-eos': benchKafkaEos,
  monitor: benchMonitor,
  nexmark: benchNexmark,
  'nexmark-file': benchNexmarkFile,
  startup: benchStartup,
  scale: benchScale,
  profile: benchProfile,
};
/** Suites that compare nothing: run only when named. */
const onRequest = new Set(['profile']);
const only = process.argv.slice(2);
for (const [name, run] of Object.entries(suites)) {
  if (only.length ? !only.includes(name) : onRequest.has(name)) continue;
  await run();
}
