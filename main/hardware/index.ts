/**
 * Serial hardware of the kiosk. Other modules import from here only.
 * Every device shares one connection lifecycle (reconnecting-device.ts) over
 * one port adapter (serial-port.ts); a driver adds its protocol: the line
 * scanner (scanner/), the ccTalk coin hopper the payout ledger drives (hopper/).
 */
export {
  createReconnectingDevice,
  serialDeviceSettings,
  type DeviceConnection,
  type DevicePort,
  type DeviceProblem,
  type ReconnectingDevice,
  type ReconnectingDeviceOptions,
  type SerialDeviceSettings,
} from './reconnecting-device';
export { openSerialPort, serialStreamOpener, type OpenPortOptions, type OpenSerialLink, type SerialLink, type SerialStream } from './serial-port';
export {
  createSerialScanner,
  createLineSplitter,
  hasControlCharacters,
  type LineTerminator,
  type OpenScannerPort,
  type ScannedLine,
  type ScannerPort,
  type ScannerStatus,
  type SerialScanner,
  type SerialScannerOptions,
} from './scanner';
export {
  createCcTalkHopper,
  describeHopperOpenFailure,
  HopperCommandError,
  type CcTalkHopper,
  type CcTalkHopperOptions,
  type DispenseOutcome,
  type DispenseResult,
  type HopperCommandProblem,
  type HopperCounters,
  type HopperDiagnostics,
  type HopperDriverStatus,
  type HopperPort,
  type OpenHopperPort,
} from './hopper';
export { createLoraReceiver, createLineMatcher, type LineMatcher, type LoraReceiver, type LoraReceiverOptions, type LoraReceiverStatus, type ReceivedPacket } from './lora';
