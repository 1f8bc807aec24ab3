/**
 * Each module's tables, by config name: one line each, next to its factory
 * in ./registry.ts. Data only (no module code is loaded), so the store can
 * join every module's migrations into one ordered run before any module
 * runs (main/store/migrations.ts). Every module's tables exist in every
 * kiosk's database, whichever modules its config names.
 */
import type { ModuleName } from '../config';
import { gateSchema } from '../gate/migrations';
import { payoutSchema } from '../payout/migrations';
import { sessionsSchema } from '../sessions/migrations';
import { intakeSchema } from '../intake/migrations';
import { bookingsSchema } from '../bookings/migrations';
import type { ModuleSchema } from './module';

export const moduleSchemas: Record<ModuleName, ModuleSchema> = {
  gate: gateSchema,
  payout: payoutSchema,
  sessions: sessionsSchema,
  intake: intakeSchema,
  bookings: bookingsSchema,
};
