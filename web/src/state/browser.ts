// Which browser the person uses, to explain how to unblock the camera in that browser.
export type BrowserFamily = 'chrome' | 'safari' | 'firefox' | 'samsung' | 'other';

export function browserFamily(userAgent: string): BrowserFamily {
  if (/SamsungBrowser/i.test(userAgent)) return 'samsung';
  if (/Firefox|FxiOS/i.test(userAgent)) return 'firefox';
  // Every browser on iOS is Safari underneath, and its permission settings are Safari's.
  if (/iPhone|iPad|iPod/i.test(userAgent)) return 'safari';
  if (/Chrome|CriOS|Chromium|Edg\//i.test(userAgent)) return 'chrome';
  if (/Safari/i.test(userAgent)) return 'safari';
  return 'other';
}
