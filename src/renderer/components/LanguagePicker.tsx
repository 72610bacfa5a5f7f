import { useTranslation } from 'react-i18next';
import { isSupportedLanguage, type Language } from '../i18n';

/**
 * Language buttons, each labelled in its own language (a customer who reads only German looks
 * for "Deutsch"). `lang` on each button lets screen readers pronounce it right. `compact` (the
 * technician's header, where room is short) shows the language code ("DE") and keeps the name
 * in its own language as the button's accessible name and tooltip.
 */
export function LanguagePicker({
  languages,
  value,
  onChange,
  large = false,
  compact = false,
  label,
}: {
  languages: readonly string[];
  value: string;
  onChange: (lng: Language) => void;
  large?: boolean;
  compact?: boolean;
  label: string;
}) {
  const { t } = useTranslation();
  const offered = languages.filter(isSupportedLanguage);
  return (
    <div role="group" aria-label={label} className={`language-picker${large ? ' language-picker-large' : ''}${compact ? ' language-picker-compact' : ''}`}>
      {offered.map((lng) => {
        const name = t(`languages.${lng}`, { lng });
        return (
          <button
            key={lng}
            type="button"
            lang={lng}
            className="btn btn-secondary"
            aria-pressed={value === lng}
            aria-label={compact ? name : undefined}
            title={compact ? name : undefined}
            onClick={() => onChange(lng)}
            data-testid={`lang-${lng}`}
          >
            {compact ? lng.toUpperCase() : name}
          </button>
        );
      })}
    </div>
  );
}
