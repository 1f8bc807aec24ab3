/**
 * The hopper driver's view of a serial port: the shared link (ccTalk is spoken
 * to, so it has `write`). The adapter is main/hardware/serial-port.ts.
 */
export {
  openSerialPort as openHopperSerialPort,
  serialStreamOpener as hopperStreamOpener,
  type OpenPortOptions as OpenHopperPortOptions,
  type OpenSerialLink as OpenHopperPort,
  type SerialLink as HopperPort,
  type SerialStream as HopperSerialStream,
} from '../serial-port';
