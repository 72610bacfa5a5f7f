import { useTranslation } from 'react-i18next';
import { isSupportedLanguage, type Language } from '../i18n';

/**
 * Language buttons, each labelled in its own language (a customer who reads only German looks
 * for "Deutsch"). `lang` on each button lets screen readers pronounce it right.
 */
export function LanguagePicker({
  languages,
  value,
  onChange,
  large = false,
  label,
}: {
  languages: readonly string[];
  value: string;
  onChange: (lng: Language) => void;
  large?: boolean;
  label: string;
}) {
  const { t } = useTranslation();
  const offered = languages.filter(isSupportedLanguage);
  return (
    <div role="group" aria-label={label} className={large ? 'language-picker language-picker-large' : 'language-picker'}>
      {offered.map((lng) => (
        <button
          key={lng}
          type="button"
          lang={lng}
          className="btn btn-secondary"
          aria-pressed={value === lng}
          onClick={() => onChange(lng)}
          data-testid={`lang-${lng}`}
        >
          {t(`languages.${lng}`, { lng })}
        </button>
      ))}
    </div>
  );
}
