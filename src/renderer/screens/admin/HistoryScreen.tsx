import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, HistoryFilter, HistoryRecord, JobResult } from '../../../shared/api';
import { ErrorNotice } from '../../components/ErrorText';
import { Notice } from '../../components/Notice';
import { PrintReceiptButton, usePrintReceipt } from '../../components/PrintReceipt';
import { translateError } from '../../i18n';
import { formatDateTime, formatEtaClock, formatMegabytes, maskDevId } from '../../i18n/format';
import { kioskActions, useHistoryVersion, useSession } from '../kiosk-hooks';

const RESULTS: JobResult[] = ['success', 'failed', 'declined', 'cancelled', 'up-to-date', 'scheduled'];

export function resultKey(result: JobResult | null): string {
  switch (result) {
    case 'success':
      return 'history.result.success';
    case 'failed':
      return 'history.result.failed';
    case 'declined':
      return 'history.result.declined';
    case 'cancelled':
      return 'history.result.cancelled';
    case 'up-to-date':
      return 'history.result.upToDate';
    case 'scheduled':
      return 'phase.scheduled';
    default:
      return 'history.result.inProgress';
  }
}

const RESULT_TONE: Record<string, string> = { success: 'ok', 'up-to-date': 'ok', scheduled: 'ok', failed: 'bad', declined: 'neutral', cancelled: 'warn' };

/** Parse a yyyy-mm-dd date input as local midnight (start) or the end of that day. */
function dayBound(value: string, end: boolean): number | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  if (!y || !m || !d) return undefined;
  return end ? new Date(y, m - 1, d, 23, 59, 59, 999).getTime() : new Date(y, m - 1, d).getTime();
}

function download(filename: string, mimeType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Administrator: filter the update history, see a record, export it, show its receipt. */
export function HistoryScreen() {
  const isAdmin = useSession()?.user.role === 'admin';
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const version = useHistoryVersion();
  const [search, setSearch] = useState('');
  const [result, setResult] = useState<JobResult | ''>('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [filter, setFilter] = useState<HistoryFilter>({ limit: 200 });
  const [records, setRecords] = useState<HistoryRecord[]>([]);
  const [total, setTotal] = useState(0);
  const [selected, setSelected] = useState<HistoryRecord | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [exported, setExported] = useState<string | null>(null);

  const load = useCallback(async (f: HistoryFilter) => {
    const r = await kioskActions.listHistory(f);
    if (r.ok) {
      setRecords(r.value.records);
      setTotal(r.value.total);
    } else setError(r.error);
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading from the Node side is what this effect is for
    void load(filter);
  }, [filter, version, load]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const f: HistoryFilter = { limit: 200 };
    if (search.trim()) f.search = search.trim();
    if (result) f.result = result;
    const fromMs = dayBound(from, false);
    const toMs = dayBound(to, true);
    if (fromMs !== undefined) f.from = fromMs;
    if (toMs !== undefined) f.to = toMs;
    setFilter(f);
  };

  // On the kiosk's printer, in the language the customer used (the receipt is theirs).
  const selectedId = selected?.id ?? null;
  const printing = usePrintReceipt(selectedId, () => kioskActions.printReceipt(selectedId ?? ''));

  const open = (rec: HistoryRecord) => {
    setSelected(rec);
  };

  /** The printable receipt (HTML from the Node side, in the screen's language) as a file. */
  const saveReceipt = async (rec: HistoryRecord) => {
    setError(null);
    const r = await kioskActions.receipt(rec.id, lng);
    if (r.ok) {
      download(`receipt-${rec.id}.html`, 'text/html', r.value.html);
      setExported(t('history.exported', { path: `receipt-${rec.id}.html` }));
    } else setError(r.error);
  };

  const doExport = async (format: 'csv' | 'json') => {
    setError(null);
    const r = await kioskActions.exportHistory(format, filter);
    if (r.ok) {
      download(r.value.filename, r.value.mimeType, r.value.content);
      setExported(t('history.exported', { path: r.value.filename }));
    } else setError(r.error);
  };

  return (
    <section className="stack" aria-labelledby="history-title" data-testid="screen-history">
      <div className="screen-head">
        <h1 id="history-title">{t('history.title')}</h1>
        <span className="spacer" />
        {/* Exports carry full device ids: an administrator's (and recorded). */}
        {isAdmin ? (
          <>
            <button type="button" className="btn btn-secondary" onClick={() => void doExport('csv')} data-testid="export-csv">
              {t('history.exportCsv')}
            </button>
            <button type="button" className="btn btn-secondary" onClick={() => void doExport('json')} data-testid="export-json">
              {t('history.exportJson')}
            </button>
          </>
        ) : null}
      </div>
      <p className="muted">{t('history.intro')}</p>
      {exported ? <Notice tone="success">{exported}</Notice> : null}
      <ErrorNotice error={error} />

      <form className="card form-row" onSubmit={apply} aria-label={t('history.apply')}>
        <div className="field">
          <label htmlFor="h-search">{t('history.filterText')}</label>
          <input id="h-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="history-search" />
        </div>
        <div className="field" style={{ flex: '0 0 200px' }}>
          <label htmlFor="h-result">{t('history.filterResult')}</label>
          <select id="h-result" value={result} onChange={(e) => setResult(e.target.value as JobResult | '')}>
            <option value="">{t('history.all')}</option>
            {RESULTS.map((r) => (
              <option key={r} value={r}>
                {t(resultKey(r))}
              </option>
            ))}
          </select>
        </div>
        <div className="field" style={{ flex: '0 0 190px' }}>
          <label htmlFor="h-from">{t('history.filterFrom')}</label>
          <input id="h-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field" style={{ flex: '0 0 190px' }}>
          <label htmlFor="h-to">{t('history.filterTo')}</label>
          <input id="h-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <button type="submit" className="btn btn-primary">
          {t('history.apply')}
        </button>
      </form>

      <div className="admin-grid">
        <div className="table-wrap">
          {records.length === 0 ? (
            <p className="card empty-state">{t('history.empty')}</p>
          ) : (
            <table className="data" data-testid="history-table" aria-describedby="history-count">
              <caption id="history-count" className="visually-hidden">
                {total}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('history.colDate')}</th>
                  <th scope="col">{t('history.colModel')}</th>
                  <th scope="col">{t('history.colSlot')}</th>
                  <th scope="col">{t('history.colDevId')}</th>
                  <th scope="col">{t('history.colVersions')}</th>
                  <th scope="col">{t('history.colResult')}</th>
                </tr>
              </thead>
              <tbody>
                {records.map((rec) => (
                  <tr key={rec.id} className={selected?.id === rec.id ? 'selected' : undefined} data-testid="history-row">
                    <td className="num">
                      <button type="button" className="row-link" onClick={() => open(rec)} aria-label={`${t('history.details')}: ${formatDateTime(rec.startedAt, lng)}`}>
                        {formatDateTime(rec.startedAt, lng)}
                      </button>
                    </td>
                    <td>{rec.model ?? t('common.unknown')}</td>
                    <td className="history-slot" data-testid="history-slot">{recordPlace(rec)}</td>
                    <td className="num">{maskDevId(rec.devId)}</td>
                    <td className="num">
                      {rec.fromVersion ?? '–'} → {rec.finalVersion ?? rec.targetVersion ?? '–'}
                    </td>
                    <td>
                      <span className={`badge badge-${RESULT_TONE[rec.result ?? ''] ?? 'neutral'}`}>{t(resultKey(rec.result))}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        {selected ? (
          <aside className="card stack" aria-labelledby="record-title" data-testid="history-detail">
            <div className="row">
              <h2 id="record-title" className="spacer">
                {t('history.details')}
              </h2>
              <button type="button" className="btn btn-quiet" onClick={() => setSelected(null)}>
                {t('common.close')}
              </button>
            </div>
            <dl className="facts">
              <dt>{t('history.colDate')}</dt>
              <dd className="num">{formatDateTime(selected.startedAt, lng)}</dd>
              <dt>{t('history.colModel')}</dt>
              <dd>{selected.model ?? t('common.unknown')}</dd>
              <dt>{t('history.colSlot')}</dt>
              <dd data-testid="history-detail-slot">{selected.slot ?? '–'}</dd>
              <dt>{t('history.colPort')}</dt>
              <dd className="code">{selected.portLabel || selected.portId || '–'}</dd>
              <dt>{t('history.colDevId')}</dt>
              <dd className="num">{maskDevId(selected.devId)}</dd>
              <dt>{t('receipt.from')}</dt>
              <dd className="num">{selected.fromVersion ?? '–'}</dd>
              <dt>{t('receipt.to')}</dt>
              <dd className="num">{selected.finalVersion ?? selected.targetVersion ?? '–'}</dd>
              <dt>{t('history.colResult')}</dt>
              <dd>{t(resultKey(selected.result))}</dd>
              <dt>{t('history.consentKiosk')}</dt>
              <dd>{selected.consent.customer ? t(selected.consent.customer === 'approved' ? 'common.yes' : 'common.no') : '–'}</dd>
              <dt>{t('history.consentDevice')}</dt>
              <dd>{selected.consent.device ? t(selected.consent.device === 'approved' ? 'common.yes' : 'common.no') : '–'}</dd>
              <dt>{t('history.colTechnician')}</dt>
              <dd>{selected.technician ?? '–'}</dd>
              <dt>{t('history.duration')}</dt>
              <dd className="num">{selected.finishedAt ? formatEtaClock((selected.finishedAt - selected.startedAt) / 1000) : '–'}</dd>
              <dt>{t('catalog.colSize')}</dt>
              <dd className="num">{formatMegabytes(selected.bytesSent, lng)}</dd>
            </dl>
            {selected.error ? (
              <Notice tone="danger" title={t('history.error')}>
                <p>{translateError(t, i18n, selected.error)}</p>
              </Notice>
            ) : null}
            <div className="row">
              <button type="button" className="btn btn-secondary" onClick={() => void saveReceipt(selected)} data-testid="save-receipt">
                {t('history.showReceipt')}
              </button>
              <span className="muted num">
                {t('receipt.reference')}: {selected.id}
              </span>
            </div>
            <PrintReceiptButton state={printing.state} onPrint={printing.onPrint} />
          </aside>
        ) : null}
      </div>
    </section>
  );
}

/** Where the phone was on the bench: its slot's name, else the port it was on. */
function recordPlace(rec: Pick<HistoryRecord, 'slot' | 'portLabel' | 'portId'>): string {
  return rec.slot?.trim() || rec.portLabel?.trim() || rec.portId || '–';
}
