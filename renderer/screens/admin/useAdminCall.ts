/** Admin calls: an `admin_required` answer sends the screen back to attract. */
import { useCallback } from 'react';
import type { HandlerArgs, HandlerName, HandlerValue, Result } from '../../../preload/contract';
import { call } from '../../app/call';
import { useService } from '../../app/contexts';
import { useRouter } from '../../app/router';

export type AdminCall = <N extends HandlerName>(name: N, args: HandlerArgs<N>) => Promise<Result<HandlerValue<N>>>;

export function useAdminCall(): AdminCall {
  const { home } = useRouter();
  const { reportUnavailable } = useService();
  return useCallback(
    async (name, args) => {
      const result = await call(name, args);
      if (!result.ok) {
        if (result.error.code === 'admin_required') home();
        else if (result.error.code === 'unavailable') reportUnavailable(result.error.message);
      }
      return result;
    },
    [home, reportUnavailable],
  ) as AdminCall;
}
