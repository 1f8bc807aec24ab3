/**
 * What each capability module brings to the screen: a purpose (or a panel)
 * on the attract screen, a service always mounted while the kiosk runs,
 * customer screens by route name, and admin pages by the id main lists in
 * `admin:overview` pages (components in renderer/screens/<module>/).
 */
import type { ComponentType } from 'react';
import type { AdminPageInfo } from '../../preload/contract';
import type { IconName } from '../components/Icon';
import { DemoPanel } from '../screens/gate/DemoPanel';
import { GateAdminPage } from '../screens/gate/GateAdminPage';
import { GateReady } from '../screens/gate/GateReady';
import { GateResultScreen } from '../screens/gate/GateResultScreen';
import { GATE_RESULT_ROUTE, GateService } from '../screens/gate/GateService';
import { PayoutAdminPage } from '../screens/payout/PayoutAdminPage';
import { PAYOUT_SESSION_ROUTE, PayoutService } from '../screens/payout/PayoutService';
import { PayoutSessionScreen } from '../screens/payout/PayoutSessionScreen';
import { PayoutStart } from '../screens/payout/PayoutStart';
import { SessionsAdminPage } from '../screens/sessions/SessionsAdminPage';
import { SessionsBoard } from '../screens/sessions/SessionsBoard';
import { IntakeAdminPage } from '../screens/intake/IntakeAdminPage';
import { IntakeBoard } from '../screens/intake/IntakeBoard';
import { UpdatesAdminPage } from '../screens/updates/UpdatesAdminPage';
import { BookingsAdminPage } from '../screens/bookings/BookingsAdminPage';
import { BookingsBoard } from '../screens/bookings/BookingsBoard';
import type { Route } from './router';

export interface ModulePurpose {
  icon: IconName;
  /** i18n keys. */
  titleKey: string;
  hintKey: string;
}

/** Shown when the kiosk runs no module. */
export const noModulePurpose: ModulePurpose = {
  icon: 'check',
  titleKey: 'attract.purpose.none.title',
  hintKey: 'attract.purpose.none.hint',
};

export const modulePurposes: Readonly<Record<string, ModulePurpose>> = {
  gate: { icon: 'ticket', titleKey: 'attract.purpose.gate.title', hintKey: 'attract.purpose.gate.hint' },
  payout: { icon: 'coins', titleKey: 'attract.purpose.payout.title', hintKey: 'attract.purpose.payout.hint' },
  sessions: { icon: 'clock', titleKey: 'attract.purpose.sessions.title', hintKey: 'attract.purpose.sessions.hint' },
  intake: { icon: 'download', titleKey: 'attract.purpose.intake.title', hintKey: 'attract.purpose.intake.hint' },
  bookings: { icon: 'qr', titleKey: 'attract.purpose.bookings.title', hintKey: 'attract.purpose.bookings.hint' },
};

/** A module's own block on the attract screen, shown instead of its purpose tile. */
export const attractPanels: Readonly<Record<string, ComponentType>> = {
  gate: GateReady,
  payout: PayoutStart,
  sessions: SessionsBoard,
  intake: IntakeBoard,
  bookings: BookingsBoard,
};

/**
 * Mounted for the whole life of a running kiosk whose config names the module
 * (listens to events, keyboard input). `demo` ones only in the demo profile.
 */
export const moduleServices: Readonly<Record<string, { always?: ComponentType; demo?: ComponentType }>> = {
  gate: { always: GateService, demo: DemoPanel },
  payout: { always: PayoutService },
};

export interface CustomerScreenProps {
  route: Route;
}

/** Customer screens of modules, by route name (e.g. 'gate.result'). */
export const customerScreens: Readonly<Record<string, ComponentType<CustomerScreenProps>>> = {
  [GATE_RESULT_ROUTE]: GateResultScreen,
  [PAYOUT_SESSION_ROUTE]: PayoutSessionScreen,
};

export interface AdminPageProps {
  page: AdminPageInfo;
}

/** Admin pages of modules, by the page id main registers. */
export const adminPages: Readonly<Record<string, ComponentType<AdminPageProps>>> = {
  gate: GateAdminPage,
  payout: PayoutAdminPage,
  sessions: SessionsAdminPage,
  intake: IntakeAdminPage,
  updates: UpdatesAdminPage,
  bookings: BookingsAdminPage,
};
