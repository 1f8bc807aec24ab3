/** The kiosk's own LAN API: HTTPS, API keys, routes contributed by the modules that run. */
export { createLanApi, readBodiesAsText, sendError, type ApiApp, type ApiRoutes, type ApiRouteSource, type LanApi, type LanApiOptions, type LanApiSettings } from './server';
export { healthBody, kioskRoutes, type HealthBody } from './kiosk-routes';
export { createApiKey, hashApiKey } from './keys';
export { certificateFiles, readFingerprint, readPublicKeyPin, CertificateError } from './certificate';
