/**
 * The serial port as the drivers see it, and its one adapter onto the
 * `serialport` package: "bytes arrive", "the port went away by itself",
 * "write", "close". Keeping the seam small lets unit tests use a fake port and
 * keeps serialport's event quirks in one place for every device.
 */

export interface SerialLink {
  /** Each chunk of bytes the device sends (on a single-wire bus, our own bytes too). */
  onData(listener: (chunk: Buffer) => void): void;
  /**
   * Called at most once when the port goes away by itself: unplugged, a read
   * error, or any error event. Never called because of `close()`.
   */
  onLost(listener: (reason: Error | null) => void): void;
  /** Writes the bytes and resolves once they left for the device; rejects when the write fails. */
  write(bytes: Buffer): Promise<void>;
  /** Closes the port; resolves even if closing fails (there is nothing left to do then). */
  close(): Promise<void>;
}

export interface OpenPortOptions {
  path: string;
  baudRate: number;
}

/** Opens a port, or rejects with the reason it could not be opened. */
export type OpenSerialLink = (options: OpenPortOptions) => Promise<SerialLink>;

/** The part of a serialport stream (SerialPort, SerialPortMock) the adapter uses. */
export interface SerialStream {
  open(callback: (error: Error | null) => void): void;
  close(callback?: (error: Error | null) => void): void;
  write(data: Buffer, callback: (error: Error | null | undefined) => void): boolean;
  drain(callback: (error: Error | null) => void): void;
  readonly isOpen: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: (error: Error | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Builds an unopened stream (`autoOpen: false`) for the options. */
export type CreateSerialStream = (options: OpenPortOptions) => SerialStream;

/** Adapts a serialport-style stream factory to `OpenSerialLink`. */
export function serialStreamOpener(createStream: CreateSerialStream): OpenSerialLink {
  return (options) =>
    new Promise<SerialLink>((resolve, reject) => {
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
      // Attached for the stream's whole life and never removed: serialport can
      // emit 'error' late (a failed close, a write after unplug), and an
      // 'error' event without a listener would crash the process.
      stream.on('error', (error) => reportLost(error));
      // On unplug serialport emits 'close' with a DisconnectedError (disconnected: true).
      stream.on('close', (error) => reportLost(error));
      // Chunks that arrive before the driver attaches its listener wait here, so none is lost.
      const early: Buffer[] = [];
      stream.on('data', (chunk) => (dataListener ? dataListener(chunk) : early.push(chunk)));

      stream.open((error) => {
        if (error) {
          reject(error);
          return;
        }
        opened = true;
        resolve({
          onData(listener) {
            dataListener = listener;
            for (const chunk of early.splice(0)) listener(chunk);
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
                // Resolves once the bytes are out, not when they were queued (a reply timer starts then).
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

/**
 * The real serial port (8N1, no flow control: serialport's defaults, which
 * line scanners and ccTalk both use). `serialport` is loaded on first use, not
 * at import: its native binding failing to load (wrong architecture, damaged
 * install) then shows as a device error on the admin page instead of stopping
 * the kiosk.
 */
export const openSerialPort: OpenSerialLink = async (options) => {
  let SerialPort: typeof import('serialport').SerialPort;
  try {
    ({ SerialPort } = await import('serialport'));
  } catch (error) {
    throw new Error(`serial support unavailable (${error instanceof Error ? error.message : String(error)})`);
  }
  return serialStreamOpener(({ path, baudRate }) => new SerialPort({ path, baudRate, autoOpen: false }))(options);
};

