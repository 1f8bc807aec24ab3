/**
 * The cloud URLs a config sends requests to, and which of them travel over
 * plain http to another machine (allowed only by their section's
 * `allowInsecureHttp`, shown to the attendant as a warning).
 */
import { isSecureCloudUrl, type BoothConfig } from './schema';

export interface CloudUrlInUse {
  /** The setting it comes from, e.g. `api.baseUrl`. */
  field: string;
  url: string;
  /** The section's allowInsecureHttp. */
  allowInsecureHttp: boolean;
}

/** Every base URL in effect (payout's defaults to api.baseUrl + "v2/", with api's allowance). */
export function cloudUrlsInUse(config: BoothConfig): CloudUrlInUse[] {
  const urls: CloudUrlInUse[] = [{ field: 'api.baseUrl', url: config.api.baseUrl, allowInsecureHttp: config.api.allowInsecureHttp }];
  if (config.modules.includes('payout')) {
    urls.push(
      config.payout.baseUrl === null
        ? { field: 'api.baseUrl', url: new URL('v2/', config.api.baseUrl).toString(), allowInsecureHttp: config.api.allowInsecureHttp }
        : { field: 'payout.baseUrl', url: config.payout.baseUrl, allowInsecureHttp: config.payout.allowInsecureHttp },
    );
  }
  if (config.modules.includes('sessions') && config.sessions.baseUrl !== null) {
    urls.push({ field: 'sessions.baseUrl', url: config.sessions.baseUrl, allowInsecureHttp: config.sessions.allowInsecureHttp });
  }
  if (config.modules.includes('bookings') && config.bookings.baseUrl !== null) {
    urls.push({ field: 'bookings.baseUrl', url: config.bookings.baseUrl, allowInsecureHttp: config.bookings.allowInsecureHttp });
  }
  if (config.modules.includes('bookings') && config.bookings.s3.endpoint !== null) {
    urls.push({ field: 'bookings.s3.endpoint', url: config.bookings.s3.endpoint, allowInsecureHttp: config.bookings.allowInsecureHttp });
  }
  return urls;
}

/** The URLs in use over plain http to another machine (each allowed by its section). */
export function insecureCloudUrls(config: BoothConfig): CloudUrlInUse[] {
  return cloudUrlsInUse(config).filter((u) => !isSecureCloudUrl(u.url));
}

/** Origins that requests may reach over plain http to another machine: only those the config allowed. */
export function allowedInsecureOrigins(config: BoothConfig): Set<string> {
  return new Set(insecureCloudUrls(config).filter((u) => u.allowInsecureHttp).map((u) => new URL(u.url).origin));
}
