import { describe, expect, it } from 'vitest';
import { loadWatcherConfig, WatcherConfigError } from '../../runtime/watcher/config.js';

const REQUIRED = {
  GOOGLE_CLOUD_PROJECT: 'vitana-dev',
  GATEWAY_URL: 'https://gateway.example.run.app/',
  SUPABASE_SERVICE_ROLE: 'service-role-token',
};

function errorOf(env: Record<string, string | undefined>): string {
  try {
    loadWatcherConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(WatcherConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('loadWatcherConfig', () => {
  it('applies the defaults', () => {
    expect(loadWatcherConfig(REQUIRED)).toEqual({
      port: 8081,
      projectId: 'vitana-dev',
      gateway: { url: 'https://gateway.example.run.app', token: 'service-role-token', timeoutMs: 10_000 },
      logging: { timeoutMs: 30_000, pageSize: 1000, maxPages: 5, quotaRetries: 2, quotaBackoffMs: 5_000 },
      lookbackMinutes: 60,
      overlapMinutes: 10,
      shutdownGraceMs: 8_000,
    });
  });

  it('reads every setting', () => {
    const config = loadWatcherConfig({
      ...REQUIRED,
      PORT: '9090',
      CLOUD_LOGGING_ENDPOINT: '127.0.0.1:8085',
      WATCHER_LOOKBACK_MINUTES: '120',
      WATCHER_OVERLAP_MINUTES: '0',
      WATCHER_MAX_PAGES: '3',
      WATCHER_PAGE_SIZE: '200',
      WATCHER_QUOTA_RETRIES: '4',
      WATCHER_QUOTA_BACKOFF_MS: '250',
      WATCHER_LOGGING_TIMEOUT_MS: '5000',
      WATCHER_GATEWAY_TIMEOUT_MS: '2000',
      SHUTDOWN_GRACE_MS: '1000',
    });
    expect(config).toMatchObject({
      port: 9090,
      gateway: { timeoutMs: 2000 },
      logging: { endpoint: '127.0.0.1:8085', timeoutMs: 5000, pageSize: 200, maxPages: 3, quotaRetries: 4, quotaBackoffMs: 250 },
      lookbackMinutes: 120,
      overlapMinutes: 0,
      shutdownGraceMs: 1000,
    });
  });

  it('treats empty values as unset', () => {
    const config = loadWatcherConfig({ ...REQUIRED, PORT: '', CLOUD_LOGGING_ENDPOINT: ' ' });
    expect(config.port).toBe(8081);
    expect(config.logging.endpoint).toBeUndefined();
  });

  it('names each missing required setting, in one line', () => {
    const message = errorOf({});
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^invalid watcher configuration: /);
    for (const name of Object.keys(REQUIRED)) expect(message).toContain(`${name} is required`);
  });

  it.each([
    ['GATEWAY_URL', 'not a url', 'GATEWAY_URL must be an http(s) URL'],
    ['GATEWAY_URL', 'ftp://files.example', 'GATEWAY_URL must be an http(s) URL'],
    ['PORT', 'eighty', 'PORT must be an integer'],
    ['PORT', '70000', 'PORT must be at most 65535'],
    ['CLOUD_LOGGING_ENDPOINT', 'localhost', 'CLOUD_LOGGING_ENDPOINT must be host:port'],
    ['CLOUD_LOGGING_ENDPOINT', 'localhost:99999', 'CLOUD_LOGGING_ENDPOINT port must be at most 65535'],
    ['WATCHER_MAX_PAGES', '0', 'WATCHER_MAX_PAGES must be at least 1'],
    ['WATCHER_PAGE_SIZE', '5000', 'WATCHER_PAGE_SIZE must be at most 1000'],
    ['WATCHER_LOOKBACK_MINUTES', '1.5', 'WATCHER_LOOKBACK_MINUTES must be an integer'],
    ['GOOGLE_CLOUD_PROJECT', '   ', 'GOOGLE_CLOUD_PROJECT is required'],
  ])('%s=%j is refused with a message naming it', (name, value, expected) => {
    const message = errorOf({ ...REQUIRED, [name]: value });
    expect(message).toContain(expected);
    expect(message.split(';')).toHaveLength(1);
  });

  it('accepts a bracketed IPv6 endpoint', () => {
    expect(loadWatcherConfig({ ...REQUIRED, CLOUD_LOGGING_ENDPOINT: '[::1]:8085' }).logging.endpoint).toBe('[::1]:8085');
  });
});
