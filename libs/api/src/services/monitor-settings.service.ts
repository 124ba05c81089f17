import { Inject, Injectable } from '@nestjs/common';
import {
  monitorSettingsOverrideSchema,
  monitorSettingsSchema,
  type MonitorSettingsOverride,
} from '@damon/persistence';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import type { ArtifactRefInput } from '../dto/artifact-ref.input';
import type {
  MonitorSettingsInput,
  ResetMonitorSettingsInput,
  SetMonitorSettingsInput,
} from '../dto/monitor-settings.input';
import { badUserInput } from '../errors';
import { checkId, checkText } from '../graphql/input-checks';
import type { Stage } from '../models/enums';
import type { MonitorSettingsModel } from '../models/monitor-settings.model';
import { API_DATA_SOURCE } from '../tokens';
import { AuditService } from './audit.service';
import { selectRows, type Queryable } from './sql';

/** The settings a row may hold (monitorSettingsSchema's keys). */
const SETTING_NAMES = Object.keys(monitorSettingsSchema.shape) as (keyof MonitorSettingsOverride)[];

interface SettingsRow {
  settings: Record<string, unknown>;
  updated_at: Date;
}

/**
 * Per-subject monitor settings (monitor_settings), validated with the schema the monitors apply
 * when they read a row (@damon/persistence monitorSettingsOverrideSchema): a bad value is refused
 * naming its field and nothing is stored. Every write is audited in api_audit_log with the row
 * before and after. The monitors read the row for every batch they score, so a change applies to
 * the next batch without a restart (referenceSize, calibrationFraction and the fitted detectors'
 * switches of data and representations: at the next fit).
 */
@Injectable()
export class MonitorSettingsService {
  constructor(
    @Inject(API_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(stage: Stage, subject: ArtifactRefInput): Promise<MonitorSettingsModel> {
    checkId('subject.id', subject.id);
    const row = await this.read(this.dataSource, stage, subject, false);
    return toModel(stage, subject, row);
  }

  async set(input: SetMonitorSettingsInput, actor: Principal): Promise<MonitorSettingsModel> {
    checkId('input.subject.id', input.subject.id);
    const given = givenOverride(input.settings);
    if (Object.keys(given).length === 0) throw badUserInput('input.settings', 'sets nothing');
    const parsed = checkOverride('input.settings', given);
    return this.dataSource.transaction(async (manager) => {
      const before = (await this.read(manager, input.stage, input.subject, true))?.settings ?? {};
      const after: Record<string, unknown> = { ...before, ...parsed };
      if (parsed.detectors) after.detectors = { ...detectorsOf(before), ...parsed.detectors };
      // The merged row must hold too (a row written by hand may carry keys the monitors ignore).
      checkOverride('input.settings', after);
      const row = await this.write(manager, input.stage, input.subject, after);
      await this.audit.other(manager, 'setMonitorSettings', target(input.stage, input.subject), actor, {
        stage: input.stage,
        subject: { kind: input.subject.kind, id: input.subject.id },
        set: parsed,
        before,
        after,
      });
      return toModel(input.stage, input.subject, row);
    });
  }

  async reset(input: ResetMonitorSettingsInput, actor: Principal): Promise<MonitorSettingsModel> {
    checkId('input.subject.id', input.subject.id);
    const fields = input.fields ?? null;
    fields?.forEach((field, i) => {
      const [name, detector, ...rest] = field.split('.');
      const known =
        (SETTING_NAMES as string[]).includes(name) &&
        (detector === undefined || (name === 'detectors' && detector.length > 0 && rest.length === 0));
      if (!known)
        throw badUserInput(
          `input.fields.${i}`,
          `"${field.slice(0, 100)}" is not a setting (${SETTING_NAMES.join(', ')}, or detectors.<name>)`,
        );
    });
    return this.dataSource.transaction(async (manager) => {
      const current = await this.read(manager, input.stage, input.subject, true);
      const before = current?.settings ?? {};
      let after: Record<string, unknown> = {};
      if (fields) {
        after = { ...before };
        const detectors = { ...detectorsOf(before) };
        for (const field of fields) {
          const [name, detector] = field.split('.');
          if (detector !== undefined) delete detectors[detector];
          else delete after[name];
        }
        if (after.detectors !== undefined) after.detectors = detectors;
        if (after.detectors !== undefined && Object.keys(detectors).length === 0) delete after.detectors;
      }
      let row: SettingsRow | null = null;
      if (Object.keys(after).length === 0) {
        await manager.query(
          `DELETE FROM monitor_settings WHERE stage = $1 AND subject_kind = $2 AND subject_id = $3`,
          [input.stage, input.subject.kind, input.subject.id],
        );
      } else {
        row = await this.write(manager, input.stage, input.subject, after);
      }
      await this.audit.other(manager, 'resetMonitorSettings', target(input.stage, input.subject), actor, {
        stage: input.stage,
        subject: { kind: input.subject.kind, id: input.subject.id },
        fields,
        before,
        after,
      });
      return toModel(input.stage, input.subject, row);
    });
  }

  private async read(
    db: Queryable,
    stage: Stage,
    subject: ArtifactRefInput,
    forUpdate: boolean,
  ): Promise<SettingsRow | null> {
    const [row] = await selectRows<SettingsRow>(
      db,
      `SELECT settings, updated_at FROM monitor_settings
       WHERE stage = $1 AND subject_kind = $2 AND subject_id = $3${forUpdate ? ' FOR UPDATE' : ''}`,
      [stage, subject.kind, subject.id],
    );
    return row ?? null;
  }

  private async write(
    db: Queryable,
    stage: Stage,
    subject: ArtifactRefInput,
    settings: Record<string, unknown>,
  ): Promise<SettingsRow> {
    const [row] = await selectRows<SettingsRow>(
      db,
      `INSERT INTO monitor_settings (stage, subject_kind, subject_id, settings, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, now())
       ON CONFLICT (stage, subject_kind, subject_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()
       RETURNING settings, updated_at`,
      [stage, subject.kind, subject.id, JSON.stringify(settings)],
    );
    return row;
  }
}

/** The fields the input sets (GraphQL nulls: not set), in the row's shape. */
function givenOverride(input: MonitorSettingsInput): Record<string, unknown> {
  const given: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    if (name === 'detectors') continue;
    const value = (input as Record<string, unknown>)[name];
    if (value !== null && value !== undefined) given[name] = value;
  }
  if (input.detectors) {
    const detectors: Record<string, boolean> = {};
    input.detectors.forEach((d, i) => {
      checkText(`input.settings.detectors.${i}.name`, d.name, 128);
      if (d.name in detectors)
        throw badUserInput(`input.settings.detectors.${i}.name`, `"${d.name}" is switched twice`);
      detectors[d.name] = d.enabled;
    });
    given.detectors = detectors;
  }
  return given;
}

/** The monitors' own rules; the first issue becomes BAD_USER_INPUT naming its field. */
function checkOverride(field: string, value: Record<string, unknown>): MonitorSettingsOverride {
  const parsed = monitorSettingsOverrideSchema.strict().safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  throw badUserInput([field, ...path.map(String)].join('.'), issue.message);
}

function detectorsOf(settings: Record<string, unknown>): Record<string, boolean> {
  const value = settings.detectors;
  return value && typeof value === 'object' ? (value as Record<string, boolean>) : {};
}

function target(stage: Stage, subject: ArtifactRefInput): { kind: string; id: string } {
  return { kind: 'monitor_settings', id: `${stage}/${subject.kind}/${subject.id}` };
}

function toModel(stage: Stage, subject: ArtifactRefInput, row: SettingsRow | null): MonitorSettingsModel {
  const s = row?.settings ?? {};
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    stage,
    subject: { kind: subject.kind, id: subject.id },
    alpha: num(s.alpha),
    referenceSize: num(s.referenceSize),
    calibrationFraction: num(s.calibrationFraction),
    referenceMode: str(s.referenceMode),
    maxBatchItems: num(s.maxBatchItems),
    windowSize: num(s.windowSize),
    fusion: str(s.fusion),
    averageRunLength: num(s.averageRunLength),
    detectors: Object.entries(detectorsOf(s))
      .map(([name, enabled]) => ({ name, enabled: enabled !== false }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    overrides: s,
    updatedAt: row?.updated_at ?? null,
  };
}
