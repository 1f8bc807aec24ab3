/**
 * An error on an admin page: our words first ("Could not load:", "Not
 * done:"), then main's reason in the screen's language when it sent a code,
 * else its English message (marked, so the translation check leaves it out).
 */
import { useTranslation } from 'react-i18next';
import type { CodedReason } from '../../../preload/contract';
import { Notice } from '../../components/Notice';
import { ReasonText } from '../../components/ReasonText';

export function AdminError({ message, reason, action = false, testId }: { message: string; reason?: CodedReason; action?: boolean; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Notice kind="error" testId={testId}>
      {action ? t('admin.errorAction') : t('admin.errorLoad')} <ReasonText reason={reason} english={message} testId={testId ? `${testId}-reason` : 'admin-error-reason'} />
    </Notice>
  );
}
