/**
 * Serial hardware of the kiosk. Other modules import from here only.
 * The coin hopper: a ccTalk driver (main/hardware/hopper) the payout ledger drives.
 */
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
