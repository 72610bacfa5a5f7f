/**
 * Runtime schemas (zod) for everything that crosses a process boundary between the Node side and
 * the renderer: the arguments of every KioskApi method, every value it returns and every event
 * payload. The TypeScript types of the contract are inferred from these schemas, so the two
 * never drift apart. The hosts parse every incoming argument with METHOD_SCHEMAS before the
 * backend sees it.
 *
 * Conventions: times are epoch milliseconds (number); sizes are bytes; speeds are bytes per
 * second (5-second sliding average); MB = 10^6 bytes when shown. `null` means "not known (yet)".
 */
import { z } from 'zod';
import { SLOT_NAME_MAX_LENGTH } from './bench-ports';
import { ERROR_MESSAGES, type ErrorCode } from './errors';
import type { KioskEventName, KioskMethod } from './names';
import { parseDmListenSpec } from './dm-listen';

// ---------------------------------------------------------------------------------------------
// Building blocks

const errorCodes = Object.keys(ERROR_MESSAGES) as [ErrorCode, ...ErrorCode[]];
export const ErrorCodeSchema = z.enum(errorCodes);

const Id = z.string().min(1).max(200);
const Epoch = z.number().int().nonnegative();
const Bytes = z.number().int().nonnegative();
const DetailValue = z.union([z.string(), z.number()]);

/** The error half of a Result: a stable code, the plain-language message and its details. */
export const ApiErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  details: z.record(z.string(), DetailValue.optional()).optional(),
});

/** Text in several languages, keyed by language code ('en', 'de', 'es' ...). 'en' is the fallback. */
export const LocalizedTextSchema = z.record(z.string().min(2).max(20), z.string());

export const LinkKindSchema = z.enum(['serial', 'usb', 'http']);

/** What the kiosk knows about a device as a whole (independent of any job). */
export const DeviceStateSchema = z.enum([
  'connecting', // link opened, no DM session yet
  'identifying', // DM session open, capability exchange running
  'update-available', // a catalogue bundle applies and no problem blocks it
  'up-to-date', // the device already runs the newest approved version: nobody is asked anything
  'no-update', // no bundle in the catalogue fits this model and version
  'blocked', // a bundle applies but problems[] block it (battery, space ...)
  'updating', // a job is running; see phase
  'updated', // the last job completed and the new version was verified
  'failed', // the last job failed; see problems[] and the job's error
]);

/** The phases of one update job, in the order they normally happen. */
export const JobPhaseSchema = z.enum([
  'queued',
  'connecting',
  'capabilities', // DevInfo / DevDetail / FUMO location
  'preflight', // model, version, approval, battery, space
  'awaiting-consent', // waiting for the customer (or the technician in operator mode) on the kiosk
  'awaiting-device-consent', // the device shows its own prompt (Alert 1101)
  'scheduled', // approved for "install later"; waits for the device's chosen time
  'downloading', // Replace <fumo>/Update/PkgData as a large object
  'installing', // Exec <fumo>/Update sent, device installing / rebooting
  'verifying', // re-reading ./DevDetail/FwV
  'completed',
  'failed',
  'cancelled',
  'declined',
]);

export const JobResultSchema = z.enum([
  'success',
  'failed',
  'cancelled',
  'declined',
  'up-to-date',
  'scheduled',
]);
export const ScheduleSchema = z.enum(['now', 'later']);
export const ConsentModeSchema = z.enum(['customer', 'operator']);
export const RoleSchema = z.enum(['technician', 'admin']);
export const ExportFormatSchema = z.enum(['csv', 'json']);

/** A named reason an update cannot go ahead (or a warning), with required and measured values. */
export const ProblemSchema = z.object({
  code: ErrorCodeSchema,
  /** Plain-language text: what is wrong and what to do next (from describeError). */
  message: z.string(),
  required: DetailValue.nullable(),
  measured: DetailValue.nullable(),
  /** true: the update cannot start until this is solved; false: a warning only. */
  blocking: z.boolean(),
  /** The technician may start anyway (a low battery while the phone is on external power): jobs.start with allowBatteryOverride. */
  overridable: z.boolean().optional(),
});

// ---------------------------------------------------------------------------------------------
// Views (what the renderer shows)

export const DeviceViewSchema = z.object({
  /** Stable id of the port/cable the device is on; the key of the device list. */
  portId: Id,
  linkKind: LinkKindSchema,
  simulated: z.boolean(),
  /** DM DevId, masked for display (e.g. IMEI:••••••••••2800); null before identification. */
  devId: z.string().nullable(),
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
  fwVersion: z.string().nullable(),
  /** The version the matching catalogue bundle installs; null when none applies. */
  targetVersion: z.string().nullable(),
  bundleId: z.string().nullable(),
  /** Battery level in percent. */
  battery: z.number().min(0).max(100).nullable(),
  externalPower: z.boolean().nullable(),
  /** Whether the device supports "install later" (scheduled update). */
  supportsSchedule: z.boolean(),
  state: DeviceStateSchema,
  /** The phase of the device's current or last job. */
  phase: JobPhaseSchema.nullable(),
  jobId: z.string().nullable(),
  problems: z.array(ProblemSchema),
  attachedAt: Epoch,
  /** The bench slot an administrator named for this port ("Slot 3"); optional, null when unnamed. */
  slot: z.string().max(100).nullable().optional(),
  /** The port as people read it ("USB 1-2.3", "/dev/ttyUSB0"); optional, the screens fall back to portId. */
  portLabel: z.string().max(200).nullable().optional(),
  /**
   * Set while a job waits for a phone the kiosk cannot call to connect by itself: the device
   * profile's instruction for the technician, per language (null: none given); absent otherwise.
   */
  waitingForConnect: z.object({ instruction: z.object({ en: z.string(), de: z.string(), es: z.string() }).nullable() }).nullable().optional(),
});

export const JobViewSchema = z.object({
  jobId: Id,
  portId: Id,
  devId: z.string().nullable(),
  model: z.string().nullable(),
  bundleId: z.string().nullable(),
  fromVersion: z.string().nullable(),
  targetVersion: z.string().nullable(),
  schedule: ScheduleSchema,
  consentMode: ConsentModeSchema,
  phase: JobPhaseSchema,
  bytesSent: Bytes,
  bytesTotal: Bytes,
  /** Bytes per second, 5-second sliding average; null before the download starts. */
  speedBps: z.number().nonnegative().nullable(),
  /** Remaining bytes / speed, in seconds; null when unknown. */
  etaSeconds: z.number().nonnegative().nullable(),
  result: JobResultSchema.nullable(),
  error: ApiErrorSchema.nullable(),
  /** The job this one retries, if any. */
  retryOf: z.string().nullable(),
  historyId: z.string().nullable(),
  startedAt: Epoch,
  updatedAt: Epoch,
  finishedAt: Epoch.nullable(),
});

/** A lightweight progress tick (many per second during download); the full JobView follows on phase changes. */
export const JobProgressSchema = z.object({
  jobId: Id,
  portId: Id,
  bytesSent: Bytes,
  bytesTotal: Bytes,
  speedBps: z.number().nonnegative().nullable(),
  etaSeconds: z.number().nonnegative().nullable(),
});

/** A text the customer agrees to, versioned so the history records which wording was shown. */
export const VersionedTextSchema = z.object({
  version: z.string().min(1),
  text: LocalizedTextSchema,
});

/** What the customer is asked to approve on the kiosk. */
export const ConsentRequestSchema = z.object({
  requestId: Id,
  jobId: Id,
  portId: Id,
  /**
   * Where the phone is and which it is, for the customer to check against the phone in hand (the
   * customer display sees no device cards): its bench slot's name and its port's path when the
   * request was made, and its DevId masked but for the last 4 characters. Optional.
   */
  slot: z.string().nullable().optional(),
  portLabel: z.string().nullable().optional(),
  devId: z.string().nullable().optional(),
  model: z.string().nullable(),
  fromVersion: z.string().nullable(),
  targetVersion: z.string(),
  releaseNotes: LocalizedTextSchema,
  imageBytes: Bytes,
  /** From the image size and the link's measured speed. */
  estimatedSeconds: z.number().nonnegative(),
  /** Present while the install time is still a guess: the low end of the range (high end is estimatedSeconds). */
  estimatedSecondsLow: z.number().nonnegative().optional(),
  privacy: VersionedTextSchema,
  warranty: VersionedTextSchema,
  /** Whether "install later" can be offered. */
  supportsSchedule: z.boolean(),
  consentMode: ConsentModeSchema,
  createdAt: Epoch,
});

export const ConsentAnswerSchema = z.object({
  requestId: Id,
  decision: z.enum(['approve', 'decline']),
  schedule: ScheduleSchema,
  /** The language the texts were shown in. */
  language: z.string().min(2).max(20),
  /** The versions of the privacy and warranty texts shown (recorded in history). */
  privacyVersion: z.string().min(1),
  warrantyVersion: z.string().min(1),
});

export const UserSchema = z.object({ id: Id, name: z.string(), role: RoleSchema });
export const SessionViewSchema = z.object({ user: UserSchema, expiresAt: Epoch.nullable() });

export const VerdictSchema = z.object({
  status: z.enum(['pass', 'fail', 'warning']),
  code: ErrorCodeSchema.nullable(),
  message: z.string(),
});

export const BundleViewSchema = z.object({
  bundleId: Id,
  manufacturer: z.string(),
  models: z.array(z.string()),
  /** Versions the bundle applies to (empty: any older version). */
  fromVersions: z.array(z.string()),
  targetVersion: z.string(),
  sizeBytes: Bytes,
  sha256: z.string(),
  /** Trusted key that signed it (key id), null when the signature did not verify. */
  signedBy: z.string().nullable(),
  releaseNotes: LocalizedTextSchema,
  importedAt: Epoch,
  verdicts: z.object({ signature: VerdictSchema, approval: VerdictSchema, compatibility: VerdictSchema }),
});

export const TrustedKeySchema = z.object({
  keyId: Id,
  name: z.string(),
  algorithm: z.literal('ed25519'),
  /** SHA-256 of the raw public key, hex. */
  fingerprint: z.string(),
  /** Public key, PEM (SPKI) or base64 raw. */
  publicKey: z.string(),
  addedAt: Epoch,
});

/** One address of the DM endpoint: HOST:PORT, HOST an IP address or a network interface's name (./dm-listen). */
const DmListenText = z
  .string()
  .max(200)
  .superRefine((text, ctx) => {
    const parsed = parseDmListenSpec(text);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  });

export const ReceiptPaperSchema = z.enum(['a4', '80mm']);
/** A person who logs in with a PIN (never the PIN or its hash). */
export const PersonViewSchema = z.object({
  name: z.string(),
  role: RoleSchema,
  /** When the PIN was last set. */
  pinSetAt: Epoch,
  /** Who set it (an administrator's name, the command line's user), null when not recorded. */
  pinSetBy: z.string().nullable(),
  /** Locked out of logging in under this name until then; null when not locked. */
  lockedUntil: Epoch.nullable(),
});

/** Everyone with a PIN, and whether logging in on the bench is locked after wrong PINs. */
export const PeopleViewSchema = z.object({
  people: z.array(PersonViewSchema),
  /** Logging in by PIN is locked until then (too many wrong PINs); null when not locked. */
  loginLockedUntil: Epoch.nullable(),
});

export const SettingsSchema = z.object({
  /** Devices updated at the same time. */
  concurrency: z.number().int().min(1).max(32),
  /** Minimum battery level (percent) without external power. */
  batteryThresholdPercent: z.number().int().min(0).max(100),
  /** Fullscreen lock-down of the Electron window. */
  kioskMode: z.boolean(),
  /** Languages offered to customers, in order; the first is the default. */
  languages: z.array(z.string().min(2).max(20)).min(1),
  /** The customer area returns to its start screen after this many seconds without input. */
  idleTimeoutSeconds: z.number().int().min(10).max(3600),
  /** The web host may listen beyond 127.0.0.1 (admin decision; off by default). */
  allowNonLoopback: z.boolean(),
  /** A technician's or administrator's login ends after this many seconds without use. */
  sessionIdleSeconds: z.number().int().min(60).max(86_400),
  /** The shop printed at the top of the customer's receipt ('' = none). */
  shopName: z.string().max(120),
  /** The shop's address under its name, one line per line. */
  shopAddress: z.string().max(400),
  /** The print queue receipts go to ('' = this computer's default printer). */
  receiptPrinter: z.string().max(200),
  receiptPaper: ReceiptPaperSchema,
  /**
   * Where the DM endpoint listens ([] = 127.0.0.1 on a free port): HTTPS with dmCertFile and
   * dmKeyFile; without them plain HTTP, which the endpoint allows on loopback only. Read at start.
   */
  dmListen: z.array(DmListenText).max(16),
  /** Addresses an administrator marks as a phone cable's own network interface: served over plain HTTP. */
  dmCable: z.array(DmListenText).max(16),
  /** PEM certificate (chain) and key of the DM endpoint's HTTPS ('' = none; both or neither). */
  dmCertFile: z.string().max(4096),
  dmKeyFile: z.string().max(4096),
});

/** Why a port is opened with the profile it is: a --serial-port flag, an administrator's assignment, its VID:PID, or a simulated phone's own. */
export const ProfileSourceSchema = z.enum(['flag', 'assigned', 'vid-pid', 'simulated']);

/** One port of the bench as the administrator's screen lists it: attached now, assigned, or both. */
export const PortViewSchema = z.object({
  /** The name to assign it by: its stable name where it has one (/dev/serial/by-id/..., sn:...), else its path. */
  port: z.string().min(1).max(200),
  /** The scanner's id of the port while something is attached to it (the key of the bench's cards); null otherwise. */
  portId: z.string().nullable(),
  linkKind: LinkKindSchema.nullable(),
  /** The device path or USB port path the scanner sees. */
  path: z.string().nullable(),
  /** "0403:6001" */
  vidPid: z.string().nullable(),
  serialNumber: z.string().nullable(),
  attached: z.boolean(),
  /** A phone is on the bench on this port (its card is shown). */
  onBench: z.boolean(),
  /** The profile a phone on this port is (or would be) opened with; null: left alone (no profile names it). */
  profileId: z.string().nullable(),
  profileSource: ProfileSourceSchema.nullable(),
  /** The administrator's choice, when there is one (the flag may overrule it). */
  assignedProfileId: z.string().nullable(),
  slot: z.string().max(SLOT_NAME_MAX_LENGTH).nullable(),
  /** The model of the phone on it, once identified. */
  model: z.string().nullable(),
});

/** A device profile an administrator can assign a port to. */
export const ProfileChoiceSchema = z.object({ id: z.string(), name: z.string(), linkKind: LinkKindSchema });

export const PortListSchema = z.object({ ports: z.array(PortViewSchema), profiles: z.array(ProfileChoiceSchema) });

export const HistoryRecordSchema = z.object({
  id: Id,
  jobId: Id,
  portId: z.string(),
  /** The bench slot the port had when the job began; null when unnamed. Optional: records from before slots have none. */
  slot: z.string().nullable().optional(),
  /** The port as people read it (device or USB port path) when the job began; optional as slot. */
  portLabel: z.string().nullable().optional(),
  devId: z.string().nullable(),
  model: z.string().nullable(),
  bundleId: z.string().nullable(),
  fromVersion: z.string().nullable(),
  targetVersion: z.string().nullable(),
  /** Version the device reported after the update (verification), when read. */
  finalVersion: z.string().nullable(),
  result: JobResultSchema.nullable(),
  error: ApiErrorSchema.nullable(),
  consent: z.object({
    mode: ConsentModeSchema,
    customer: z.enum(['approved', 'declined']).nullable(),
    device: z.enum(['approved', 'declined']).nullable(),
    schedule: ScheduleSchema.nullable(),
    language: z.string().nullable(),
    privacyVersion: z.string().nullable(),
    warrantyVersion: z.string().nullable(),
    answeredAt: Epoch.nullable(),
  }),
  technician: z.string().nullable(),
  bytesSent: Bytes,
  startedAt: Epoch,
  finishedAt: Epoch.nullable(),
});

export const HistoryFilterSchema = z.object({
  from: Epoch.optional(),
  to: Epoch.optional(),
  result: JobResultSchema.optional(),
  model: z.string().max(200).optional(),
  /** Free text matched against devId, model and versions. */
  search: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  offset: z.number().int().min(0).optional(),
});

export const HistoryPageSchema = z.object({
  records: z.array(HistoryRecordSchema),
  total: z.number().int().nonnegative(),
});
export const ExportFileSchema = z.object({ filename: z.string(), mimeType: z.string(), content: z.string() });
export const ReceiptSchema = z.object({ id: Id, html: z.string() });

/**
 * The receipt's QR code for a screen to draw: the signed summary it carries (verifiable offline
 * with the kiosk's public key) and its modules, row by row, '1' dark and '0' light.
 */
export const ReceiptCodeSchema = z
  .object({
    id: Id,
    payload: z.string().min(1).max(2000),
    size: z.number().int().min(21).max(177),
    modules: z.string().regex(/^[01]+$/),
  })
  .refine((c) => c.modules.length === c.size * c.size, { message: 'modules must hold size x size entries' });

/** A receipt handed to the kiosk's print system. */
export const ReceiptPrintedSchema = z.object({
  id: Id,
  /** The print queue it went to. */
  queue: z.string(),
  /** The print system's job id, when it tells one. */
  printJobId: z.string().nullable(),
});

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  demo: z.boolean(),
});

/** Everything the renderer's store needs at start; events keep it current afterwards. */
export const SnapshotSchema = z.object({
  app: AppInfoSchema,
  devices: z.array(DeviceViewSchema),
  jobs: z.array(JobViewSchema),
  consent: z.object({
    pending: z.array(ConsentRequestSchema),
    /** The request currently handed over to the customer display, if any. */
    customerRequestId: z.string().nullable(),
    /**
     * The job the customer display belongs to: set at handover, kept after the answer until the
     * job ends or another request is handed over, so a display opened or reopened mid-update
     * shows that job. Optional; absent, the renderer infers it from the jobs.
     */
    customerJobId: z.string().nullable().optional(),
  }),
  session: SessionViewSchema.nullable(),
  catalog: z.array(BundleViewSchema),
  trust: z.array(TrustedKeySchema),
  settings: SettingsSchema,
  /** The most recent history records (newest first). */
  recentHistory: z.array(HistoryRecordSchema),
});

// ---------------------------------------------------------------------------------------------
// Method arguments

const NoParams = z.undefined();

export const StartJobParamsSchema = z
  .object({
    /** Pick the device by port ... */
    portId: Id.optional(),
    /** ... or by its (unmasked) DevId. Exactly one of the two. */
    devId: Id.optional(),
    /** A specific bundle; default: the newest approved bundle that applies. */
    bundleId: Id.optional(),
    schedule: ScheduleSchema,
    consentMode: ConsentModeSchema,
    /** Go ahead with a low battery because the phone is on external power (the technician's decision, recorded). */
    allowBatteryOverride: z.boolean().optional(),
  })
  .strict()
  .refine((p) => (p.portId === undefined) !== (p.devId === undefined), {
    message: 'give exactly one of portId and devId',
  });

export const JobRefSchema = z.object({ jobId: Id }).strict();
export const ConsentRefSchema = z.object({ requestId: Id }).strict();
export const LoginParamsSchema = z
  .object({ pin: z.string().regex(/^\d{4,12}$/, 'a PIN is 4 to 12 digits') })
  .strict();
export const CatalogImportParamsSchema = z.object({ path: z.string().min(1).max(4096) }).strict();
export const BundleRefSchema = z.object({ bundleId: Id }).strict();
export const TrustAddParamsSchema = z
  .object({ name: z.string().min(1).max(200), publicKey: z.string().min(1).max(10_000) })
  .strict();
export const KeyRefSchema = z.object({ keyId: Id }).strict();
// Name and PIN are checked by the backend, so people get its plain message, not a schema's.
export const PersonPinParamsSchema = z
  .object({ name: z.string().max(200), role: RoleSchema, pin: z.string().max(64) })
  .strict();
export const PersonRefSchema = z.object({ name: z.string().min(1).max(200) }).strict();
/** Unlock one person (name) or, without a name, logging in on the bench. */
export const UnlockParamsSchema = z.object({ name: z.string().min(1).max(200).optional() }).strict();
export const SettingsPatchSchema = SettingsSchema.partial().strict();
export const HistoryRefSchema = z.object({ id: Id }).strict();
export const HistoryExportParamsSchema = z
  .object({ format: ExportFormatSchema, filter: HistoryFilterSchema.optional() })
  .strict();
export const ReceiptParamsSchema = z
  .object({ id: Id, language: z.string().min(2).max(20).optional() })
  .strict();
const PortName = z.string().trim().min(1).max(200);
export const PortAssignParamsSchema = z
  .object({
    port: PortName,
    /** The device profile a phone on this port is opened with; null or absent: the one its VID:PID picks. */
    profileId: Id.nullable().optional(),
    /** The slot name; null, absent or empty: none. */
    slot: z.string().max(SLOT_NAME_MAX_LENGTH * 4).nullable().optional(),
  })
  .strict();
export const PortRefSchema = z.object({ port: PortName }).strict();
export const ImportReportSchema = z.object({ bundle: BundleViewSchema, accepted: z.boolean() });
/** A print queue of this computer's print system; isDefault: the system's default printer. */
export const PrinterQueueSchema = z.object({ name: z.string(), isDefault: z.boolean() });

/**
 * Every KioskApi method: its argument schema (the one argument, or undefined) and its value
 * schema (the `value` of an ok Result). Keys are the method names of KIOSK_METHODS in ./api.
 */
export const METHOD_SCHEMAS = {
  getSnapshot: { params: NoParams, result: SnapshotSchema },
  'devices.list': { params: NoParams, result: z.array(DeviceViewSchema) },
  'jobs.list': { params: NoParams, result: z.array(JobViewSchema) },
  'jobs.start': { params: StartJobParamsSchema, result: JobViewSchema },
  'jobs.cancel': { params: JobRefSchema, result: JobViewSchema },
  'jobs.retry': { params: JobRefSchema, result: JobViewSchema },
  'consent.pending': { params: NoParams, result: z.array(ConsentRequestSchema) },
  'consent.handover': { params: ConsentRefSchema, result: ConsentRequestSchema },
  'consent.answer': { params: ConsentAnswerSchema.strict(), result: JobViewSchema },
  'auth.login': { params: LoginParamsSchema, result: SessionViewSchema },
  'auth.logout': { params: NoParams, result: z.null() },
  'auth.session': { params: NoParams, result: SessionViewSchema.nullable() },
  'catalog.list': { params: NoParams, result: z.array(BundleViewSchema) },
  'catalog.import': { params: CatalogImportParamsSchema, result: ImportReportSchema },
  'catalog.remove': { params: BundleRefSchema, result: z.null() },
  'trust.list': { params: NoParams, result: z.array(TrustedKeySchema) },
  'trust.add': { params: TrustAddParamsSchema, result: TrustedKeySchema },
  'trust.remove': { params: KeyRefSchema, result: z.null() },
  'people.list': { params: NoParams, result: PeopleViewSchema },
  'people.setPin': { params: PersonPinParamsSchema, result: PersonViewSchema },
  'people.remove': { params: PersonRefSchema, result: z.null() },
  'people.unlock': { params: UnlockParamsSchema, result: PeopleViewSchema },
  'settings.get': { params: NoParams, result: SettingsSchema },
  'settings.set': { params: SettingsPatchSchema, result: SettingsSchema },
  'settings.printers': { params: NoParams, result: z.array(PrinterQueueSchema) },
  'ports.list': { params: NoParams, result: PortListSchema },
  'ports.assign': { params: PortAssignParamsSchema, result: PortListSchema },
  'ports.unassign': { params: PortRefSchema, result: PortListSchema },
  'history.list': { params: HistoryFilterSchema.strict().optional(), result: HistoryPageSchema },
  'history.get': { params: HistoryRefSchema, result: HistoryRecordSchema },
  'history.export': { params: HistoryExportParamsSchema, result: ExportFileSchema },
  'history.receipt': { params: ReceiptParamsSchema, result: ReceiptSchema },
  'history.receiptCode': { params: HistoryRefSchema, result: ReceiptCodeSchema },
  'history.print': { params: ReceiptParamsSchema, result: ReceiptPrintedSchema },
} as const satisfies Record<KioskMethod, { params: z.ZodType; result: z.ZodType }>;

// ---------------------------------------------------------------------------------------------
// Events (Node side -> renderer)

export const DeviceDetachedSchema = z.object({ portId: Id });
export const ConsentHandoverSchema = z.object({ requestId: Id, jobId: Id, portId: Id });
export const ConsentResolvedSchema = z.object({
  requestId: Id,
  jobId: Id,
  decision: z.enum(['approve', 'decline']),
});

/** Payload schema of every event; keys are the values of KIOSK_EVENTS in ./api. */
export const EVENT_SCHEMAS = {
  'device:attached': DeviceViewSchema,
  'device:updated': DeviceViewSchema,
  'device:detached': DeviceDetachedSchema,
  'job:updated': JobViewSchema,
  'job:progress': JobProgressSchema,
  'consent:requested': ConsentRequestSchema,
  'consent:handover': ConsentHandoverSchema,
  'consent:resolved': ConsentResolvedSchema,
  'auth:changed': SessionViewSchema.nullable(),
  'catalog:changed': z.array(BundleViewSchema),
  'trust:changed': z.array(TrustedKeySchema),
  'people:changed': PeopleViewSchema,
  'settings:changed': SettingsSchema,
  'history:added': HistoryRecordSchema,
} as const satisfies Record<KioskEventName, z.ZodType>;

// ---------------------------------------------------------------------------------------------
// Inferred types

export type ApiError = z.infer<typeof ApiErrorSchema>;
export type LocalizedText = z.infer<typeof LocalizedTextSchema>;
export type LinkKind = z.infer<typeof LinkKindSchema>;
export type DeviceState = z.infer<typeof DeviceStateSchema>;
export type JobPhase = z.infer<typeof JobPhaseSchema>;
export type JobResult = z.infer<typeof JobResultSchema>;
export type Schedule = z.infer<typeof ScheduleSchema>;
export type ConsentMode = z.infer<typeof ConsentModeSchema>;
export type Role = z.infer<typeof RoleSchema>;
export type Problem = z.infer<typeof ProblemSchema>;
export type DeviceView = z.infer<typeof DeviceViewSchema>;
export type JobView = z.infer<typeof JobViewSchema>;
export type JobProgress = z.infer<typeof JobProgressSchema>;
export type VersionedText = z.infer<typeof VersionedTextSchema>;
export type ConsentRequest = z.infer<typeof ConsentRequestSchema>;
export type ConsentAnswer = z.infer<typeof ConsentAnswerSchema>;
export type User = z.infer<typeof UserSchema>;
export type SessionView = z.infer<typeof SessionViewSchema>;
export type Verdict = z.infer<typeof VerdictSchema>;
export type BundleView = z.infer<typeof BundleViewSchema>;
export type TrustedKey = z.infer<typeof TrustedKeySchema>;
export type Settings = z.infer<typeof SettingsSchema>;
export type ReceiptPaper = z.infer<typeof ReceiptPaperSchema>;
export type PrinterQueue = z.infer<typeof PrinterQueueSchema>;
export type HistoryRecord = z.infer<typeof HistoryRecordSchema>;
export type ProfileSource = z.infer<typeof ProfileSourceSchema>;
export type PortView = z.infer<typeof PortViewSchema>;
export type ProfileChoice = z.infer<typeof ProfileChoiceSchema>;
export type PortList = z.infer<typeof PortListSchema>;
export type PortAssignParams = z.infer<typeof PortAssignParamsSchema>;
export type PortRef = z.infer<typeof PortRefSchema>;
export type HistoryFilter = z.infer<typeof HistoryFilterSchema>;
export type HistoryPage = z.infer<typeof HistoryPageSchema>;
export type ExportFile = z.infer<typeof ExportFileSchema>;
export type Receipt = z.infer<typeof ReceiptSchema>;
export type ReceiptCode = z.infer<typeof ReceiptCodeSchema>;
export type ReceiptPrinted = z.infer<typeof ReceiptPrintedSchema>;
export type AppInfo = z.infer<typeof AppInfoSchema>;
export type Snapshot = z.infer<typeof SnapshotSchema>;
export type StartJobParams = z.infer<typeof StartJobParamsSchema>;
export type JobRef = z.infer<typeof JobRefSchema>;
export type ConsentRef = z.infer<typeof ConsentRefSchema>;
export type LoginParams = z.infer<typeof LoginParamsSchema>;
export type CatalogImportParams = z.infer<typeof CatalogImportParamsSchema>;
export type ImportReport = z.infer<typeof ImportReportSchema>;
export type BundleRef = z.infer<typeof BundleRefSchema>;
export type TrustAddParams = z.infer<typeof TrustAddParamsSchema>;
export type KeyRef = z.infer<typeof KeyRefSchema>;
export type PersonView = z.infer<typeof PersonViewSchema>;
export type PeopleView = z.infer<typeof PeopleViewSchema>;
export type PersonPinParams = z.infer<typeof PersonPinParamsSchema>;
export type PersonRef = z.infer<typeof PersonRefSchema>;
export type UnlockParams = z.infer<typeof UnlockParamsSchema>;
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;
export type HistoryRef = z.infer<typeof HistoryRefSchema>;
export type HistoryExportParams = z.infer<typeof HistoryExportParamsSchema>;
export type ReceiptParams = z.infer<typeof ReceiptParamsSchema>;
export type DeviceDetached = z.infer<typeof DeviceDetachedSchema>;
export type ConsentHandover = z.infer<typeof ConsentHandoverSchema>;
export type ConsentResolved = z.infer<typeof ConsentResolvedSchema>;

/** Default settings (what the kiosk runs with on a fresh data folder). */
export const DEFAULT_SETTINGS: Settings = {
  concurrency: 8,
  batteryThresholdPercent: 30,
  kioskMode: false,
  languages: ['en', 'de', 'es'],
  idleTimeoutSeconds: 120,
  allowNonLoopback: false,
  sessionIdleSeconds: 900,
  shopName: '',
  shopAddress: '',
  receiptPrinter: '',
  receiptPaper: 'a4',
  dmListen: [],
  dmCable: [],
  dmCertFile: '',
  dmKeyFile: '',
};
