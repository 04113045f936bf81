import { describe, expect, it } from 'vitest';
import { browserFamily } from './browser';

describe('which browser to give camera instructions for', () => {
  it('recognises Chrome on Android and desktop', () => {
    expect(browserFamily('Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36')).toBe('chrome');
    expect(browserFamily('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/142.0 Safari/537.36')).toBe('chrome');
  });

  it('treats every iPhone browser as Safari, whose settings govern the camera there', () => {
    expect(browserFamily('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1')).toBe('safari');
    expect(browserFamily('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15')).toBe('safari');
  });

  it('recognises Samsung Internet before the Chrome it mentions', () => {
    expect(browserFamily('Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0 Mobile Safari/537.36')).toBe('samsung');
  });

  it('recognises Firefox and falls back to general advice for the rest', () => {
    expect(browserFamily('Mozilla/5.0 (Android 14; Mobile; rv:131.0) Gecko/131.0 Firefox/131.0')).toBe('firefox');
    expect(browserFamily('curl/8.0')).toBe('other');
  });
});
