/**
 * The hopper driver's view of a serial port, and its adapter onto `serialport`.
 * Unlike the scanner, the hopper is spoken to, so the seam has `write`. Keeping
 * it small lets unit tests drive the driver with a fake port.
 */

export interface HopperPort {
  /** Each chunk of bytes read from the bus (on a single-wire bus, our own bytes too). */
  onData(listener: (chunk: Buffer) => void): void;
  /** Called at most once when the port goes away by itself (unplug, error); never because of close(). */
  onLost(listener: (reason: Error | null) => void): void;
  /** Writes the bytes and resolves once they were handed to the device; rejects when the write fails. */
  write(bytes: Buffer): Promise<void>;
  /** Closes the port; resolves even if closing fails. */
  close(): Promise<void>;
}

export interface OpenHopperPortOptions {
  path: string;
  baudRate: number;
}

/** Opens a port, or rejects with the reason it could not be opened. */
export type OpenHopperPort = (options: OpenHopperPortOptions) => Promise<HopperPort>;

/** The part of a serialport stream (SerialPort, SerialPortMock) the adapter uses. */
export interface HopperSerialStream {
  open(callback: (error: Error | null) => void): void;
  close(callback?: (error: Error | null) => void): void;
  write(data: Buffer, callback: (error: Error | null | undefined) => void): boolean;
  drain(callback: (error: Error | null) => void): void;
  readonly isOpen: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (error: Error | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Adapts a serialport-style stream factory to `OpenHopperPort`. */
export function hopperStreamOpener(createStream: (options: OpenHopperPortOptions) => HopperSerialStream): OpenHopperPort {
  return (options) =>
    new Promise<HopperPort>((resolve, reject) => {
      const stream = createStream(options);
      let opened = false;
      let closedByUs = false;
      let lostReported = false;
      let dataListener: ((chunk: Buffer) => void) | null = null;
      let lostListener: ((reason: Error | null) => void) | null = null;

      const reportLost = (reason: Error | null) => {
        if (!opened || closedByUs || lostReported) return;
        lostReported = true;
        lostListener?.(reason);
      };
      // Never removed: serialport can emit 'error' late, and an 'error' event
      // without a listener would crash the kiosk.
      stream.on('error', (error) => reportLost(error));
      stream.on('close', (error) => reportLost(error));
      stream.on('data', (chunk) => dataListener?.(chunk));

      stream.open((error) => {
        if (error) {
          reject(error);
          return;
        }
        opened = true;
        resolve({
          onData(listener) {
            dataListener = listener;
          },
          onLost(listener) {
            lostListener = listener;
          },
          write(bytes) {
            return new Promise<void>((done, fail) => {
              if (!stream.isOpen) {
                fail(new Error('port is closed'));
                return;
              }
              stream.write(bytes, (writeError) => {
                if (writeError) {
                  fail(writeError);
                  return;
                }
                // The reply timer starts once the bytes are out, not when they were queued.
                stream.drain((drainError) => (drainError ? fail(drainError) : done()));
              });
            });
          },
          close() {
            closedByUs = true;
            return new Promise<void>((done) => {
              if (!stream.isOpen) {
                done();
                return;
              }
              stream.close(() => done());
            });
          },
        });
      });
    });
}

/** The real serial port, loaded on first use so a broken native binding shows as a hopper error, not a crash. */
export const openHopperSerialPort: OpenHopperPort = async (options) => {
  let SerialPort: typeof import('serialport').SerialPort;
  try {
    ({ SerialPort } = await import('serialport'));
  } catch (error) {
    throw new Error(`serial support unavailable (${error instanceof Error ? error.message : String(error)})`);
  }
  // ccTalk is 8N1 with no flow control (the serialport defaults).
  const open = hopperStreamOpener(({ path, baudRate }) => new SerialPort({ path, baudRate, autoOpen: false }));
  return open(options);
};
