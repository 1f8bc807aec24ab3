/**
 * Serial hardware of the kiosk. Other modules import from here only.
 * The coin hopper joins this surface when it is built.
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
