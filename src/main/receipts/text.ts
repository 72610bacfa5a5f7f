/**
 * Every string printed on a customer's receipt, in each language the kiosk offers customers.
 * The receipt goes home with the customer, so nothing on it may fall back to English for a
 * German or Spanish customer; a unit test checks every language has every key.
 */
import type { AttemptResult } from '../store/audit';

export const RECEIPT_LANGUAGES = ['en', 'de', 'es'] as const;
export type ReceiptLanguage = (typeof RECEIPT_LANGUAGES)[number];

export interface ReceiptStrings {
  title: string;
  /** Shown where no shop name is set, so the receipt still says where it comes from. */
  unnamedShop: string;
  date: string;
  phone: string;
  deviceId: string;
  from: string;
  to: string;
  reported: string;
  result: string;
  approval: string;
  approvalOnPhone: string;
  technician: string;
  record: string;
  historyCheck: string;
  /** {seq}: the history entry number. */
  historyEntry: string;
  package: string;
  consentText: string;
  qrCaption: string;
  inProgress: string;
  unknown: string;
  results: Record<AttemptResult, string>;
  /** One plain sentence under the result: what it means for the phone, what to do next. */
  resultNotes: Record<AttemptResult, string>;
  customerApproved: string;
  customerDeclined: string;
  customerNoAnswer: string;
  operatorApproved: string;
  operatorDeclined: string;
  deviceApproved: string;
  deviceDeclined: string;
  deviceTimeout: string;
  deviceCancelled: string;
  deviceUnsupported: string;
  deviceNoAnswer: string;
}

export const RECEIPT_TEXT: Record<ReceiptLanguage, ReceiptStrings> = {
  en: {
    title: 'Software update receipt',
    unnamedShop: 'Phone software update service',
    date: 'Date',
    phone: 'Phone',
    deviceId: 'Device ID',
    from: 'Previous version',
    to: 'New version',
    reported: 'Version the phone reports now',
    result: 'Result',
    approval: 'Approval',
    approvalOnPhone: 'Approval on the phone',
    technician: 'Technician',
    record: 'Record number',
    historyCheck: 'History check',
    historyEntry: 'entry {seq}',
    package: 'Update package',
    consentText: 'Consent text version',
    qrCaption: 'This code holds a signed summary of the record. The shop can check it at any time, even offline.',
    inProgress: 'Still in progress',
    unknown: 'not known',
    results: {
      success: 'Updated successfully',
      failed: 'Not updated',
      cancelled: 'Cancelled',
      declined: 'Declined',
      'up-to-date': 'Already up to date',
      scheduled: 'Scheduled for later',
    },
    resultNotes: {
      success: 'Your phone now runs the new version.',
      failed: 'The update did not complete. Your phone still runs its previous version. Ask the staff to retry, or contact the manufacturer.',
      cancelled: 'The update was stopped. Nothing was installed; your phone runs its previous version.',
      declined: 'The update was declined. Nothing was changed on your phone.',
      'up-to-date': 'Your phone already ran the newest approved version. Nothing was changed.',
      scheduled: 'The phone will install the update later. Keep it charged.',
    },
    customerApproved: 'Approved by you at the kiosk',
    customerDeclined: 'Declined by you at the kiosk',
    customerNoAnswer: 'No answer at the kiosk',
    operatorApproved: 'Approved by the technician (no customer present)',
    operatorDeclined: 'Declined by the technician (no customer present)',
    deviceApproved: 'Approved',
    deviceDeclined: 'Declined',
    deviceTimeout: 'No answer in time',
    deviceCancelled: 'Cancelled',
    deviceUnsupported: 'Not asked (the phone cannot ask)',
    deviceNoAnswer: 'Not asked',
  },
  de: {
    title: 'Beleg über die Software-Aktualisierung',
    unnamedShop: 'Software-Aktualisierung für Telefone',
    date: 'Datum',
    phone: 'Telefon',
    deviceId: 'Geräte-ID',
    from: 'Bisherige Version',
    to: 'Neue Version',
    reported: 'Version, die das Telefon jetzt meldet',
    result: 'Ergebnis',
    approval: 'Zustimmung',
    approvalOnPhone: 'Zustimmung am Telefon',
    technician: 'Techniker/in',
    record: 'Vorgangsnummer',
    historyCheck: 'Prüfwert des Verlaufs',
    historyEntry: 'Eintrag {seq}',
    package: 'Aktualisierungspaket',
    consentText: 'Version des Zustimmungstexts',
    qrCaption: 'Dieser Code enthält eine signierte Zusammenfassung des Vorgangs. Das Geschäft kann sie jederzeit prüfen, auch ohne Internet.',
    inProgress: 'Läuft noch',
    unknown: 'nicht bekannt',
    results: {
      success: 'Erfolgreich aktualisiert',
      failed: 'Nicht aktualisiert',
      cancelled: 'Abgebrochen',
      declined: 'Abgelehnt',
      'up-to-date': 'Bereits aktuell',
      scheduled: 'Für später geplant',
    },
    resultNotes: {
      success: 'Ihr Telefon hat jetzt die neue Version.',
      failed: 'Die Aktualisierung wurde nicht abgeschlossen. Ihr Telefon hat weiter die bisherige Version. Bitten Sie das Personal um einen neuen Versuch oder wenden Sie sich an den Hersteller.',
      cancelled: 'Die Aktualisierung wurde abgebrochen. Es wurde nichts installiert; Ihr Telefon hat weiter die bisherige Version.',
      declined: 'Die Aktualisierung wurde abgelehnt. Am Telefon wurde nichts verändert.',
      'up-to-date': 'Ihr Telefon hatte schon die neueste freigegebene Version. Es wurde nichts verändert.',
      scheduled: 'Das Telefon installiert die Aktualisierung später. Halten Sie es geladen.',
    },
    customerApproved: 'Von Ihnen am Kiosk zugestimmt',
    customerDeclined: 'Von Ihnen am Kiosk abgelehnt',
    customerNoAnswer: 'Keine Antwort am Kiosk',
    operatorApproved: 'Vom Techniker freigegeben (ohne Anwesenheit der Kundschaft)',
    operatorDeclined: 'Vom Techniker abgelehnt (ohne Anwesenheit der Kundschaft)',
    deviceApproved: 'Zugestimmt',
    deviceDeclined: 'Abgelehnt',
    deviceTimeout: 'Keine Antwort in der Zeit',
    deviceCancelled: 'Abgebrochen',
    deviceUnsupported: 'Nicht gefragt (das Telefon kann nicht fragen)',
    deviceNoAnswer: 'Nicht gefragt',
  },
  es: {
    title: 'Comprobante de actualización de software',
    unnamedShop: 'Servicio de actualización de software para teléfonos',
    date: 'Fecha',
    phone: 'Teléfono',
    deviceId: 'ID del dispositivo',
    from: 'Versión anterior',
    to: 'Versión nueva',
    reported: 'Versión que indica ahora el teléfono',
    result: 'Resultado',
    approval: 'Aprobación',
    approvalOnPhone: 'Aprobación en el teléfono',
    technician: 'Técnico/a',
    record: 'Número de registro',
    historyCheck: 'Código de control del historial',
    historyEntry: 'entrada {seq}',
    package: 'Paquete de actualización',
    consentText: 'Versión del texto de consentimiento',
    qrCaption: 'Este código contiene un resumen firmado del registro. La tienda puede comprobarlo en cualquier momento, incluso sin internet.',
    inProgress: 'Todavía en curso',
    unknown: 'desconocido',
    results: {
      success: 'Actualizado correctamente',
      failed: 'No actualizado',
      cancelled: 'Cancelado',
      declined: 'Rechazado',
      'up-to-date': 'Ya estaba actualizado',
      scheduled: 'Programado para más tarde',
    },
    resultNotes: {
      success: 'Su teléfono tiene ahora la versión nueva.',
      failed: 'La actualización no se completó. Su teléfono sigue con la versión anterior. Pida al personal que lo intente de nuevo o consulte al fabricante.',
      cancelled: 'La actualización se detuvo. No se instaló nada; su teléfono sigue con la versión anterior.',
      declined: 'La actualización fue rechazada. No se cambió nada en su teléfono.',
      'up-to-date': 'Su teléfono ya tenía la versión aprobada más reciente. No se cambió nada.',
      scheduled: 'El teléfono instalará la actualización más tarde. Manténgalo cargado.',
    },
    customerApproved: 'Aprobado por usted en el quiosco',
    customerDeclined: 'Rechazado por usted en el quiosco',
    customerNoAnswer: 'Sin respuesta en el quiosco',
    operatorApproved: 'Aprobado por el técnico (sin el cliente presente)',
    operatorDeclined: 'Rechazado por el técnico (sin el cliente presente)',
    deviceApproved: 'Aprobado',
    deviceDeclined: 'Rechazado',
    deviceTimeout: 'Sin respuesta a tiempo',
    deviceCancelled: 'Cancelado',
    deviceUnsupported: 'No se preguntó (el teléfono no puede preguntar)',
    deviceNoAnswer: 'No se preguntó',
  },
};

/** The receipt language for a wanted one ("de", "de-AT", "ES"); English when the kiosk has no such text. */
export function receiptLanguage(wanted: string | null | undefined): ReceiptLanguage {
  const base = (wanted ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return (RECEIPT_LANGUAGES as readonly string[]).includes(base) ? (base as ReceiptLanguage) : 'en';
}

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}
