/** Calls through the contract, never throwing: a transport failure is an `unavailable` result. */
import type { HandlerArgs, HandlerName, HandlerValue, Result } from '../../preload/contract';
import { getBooth } from '../bridge';

export async function call<N extends HandlerName>(name: N, args: HandlerArgs<N>): Promise<Result<HandlerValue<N>>> {
  try {
    return await getBooth().invoke(name, args);
  } catch (error) {
    return {
      ok: false,
      error: { code: 'unavailable', message: error instanceof Error ? error.message : String(error) },
    };
  }
}
