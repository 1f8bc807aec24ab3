/**
 * Always mounted on a gate kiosk: shows every scan. Scans come from the serial
 * scanner ('gate:scanned', decided in main) and from a keyboard-wedge scanner
 * typing into the window (sent with 'gate:scan'). A scan while a result shows
 * replaces it. Never on the PIN or admin screens: there a scan is dropped
 * (a valid one cancelled, so nothing waits for a choice) and keys are left alone.
 */
import { useLayoutEffect, useRef } from 'react';
import type { ScanResult } from '../../../preload/contract';
import { call } from '../../app/call';
import { useActivity } from '../../app/idle';
import { useRouter } from '../../app/router';
import { useBoothEvent } from '../../app/useBoothEvent';
import { WedgeReader } from './keyboardWedge';

export const GATE_RESULT_ROUTE = 'gate.result';

const isScanFree = (routeName: string) => routeName !== 'pin' && routeName !== 'admin';

let nextSeq = 1;
/** Each shown result gets a new number, so the same scan shown again (a 'changed' answer) is a new screen. */
export const nextScanSeq = () => nextSeq++;

export function GateService() {
  const { route, navigate } = useRouter();
  const activity = useActivity();
  const routeName = useRef(route.name);
  routeName.current = route.name;

  const show = useRef<(result: ScanResult) => void>(() => undefined);
  show.current = (result: ScanResult) => {
    if (!isScanFree(routeName.current)) {
      if (result.kind === 'valid') void call('gate:cancel', { scanId: result.scanId });
      return;
    }
    activity.touch();
    navigate({ name: GATE_RESULT_ROUTE, params: { result, seq: nextScanSeq() } });
  };

  useBoothEvent('gate:scanned', (result) => show.current(result));

  // Keyboard wedge, in the capture phase: the Enter that ends a scan never presses a focused button.
  useLayoutEffect(() => {
    const reader = new WedgeReader();
    const onKey = (event: KeyboardEvent) => {
      if (!isScanFree(routeName.current) || event.ctrlKey || event.altKey || event.metaKey || event.repeat) {
        reader.reset();
        return;
      }
      const step = reader.key(
        { code: event.code, shiftKey: event.shiftKey, capsLock: event.getModifierState?.('CapsLock') ?? false },
        event.timeStamp > 0 ? event.timeStamp : performance.now(),
      );
      if (step.kind === 'idle') return;
      event.preventDefault();
      event.stopPropagation();
      if (step.kind === 'scan') {
        void call('gate:scan', { code: step.code.slice(0, 4096), source: 'keyboard' }).then((r) => {
          if (r.ok) show.current(r.value);
        });
      }
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, []);

  return null;
}
