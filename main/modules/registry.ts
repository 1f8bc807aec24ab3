/**
 * The capability modules of this build, by the name a config lists them
 * under: one line each. The composition root (main/kiosk.ts) creates the
 * ones a kiosk's config names, in the config's order. A module's folder
 * never imports this file (see ./module.ts).
 */
import type { ModuleName } from '../config';
import { createGateModule, type GateOptions } from '../gate';
import { createCcTalkHopper, createLoraReceiver, createSerialScanner } from '../hardware';
import { createIntakeModule, type IntakeOptions } from '../intake';
import { createPayoutModule, type PayoutOptions } from '../payout';
import { createSessionsModule } from '../sessions';
import { createBookingsModule, type BookingsOptions } from '../bookings';
import type { KioskModule, ModuleContext } from './module';

/** What a host passes to modules (tests: a simulated hopper; the demo: its scanner), by module. */
export interface ModuleHostOptions {
  gate?: GateOptions;
  payout?: PayoutOptions;
  intake?: IntakeOptions;
  bookings?: BookingsOptions;
}

export type ModuleFactory = (ctx: ModuleContext, host: ModuleHostOptions) => KioskModule;

export const moduleFactories: Record<ModuleName, ModuleFactory> = {
  gate: (ctx, host) => createGateModule(ctx, { createScanner: serialScannerFor(ctx), ...host.gate }),
  payout: (ctx, host) => createPayoutModule(ctx, withHopper(ctx, host.payout)),
  sessions: (ctx) => createSessionsModule(ctx),
  intake: (ctx, host) =>
    createIntakeModule(ctx, {
      createReceiver: loraReceiverFor(ctx),
      // One serial port, one reader: the gate's when the kiosk also runs one.
      ...(ctx.config.modules.includes('gate') ? {} : { createScanner: (onLine) => serialScannerFor(ctx)(onLine, () => undefined) }),
      ...host.intake,
    }),
  bookings: (ctx, host) => createBookingsModule(ctx, host.bookings),
};

/** The configured serial LoRa receiver (intake.receiver). */
function loraReceiverFor(ctx: ModuleContext): IntakeOptions['createReceiver'] {
  const { receiver } = ctx.config.intake;
  return (onPacket, onConnectionChange) =>
    createLoraReceiver({ ...receiver, log: ctx.platform.log.scope('lora'), clock: ctx.platform.clock, onPacket, onConnectionChange });
}

/** The configured serial scanner (devices.scanner), feeding the gate (else the intake board) its lines. */
function serialScannerFor(ctx: ModuleContext): NonNullable<GateOptions['createScanner']> {
  return (onLine, onStatus) =>
    createSerialScanner({
      ...ctx.config.devices.scanner,
      maxLength: ctx.config.gate.maxScanLength,
      log: ctx.platform.log.scope('scanner'),
      clock: ctx.platform.clock,
      onLine: (line) => onLine({ text: line.text, overlong: line.tooLong, controlBytes: line.controlBytes }),
      onStatus,
    });
}

/** The host's hopper, else the configured ccTalk hopper (devices.hopper), else none. */
function withHopper(ctx: ModuleContext, options: PayoutOptions | undefined): PayoutOptions {
  const device = ctx.config.devices.hopper;
  const hopper =
    options?.hopper ??
    (device.path ? createCcTalkHopper({ ...device, log: ctx.platform.log.scope('hopper'), clock: ctx.platform.clock }) : undefined);
  return { ...options, ...(hopper ? { hopper } : {}) };
}
