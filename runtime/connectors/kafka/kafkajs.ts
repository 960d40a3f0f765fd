/**
 * kafkajs, loaded once through `require`: it is a CommonJS module whose exports Node's ESM
 * loader cannot all detect (`import { CompressionCodecs } from 'kafkajs'` fails outside bundlers).
 */
import { createRequire } from 'node:module';
import type * as KafkaJs from 'kafkajs';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as typeof KafkaJs;

export const Kafka = kafkajs.Kafka;
export const CompressionTypes = kafkajs.CompressionTypes;
export const CompressionCodecs = kafkajs.CompressionCodecs;
