/**
 * The scanner driver's view of a serial port: the shared link without `write`
 * (a line scanner is only read). The adapter is main/hardware/serial-port.ts.
 */
import type { OpenPortOptions, SerialLink } from '../serial-port';

export { openSerialPort, serialStreamOpener, type OpenPortOptions, type SerialStream } from '../serial-port';

export type ScannerPort = Omit<SerialLink, 'write'>;

/** Opens a port, or rejects with the reason it could not be opened. */
export type OpenScannerPort = (options: OpenPortOptions) => Promise<ScannerPort>;
