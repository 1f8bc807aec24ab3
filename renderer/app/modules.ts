/**
 * What each capability module brings to the screen. Later modules add their
 * entries here: a purpose on the attract screen, customer screens by route
 * name, and admin pages by the id main lists in `admin:overview` pages
 * (components in renderer/screens/<module>/).
 */
import type { ComponentType } from 'react';
import type { AdminPageInfo } from '../../preload/contract';
import type { IconName } from '../components/Icon';
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
};

export interface CustomerScreenProps {
  route: Route;
}

/** Customer screens of modules, by route name (e.g. 'gate.result'). */
export const customerScreens: Readonly<Record<string, ComponentType<CustomerScreenProps>>> = {};

export interface AdminPageProps {
  page: AdminPageInfo;
}

/** Admin pages of modules, by the page id main registers. */
export const adminPages: Readonly<Record<string, ComponentType<AdminPageProps>>> = {};
