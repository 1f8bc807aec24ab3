/** Numeric pad with keys of at least 64 px; digits are never shown, only dots. */
import { useTranslation } from 'react-i18next';
import { Icon } from './Icon';

export interface PinPadProps {
  disabled?: boolean;
  onDigit(digit: string): void;
  onBackspace(): void;
  onClear(): void;
}

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

export function PinPad({ disabled, onDigit, onBackspace, onClear }: PinPadProps) {
  const { t } = useTranslation();
  return (
    <div className="pin-pad" data-testid="pin-pad">
      {DIGITS.map((d) => (
        <button
          key={d}
          type="button"
          className="pin-pad__key"
          disabled={disabled}
          aria-label={t('pin.digit', { digit: d })}
          data-testid={`pin-key-${d}`}
          onClick={() => onDigit(d)}
        >
          {d}
        </button>
      ))}
      <button
        type="button"
        className="pin-pad__key pin-pad__key--aux"
        disabled={disabled}
        data-testid="pin-key-clear"
        onClick={onClear}
      >
        {t('pin.clear')}
      </button>
      <button
        type="button"
        className="pin-pad__key"
        disabled={disabled}
        aria-label={t('pin.digit', { digit: '0' })}
        data-testid="pin-key-0"
        onClick={() => onDigit('0')}
      >
        0
      </button>
      <button
        type="button"
        className="pin-pad__key pin-pad__key--aux"
        disabled={disabled}
        aria-label={t('pin.backspace')}
        data-testid="pin-key-back"
        onClick={onBackspace}
      >
        <Icon name="backspace" />
      </button>
    </div>
  );
}

export function PinDots({ count, max = 12 }: { count: number; max?: number }) {
  const { t } = useTranslation();
  const shown = Math.min(Math.max(count, 4), max);
  return (
    <div className="pin-dots" data-testid="pin-dots" data-count={count} role="status" aria-label={t('pin.entered', { count })}>
      {Array.from({ length: shown }, (_, i) => (
        <span key={i} className={`pin-dots__dot${i < count ? ' is-filled' : ''}`} />
      ))}
    </div>
  );
}
