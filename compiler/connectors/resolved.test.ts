import { describe, expect, it } from 'vitest';
import { deliveryGuarantee, isBoundedSource, keyFields, sourceOptions } from './index.ts';

describe('isBoundedSource', () => {
  it('follows each connector', () => {
    expect(isBoundedSource('file', { path: 'a.csv' })).toBe(true);
    expect(isBoundedSource('file', { path: 'd', 'source.monitor-interval': '1 s' })).toBe(false);
    expect(isBoundedSource('kafka', { topic: 't' })).toBe(false);
    expect(isBoundedSource('upsert-kafka', { topic: 't' })).toBe(false);
    expect(isBoundedSource('datagen', {})).toBe(false);
    expect(isBoundedSource('datagen', { 'number-of-rows': '10' })).toBe(true);
    expect(isBoundedSource('datagen', { 'fields.id.kind': 'sequence' })).toBe(true);
    expect(isBoundedSource('nexmark', {})).toBe(false);
    expect(isBoundedSource('nexmark', { 'events.num': '5' })).toBe(true);
    expect(isBoundedSource('memory', { 'memory.bounded': 'true' })).toBe(true);
    expect(isBoundedSource('memory', { 'memory.bounded': 'false' })).toBe(false);
  });
});

describe('deliveryGuarantee', () => {
  it('is exactly-once for files and transactional Kafka sinks only', () => {
    expect(deliveryGuarantee('file', {})).toBe('exactly-once');
    expect(deliveryGuarantee('kafka', { 'sink.delivery-guarantee': 'exactly-once' })).toBe('exactly-once');
    expect(deliveryGuarantee('kafka', { 'sink.delivery-guarantee': 'at-least-once' })).toBe('at-least-once');
    expect(deliveryGuarantee('upsert-kafka', {})).toBe('at-least-once');
    expect(deliveryGuarantee('print', {})).toBe('at-least-once');
    expect(deliveryGuarantee('memory', {})).toBe('at-least-once');
  });
});

describe('keyFields and sourceOptions', () => {
  it('read the resolved map', () => {
    expect(keyFields({ 'key.fields': 'a;b' })).toEqual(['a', 'b']);
    expect(keyFields({})).toBeNull();
    const resolved = { connector: 'kafka', topic: 't', 'scan.idle-timeout': '5 s', 'late.sink': 'late' };
    expect(sourceOptions('kafka', resolved)).toEqual({
      connector: 'kafka',
      options: resolved,
      idleTimeoutMs: 5000,
      lateSink: 'late',
    });
    expect(sourceOptions('file', { path: 'x' })).toMatchObject({ idleTimeoutMs: null, lateSink: null });
  });
});
