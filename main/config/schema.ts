/**
 * The one config file of a kiosk. camelCase keys, unknown keys rejected, every
 * default stated here (docs/config.md is generated from this schema).
 */
import net from 'node:net';
import { z } from 'zod';

export const knownModules = ['gate', 'payout', 'sessions', 'intake', 'bookings'] as const;
export type ModuleName = (typeof knownModules)[number];

const seconds = (min: number, max: number) => z.number().min(min).max(max);

// One check, one message: a value that is not a URL is not also told to end in "/".
const baseUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'an http(s) URL' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'an http(s) URL' });
  else if (!value.endsWith('/')) ctx.addIssue({ code: 'custom', message: 'a URL ending in "/" (endpoints are resolved against it)' });
});

/** Plain http is harmless only to this machine: 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** True for a URL the API key and the cloud's decisions may travel over: https, or http to loopback. */
export function isSecureCloudUrl(value: string): boolean {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

const INSECURE_HTTP_TEXT =
  'an https:// URL (plain http only to this machine: 127.0.0.1 or localhost; for a server on the local network set allowInsecureHttp: true in this section, see docs/operations.md)';

/**
 * A section that talks to a cloud server: its `baseUrl` must be https (or
 * loopback) unless the same section says `allowInsecureHttp: true`. Every
 * section with a cloud URL is built with this, so a URL added later gets the
 * same rule and the same switch.
 */
function cloudSection<S extends z.core.$ZodLooseShape>(shape: S, what: string) {
  return z
    .strictObject({
      ...shape,
      allowInsecureHttp: z
        .boolean()
        .default(false)
        .describe(
          `Allow plain http (no encryption) to a non-loopback ${what}, e.g. a server on the venue's LAN. The API key and the server's answers then travel unprotected on that network; the admin overview shows a warning.`,
        ),
    })
    .superRefine(
      (section, ctx) => {
        const { baseUrl: value, allowInsecureHttp } = section as { baseUrl?: unknown; allowInsecureHttp?: unknown };
        if (typeof value !== 'string' || allowInsecureHttp === true) return;
        let secure: boolean;
        try {
          secure = isSecureCloudUrl(value);
        } catch {
          return; // not a URL: baseUrl's own check says so
        }
        if (!secure) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: INSECURE_HTTP_TEXT });
      },
      // Also when another field of the section is wrong, so every error shows at once.
      { when: (payload) => payload.issues.every((i) => !['baseUrl', 'allowInsecureHttp'].includes(String(i.path?.[0]))) },
    );
}

const endpoint = z
  .string()
  .max(200)
  .refine((s) => !/^[a-z]+:/i.test(s) && !s.startsWith('/'), {
    error: 'a path relative to api.baseUrl, without a leading "/"',
  });

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'an IANA time zone such as "Asia/Jakarta"' },
);

export const apiSchema = cloudSection(
  {
    baseUrl: baseUrl
      .default('http://127.0.0.1:8787/api/')
      .describe('Base URL of the venue cloud API, ending in "/". https://, or http:// only to this machine (loopback) unless allowInsecureHttp is true.'),
    fetchEndpoint: endpoint.default('bookings/summary').describe('Ticket download path (GET), relative to baseUrl.'),
    syncEndpoint: endpoint.default('bookings/update-used').describe('Usage upload path (POST), relative to baseUrl.'),
    probeEndpoint: endpoint.default('').describe('Path probed (HEAD) to prove the API is reachable; "" probes baseUrl.'),
    apiKey: z.string().max(500).nullable().default(null).describe('API key sent on every request, if the venue needs one. Secret: masked in admin.'),
    apiKeyHeader: z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'an HTTP header name' }).default('X-Api-Key').describe('Header that carries apiKey.'),
    timeoutSeconds: seconds(1, 300).default(30).describe('Timeout of one HTTP request.'),
    retryAttempts: z.number().int().min(0).max(10).default(3).describe('Quick retries inside one attempt; an item is retried after that with backoff for as long as it takes.'),
    retryDelaySeconds: seconds(0, 300).default(5).describe('Delay between quick retries.'),
  },
  'api.baseUrl',
);

export const servicesSchema = z.strictObject({
  fetchIntervalSeconds: seconds(5, 86_400).default(300).describe('How often tickets are downloaded.'),
  syncIntervalSeconds: seconds(0.1, 3_600).default(1).describe('How often the upload queue is checked when idle.'),
  probeIntervalSeconds: seconds(1, 3_600).default(30).describe('How often connectivity is probed.'),
  fetchEnabled: z.boolean().default(true).describe('Download tickets on the interval.'),
  syncEnabled: z.boolean().default(true).describe('Upload queued items.'),
});

export const loggingSchema = z.strictObject({
  level: z.enum(['error', 'warn', 'info', 'debug']).default('info').describe('Lowest level written.'),
  file: z.string().min(1).max(500).default('booth.log').describe('Log file; relative paths are inside the data folder.'),
  maxSizeBytes: z.number().int().min(10_000).default(10 * 1024 * 1024).describe('Size at which the log rotates.'),
  backupCount: z.number().int().min(0).max(50).default(5).describe('Rotated files kept.'),
});

export const screenSchema = z.strictObject({
  idleTimeoutSeconds: seconds(5, 3_600).default(45).describe('Idle time before a screen returns to the attract screen.'),
  resultSeconds: seconds(1, 120).default(5).describe('How long a result stays on screen.'),
  language: z.enum(['en', 'id']).default('en').describe('Language shown on the attract screen.'),
});

export const adminSchema = z.strictObject({
  pinHash: z
    .string()
    .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, { error: 'a hash written by `booth set-pin`' })
    .nullable()
    .default(null)
    .describe('scrypt hash of the admin PIN, written by `booth set-pin`. Never the PIN itself. Secret: masked in admin.'),
  idleTimeoutSeconds: seconds(10, 3_600).default(120).describe('Admin mode closes itself after this idle time.'),
  maxTries: z.number().int().min(1).max(20).default(5).describe('Wrong PINs before a lockout.'),
  lockoutBaseSeconds: seconds(1, 3_600).default(30).describe('First lockout; each further wrong PIN doubles it.'),
  lockoutMaxSeconds: seconds(1, 86_400).default(3_600).describe('Longest lockout.'),
});

export const clockSchema = z.strictObject({
  skewWarningSeconds: seconds(1, 86_400).default(120).describe('Clock difference to the cloud that shows a warning.'),
  trustedAtBoot: z
    .boolean()
    .default(false)
    .describe('The wall clock is right from boot (a real-time clock, or set before Booth starts). Otherwise it is trusted once the OS set it from a time server (systemd-timesyncd\'s /run/systemd/timesync/synchronized exists) or the cloud\'s Date header agreed with it, and never while the cloud\'s Date header disagrees; until then timed sessions end by the monotonic clock, never early.'),
});

/**
 * The whole trimmed scan is one reference (`YYYYMMDD-NNNNNN`, with a test
 * suffix in any case), alone or delimited inside a URL or text; a second
 * reference anywhere makes it unreadable.
 */
export const DEFAULT_REFERENCE_PATTERN =
  '^(?!.*\\d{8}-\\d{6}.*\\d{8}-\\d{6})(?:.*[/=#?&:\\s])?(\\d{8}-\\d{6}(?:-[Dd][Uu][Mm][Mm][Yy])?)(?:[/?#&\\s].*)?$';

const regexSource = z.string().max(500).refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'a valid regular expression' },
);

export const gateSchema = z.strictObject({
  attraction: z.string().min(1).max(40).default('A').describe('The attraction this gate serves (a key of the ticket\'s "attractions").'),
  referencePattern: regexSource
    .default(DEFAULT_REFERENCE_PATTERN)
    .describe(
      'Regular expression whose first group (or whole match) is the reference number in a scan. The default accepts a reference alone, or one that stands between delimiters (/ = # ? & : or a space) in a URL or text, e.g. https://venue.example/t/20251009-000001 or ?ref=20251009-000001; two references, or one glued to other letters or digits, are UNREADABLE. With any pattern, a reference followed by -dummy (in any case) is the test ticket, never the live one.',
    ),
  validDaysBefore: z.number().int().min(0).max(365).default(0).describe('A ticket is valid this many days before its booking date.'),
  validDaysAfter: z.number().int().min(0).max(365).default(0).describe('A ticket is valid this many days after its booking date.'),
  maxScanLength: z.number().int().min(16).max(4096).default(256).describe('Longer scanner lines are UNREADABLE.'),
  duplicateScanSeconds: seconds(0, 60).default(2).describe('An identical scan within this time is ignored.'),
  choiceTimeoutSeconds: seconds(3, 300).default(20).describe('An unanswered "how many persons" choice cancels after this time, recording nothing.'),
  retentionDays: z.number().int().min(1).max(3650).default(90).describe('Tickets older than this (by booking date) are deleted with their acknowledged admissions.'),
  uploadAllAttractions: z.boolean().default(false).describe('Send every attraction of a ticket in an upload, not only the changed one (for servers that need it).'),
});

export const scannerSchema = z.strictObject({
  path: z.string().max(500).nullable().default(null).describe('Serial device of the ticket scanner (on a kiosk that runs intake and no gate: the intake board\'s tag scanner); prefer /dev/serial/by-id/... or the udev name /dev/booth-scanner. null: keyboard-wedge scanner only.'),
  baudRate: z.number().int().min(1200).max(921_600).default(9600).describe('Serial speed.'),
  terminator: z.enum(['CR', 'LF', 'CRLF']).default('CR').describe('What ends one scan on the serial line (carriage return, line feed, or both).'),
  reconnectMaxSeconds: seconds(1, 600).default(30).describe('Longest wait between reconnect attempts after the scanner is unplugged.'),
});

export const hopperSchema = z.strictObject({
  path: z.string().max(500).nullable().default(null).describe('Serial device of the ccTalk coin hopper; prefer the udev name /dev/booth-hopper. null: no hopper.'),
  baudRate: z.number().int().min(1200).max(115_200).default(9600).describe('ccTalk speed (9600 on almost every hopper).'),
  address: z.number().int().min(1).max(255).default(3).describe('ccTalk address of the hopper (3 is the usual first payout device).'),
  hostAddress: z.number().int().min(1).max(255).default(1).describe('ccTalk address of the kiosk (host).'),
  serialNumberDispense: z.boolean().default(true).describe('Use the serial-number form of "dispense hopper coins" (header 167), as most hoppers require.'),
  replyTimeoutMs: z.number().int().min(20).max(5_000).default(250).describe('How long to wait for a ccTalk reply before calling the hopper silent.'),
  reconnectMaxSeconds: seconds(1, 600).default(30).describe('Longest wait between reconnect attempts.'),
});

export const devicesSchema = z.strictObject({
  scanner: z.strictObject(scannerSchema.shape).prefault({}),
  hopper: z.strictObject(hopperSchema.shape).prefault({}),
});

const positiveMoney = z.number().positive().max(1_000_000);

export const payoutSchema = cloudSection({
  baseUrl: baseUrl
    .nullable()
    .default(null)
    .describe('Base URL of the payout API ending in "/"; null means api.baseUrl + "v2/" (as the seed\'s /api/v2). https://, or http:// only to loopback unless allowInsecureHttp is true.'),
  amounts: z.array(positiveMoney).min(1).max(8).default([5, 10, 20]).describe('Amounts the customer can choose.'),
  coinValue: positiveMoney.default(0.25).describe('Value of one coin in the hopper.'),
  currency: z.string().min(1).max(8).default('USD').describe('Currency shown next to amounts.'),
  maxAmount: positiveMoney.default(50).describe('Largest amount of one transaction.'),
  dailyCap: positiveMoney.default(1_000).describe('Most paid out per day, in the venue time zone.'),
  pollIntervalSeconds: seconds(0.05, 600).default(2).describe('How often dispense jobs are polled.'),
  activePollIntervalSeconds: seconds(0.05, 60).default(0.5).describe('Poll interval while a customer\'s transaction is on screen.'),
  qrLifetimeMinutes: seconds(1, 240).default(15).describe('QR lifetime when the server does not send expiresAt (the seed\'s 15 minutes).'),
  lowCoinReserve: z.number().int().min(0).max(100_000).default(0).describe('Coins kept in reserve: the kiosk goes out of service when it could not pay the largest amount plus this.'),
}, 'payout.baseUrl');

export const syncSchema = z.strictObject({
  concurrency: z.number().int().min(1).max(32).default(4).describe('Uploads in flight at once (one per ticket at most, in order).'),
  backoffBaseSeconds: seconds(0.05, 600).default(1).describe('First retry delay after a failed attempt; doubles each time (full jitter).'),
  backoffCapSeconds: seconds(0.1, 86_400).default(300).describe('Longest delay between attempts; transient failures retry for as long as it takes.'),
  stallSeconds: seconds(0.5, 300)
    .default(5)
    .describe(
      'An upload unanswered this long is stalled. While every upload in flight is stalled, one more is tried to learn when the server answers again; once it answers an upload sent this much later, the stalled ones are sent again at once (same Idempotency-Key). Keep it above the server\'s slowest normal answer.',
    ),
});

const sessionResourceSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, { error: 'letters, digits and . _ : - (at most 64): the systemId the cloud knows it by' }).optional().describe('The systemId the cloud knows this resource by; default: its name.'),
  name: z.string().min(1).max(40).describe('Name on the board, e.g. "PC01".'),
  kind: z.string().min(1).max(40).default('PC').describe('What it is, e.g. "PC", "console", "court".'),
});

export const sessionsSchema = cloudSection({
  baseUrl: baseUrl.nullable().default(null).describe('Base URL of the sessions API ending in "/"; null means api.baseUrl.'),
  statusEndpoint: endpoint.default('sessions/status').describe('Each change of a resource\'s status is POSTed here through the outbox ({"systemId","status","activeBooking","at"}).'),
  pullEndpoint: endpoint.nullable().default(null).describe('Optional: sessions booked in the cloud are pulled from here (GET); null: none are.'),
  pullIntervalSeconds: seconds(5, 86_400).default(60).describe('How often sessions are pulled from pullEndpoint.'),
  resources: z
    .array(sessionResourceSchema)
    .max(2_000)
    .default([])
    .refine((list) => new Set(list.map((r) => r.id ?? r.name)).size === list.length, { error: 'each resource once (ids, or names where no id is given, must differ)' })
    .describe('The resources sessions run on (the café\'s PCs). Added or renamed at start; one removed from here is retired at start (off the board, its history kept; not while a session runs on it). The attendant adds, renames and retires further ones in admin.'),
  presetMinutes: z.array(z.number().int().min(1).max(1_440)).min(1).max(8).default([30, 60, 120]).describe('Durations the attendant starts or extends a session with in one touch.'),
  maxMinutes: z.number().int().min(1).max(10_080).default(1_440).describe('Longest session (start or extend).'),
  warningMinutes: z.array(z.number().min(0.1).max(120)).max(4).default([5, 1]).describe('The board warns when a session has this little time left.'),
  sweepIntervalSeconds: seconds(1, 3_600).default(60).describe('The safety-net sweep (the seed\'s cron job); each session also has its own exact timer.'),
}, 'sessions.baseUrl');

/** `sha256:` and the 64 hex digits of the SHA-256 of an API key, as `booth api-key` prints it. */
export const API_KEY_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

export const lanApiSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Serve the kiosk's own HTTPS API (GET /health, POST /api/jobs/:name/run, and the routes of the modules this kiosk runs). See docs/operations.md, \"LAN API\"."),
    host: z
      .string()
      .refine((h) => net.isIP(h) !== 0, { error: 'an IP address such as "127.0.0.1" (this machine only), the kiosk\'s LAN address, or "0.0.0.0" (every interface)' })
      .default('127.0.0.1')
      .describe('Address the API listens on. The default answers this machine only; the local network needs the kiosk\'s LAN address or "0.0.0.0".'),
    port: z.number().int().min(0).max(65_535).default(8443).describe('TCP port of the API (0: any free port, printed in the log).'),
    apiKeyHashes: z
      .array(z.string().regex(API_KEY_HASH_PATTERN, { error: 'a hash printed by `booth api-key` ("sha256:" and 64 hex digits)' }))
      .max(32)
      .default([])
      .describe('Hashes of the keys a client may send in X-API-Key, written by `booth api-key` (the key itself is shown once and never stored). Remove a hash to revoke its key.'),
    bodyLimitBytes: z.number().int().min(1_024).max(16 * 1024 * 1024).default(64 * 1024).describe('Largest request body; a larger one is refused (413).'),
    rateLimitPerMinute: z.number().int().min(1).max(100_000).default(600).describe('Requests one client address may make per minute; more are refused (429) until the minute is over.'),
  })
  .superRefine((section, ctx) => {
    // An API that no key can open would answer 401 to everyone: say so at start instead.
    if (section.enabled && section.apiKeyHashes.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['apiKeyHashes'], message: 'at least one key hash while enabled is true (create one with `booth api-key --config FILE`)' });
    }
  });

/**
 * A REYAX-style LoRa module's line, `+RCV=<addr>,<len>,<data>,<rssi>,<snr>`: the data is
 * everything between the length and the last two numbers (so a comma in it is kept).
 */
export const DEFAULT_LORA_PATTERN = '^\\+RCV=(?<addr>\\d{1,5}),(?<len>\\d{1,3}),(?<payload>.*),(?<rssi>-?\\d{1,3}),(?<snr>-?\\d{1,3}(?:\\.\\d{1,2})?)$';

export const loraReceiverSchema = z.strictObject({
  path: z.string().max(500).nullable().default(null).describe('Serial device of the LoRa receiver; prefer /dev/serial/by-id/... or a udev name. null: payloads only through POST /api/lora/receive.'),
  baudRate: z.number().int().min(1200).max(921_600).default(115_200).describe('Serial speed (REYAX modules ship at 115200).'),
  terminator: z.enum(['CR', 'LF', 'CRLF']).default('CRLF').describe('What ends one line from the receiver. Kept for configs that set it: a packet line never holds a CR or LF, so each of them ends a line whatever this says.'),
  pattern: regexSource
    .default(DEFAULT_LORA_PATTERN)
    .describe(
      'Regular expression a receiver line must match to be a packet; its group named "payload" (else its first group, else the whole match) is the payload, and groups named "rssi", "snr" and "len" are kept with it (a "len" that is not the payload\'s length marks the packet failed). Lines that do not match (the module\'s +OK, +READY, noise) are counted, not stored. "^(?<payload>.*)$" takes every whole line as a payload.',
    ),
  maxLineLength: z.number().int().min(64).max(4096).default(512).describe('Longer receiver lines are counted as noise and skipped.'),
  reconnectMaxSeconds: seconds(1, 600).default(30).describe('Longest wait between reconnect attempts after the receiver is unplugged.'),
});

export const intakeSchema = z.strictObject({
  receiver: z.strictObject(loraReceiverSchema.shape).prefault({}),
  sourceTypes: z
    .record(z.string().regex(/^[\x21-\x39\x3b-\x7e]{1,40}$/, { error: 'a source type as payloads carry it (printable, no ":")' }), z.string().min(1).max(100))
    .default({ hxb: 'Barn (HXB)' })
    .describe('Source types a payload may name, and the batch source each stands for (seed 001: hxb → "Barn (HXB)"). A payload with another source type fails with its reason; add it here and reprocess.'),
  pens: z
    .array(z.strictObject({ name: z.string().min(1).max(40), capacity: z.number().int().min(1).max(100_000).nullable().default(null) }))
    .max(200)
    .default([])
    .refine((pens) => new Set(pens.map((p) => p.name)).size === pens.length, { error: 'pen names must differ' })
    .describe('Pens an animal can be assigned to from the intake board (by touch). A pen removed here stays in the database for the animals already in it.'),
  recentPackets: z.number().int().min(10).max(500).default(50).describe('Packets listed on the intake board.'),
});

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time of day as "HH:MM" (24 h)' });

export const updatesSchema = z.strictObject({
  baseUrl: baseUrl
    .refine((v) => v.startsWith('https://'), { error: 'an https:// URL (updates never come over plain http)' })
    .nullable()
    .default(null)
    .describe('Where releases are published, ending in "/": the kiosk reads {baseUrl}<channel>/<arch>/manifest.json. https only. null: this kiosk does not look for updates. See docs/operations.md, "Shipping a release".'),
  channel: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: 'lowercase letters, digits and -' }).default('stable').describe('The release channel this kiosk follows (a folder under baseUrl).'),
  checkIntervalMinutes: seconds(5, 10_080).default(60).describe('How often the kiosk looks for a release (admin can also check now).'),
  requestTimeoutSeconds: seconds(1, 300).default(30).describe('Time limit of the manifest request.'),
  stallSeconds: seconds(1, 600).default(60).describe('A download that receives nothing for this long is given up (it resumes at the next check).'),
  maxBytesPerSecond: z.number().int().min(10_000).nullable().default(null).describe('Bandwidth cap of update downloads; null: none.'),
  maintenanceWindow: z
    .strictObject({ start: clockTime.default('02:00'), end: clockTime.default('05:00') })
    .prefault({})
    .describe('When a staged release installs by itself, in the venue time zone (end before start: across midnight). The attendant can install at any idle moment.'),
  reportEndpoint: endpoint
    .nullable()
    .default(null)
    .describe('Booth adds (not in the cloud contract, so off unless the venue cloud has such an endpoint): update decisions are reported (POST, through the upload queue) to this path under api.baseUrl, e.g. "kiosk/update-events"; null: kept in the log and admin only.'),
});

const bookingCameraSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'letters, digits, _ and - (at most 40): it becomes part of the video\'s storage path' }).describe('The camera\'s name, e.g. "CAMERA_A" (part of videos/<booking_id>/<camera>/...).'),
  fieldId: z.number().int().min(0).describe('The field (field_id of the bookings) this camera films.'),
  folder: z.string().min(1).max(500).describe('Folder of the camera\'s recorded segment files, each named by its start time in the venue time zone (e.g. 2025-01-23_10-00-00.mp4 or 20250123T100000.ts).'),
});

export const bookingsSchema = cloudSection({
  baseUrl: baseUrl.nullable().default(null).describe('Base URL of the booking platform ending in "/"; null means api.baseUrl.'),
  listEndpoint: endpoint.default('bookings').describe('The day\'s bookings (GET ?date=YYYY-MM-DD, answered {"data":[...]}).'),
  videoEndpoint: endpoint.default('video-notify').describe('Each finished match video is POSTed here through the outbox.'),
  syncIntervalSeconds: seconds(10, 86_400).default(300).describe('How often the day\'s bookings are downloaded (the seed: 5 minutes).'),
  retentionDays: z.number().int().min(1).max(3_650).default(90).describe('Bookings older than this are deleted with their finished videos (rows and local files).'),
  cameras: z
    .array(bookingCameraSchema)
    .max(64)
    .default([])
    .refine((list) => new Set(list.map((c) => c.name)).size === list.length, { error: 'camera names must differ' })
    .describe('The cameras recording the fields; a booking gets one video per camera of its field.'),
  videoDir: z.string().max(500).nullable().default(null).describe('Where clips are made before their upload (deleted once uploaded and notified); null: "videos" in the data folder.'),
  endGraceSeconds: seconds(0, 3_600).default(60).describe('How long after a booking ends its video is started (the segment covering the end must be written).'),
  lookbackHours: seconds(1, 24 * 14).default(24).describe('Bookings that ended longer ago than this get no video (their segments are likely gone).'),
  diskFloorMb: z.number().int().min(0).max(1_000_000).default(2_048).describe('Processing pauses while the free space where clips are made is below this, and the attendant is told.'),
  ffmpegPath: z.string().min(1).max(500).default('ffmpeg').describe('The ffmpeg program (Debian package ffmpeg).'),
  ffprobePath: z.string().min(1).max(500).default('ffprobe').describe('The ffprobe program (same package).'),
  processTimeoutSeconds: seconds(5, 6 * 3_600).default(1_800).describe('An ffmpeg run longer than this is stopped and counts as a failed try.'),
  previewHeight: z.number().int().min(90).max(1_080).default(360).describe('Height in pixels of the low-resolution preview.'),
  s3: z
    .strictObject({
      endpoint: z.string().url().nullable().default(null).describe('S3-compatible endpoint, e.g. https://<account>.r2.cloudflarestorage.com; null: AWS S3 of the region. https://, or http:// only to loopback unless bookings.allowInsecureHttp is true.'),
      region: z.string().min(1).max(40).default('auto').describe('Region ("auto" for Cloudflare R2).'),
      bucket: z.string().min(3).max(63).default('videos').describe('Bucket the clips go to.'),
      accessKeyId: z.string().max(200).default('').describe('Access key id.'),
      secretAccessKey: z.string().max(200).default('').describe('Secret access key.'),
      forcePathStyle: z.boolean().default(true).describe('Path-style URLs (bucket in the path), as R2 and most S3-compatible servers accept.'),
      publicBaseUrl: z.string().url().nullable().default(null).describe('Public URL the objects are served from, ending in "/" (mp4_url = this + the object key); null: the endpoint + bucket.'),
      partSizeMb: z.number().int().min(5).max(512).default(8).describe('Multipart part size (S3\'s least is 5 MB).'),
    })
    .prefault({}),
}, 'bookings.baseUrl').superRefine(
  (section, ctx) => {
    // The storage endpoint carries the secret key's signatures and the clips: the same https rule, under the same switch.
    const endpoint = (section as { s3?: { endpoint?: unknown } }).s3?.endpoint;
    if (typeof endpoint !== 'string' || (section as { allowInsecureHttp?: unknown }).allowInsecureHttp === true) return;
    let secure: boolean;
    try {
      secure = isSecureCloudUrl(endpoint);
    } catch {
      return;
    }
    if (!secure) ctx.addIssue({ code: 'custom', path: ['s3', 'endpoint'], message: INSECURE_HTTP_TEXT });
  },
  { when: (payload) => payload.issues.every((i) => !['s3', 'allowInsecureHttp'].includes(String(i.path?.[0]))) },
);

const prefault = <T extends z.ZodType>(schema: T) => schema.prefault({} as z.input<T>);

export const configSchema = z.strictObject({
  kioskName: z.string().min(1).max(40).default('Booth').describe('Name shown in the status bar (press it 3 s for admin).'),
  modules: z.array(z.enum(knownModules)).max(knownModules.length).default([]).describe('Capabilities this kiosk runs.'),
  timeZone: timeZone
    .default('Asia/Jakarta')
    .describe(
      "The venue's IANA time zone: decides a ticket's day and daily caps. It must be the zone the ticket server dates tickets (bookingDate) in, or tickets show \"Wrong day\" for part of each day; admin warns after a download when most tickets are dated yesterday or tomorrow and few today.",
    ),
  api: prefault(apiSchema),
  services: prefault(servicesSchema),
  logging: prefault(loggingSchema),
  screen: prefault(screenSchema),
  admin: prefault(adminSchema),
  clock: prefault(clockSchema),
  gate: prefault(gateSchema),
  devices: prefault(devicesSchema),
  sync: prefault(syncSchema),
  payout: prefault(payoutSchema),
  lanApi: prefault(lanApiSchema),
  sessions: prefault(sessionsSchema),
  intake: prefault(intakeSchema),
  updates: prefault(updatesSchema),
  bookings: prefault(bookingsSchema),
  /** Demo profile only: simulated devices started by the host. */
  demo: z
    .strictObject({ scannerSimulator: z.boolean().default(false), tickets: z.number().int().min(0).max(100_000).default(1000) })
    .prefault({})
    .describe('Demo profile settings (source checkout only).'),
});

export type BoothConfig = z.output<typeof configSchema>;
export type BoothConfigInput = z.input<typeof configSchema>;

/** Settings whose names contain a secret word but hold none (shown as they are). */
const notSecret: ReadonlySet<string> = new Set(['apiKeyHeader']);

/**
 * Keys whose values are never shown (admin view, problem screen, logs): any
 * name that looks secret, in any case and position, so a misspelled `apikey`
 * or a `token` someone added is masked as well as `apiKey` and `pinHash`.
 */
export function isSecretKey(key: string): boolean {
  if (notSecret.has(key)) return false;
  return /key|token|secret|passw|pwd|hash|credential|auth|cookie|pin(?!g)/i.test(key);
}
