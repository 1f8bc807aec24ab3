/**
 * An error on an admin page: our words first ("Could not load:", "Not
 * done:"), then main's message, which is English text (marked, so the
 * translation check leaves it out: the attendant reads it, no customer does).
 */
import { useTranslation } from 'react-i18next';
import { Notice } from '../../components/Notice';

export function AdminError({ message, action = false, testId }: { message: string; action?: boolean; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Notice kind="error" testId={testId}>
      {action ? t('admin.errorAction') : t('admin.errorLoad')} <span data-untranslated="true">{message}</span>
    </Notice>
  );
}
