import type { Queryable } from '../core/database.js';
import { readEvents } from '../events/repository.js';
import type { PayloadTimes } from './event-times.js';
import type { TimelineEvent } from './steps.js';

/**
 * The SQL of the task timeline: every event of one VTID, oldest first, each with the few times its
 * GitHub payload carries (never the payload itself). Parameterized; run as the caller (asRole), so
 * row-level security decides which events a tenant sees.
 */

const COLUMNS = 'id, ts, vtid, source, kind, status, layer, module, title, repo, ref, sha, actor, url, external_id, tenant, metadata';

// Text as stored: event-times.ts parses it, so a malformed value in an odd payload is ignored rather
// than failing the statement.
const PAYLOAD_TIMES = `case when source in ('github', 'github.actions') and payload is not null then jsonb_strip_nulls(jsonb_build_object(
    'runCreatedAt', payload #>> '{workflow_run,created_at}',
    'runStartedAt', payload #>> '{workflow_run,run_started_at}',
    'runUpdatedAt', payload #>> '{workflow_run,updated_at}',
    'jobCreatedAt', payload #>> '{workflow_job,created_at}',
    'jobStartedAt', payload #>> '{workflow_job,started_at}',
    'jobCompletedAt', payload #>> '{workflow_job,completed_at}',
    'checkStartedAt', payload #>> '{check_run,started_at}',
    'checkCompletedAt', payload #>> '{check_run,completed_at}',
    'prCreatedAt', payload #>> '{pull_request,created_at}',
    'prMergedAt', payload #>> '{pull_request,merged_at}',
    'prClosedAt', payload #>> '{pull_request,closed_at}',
    'prNumber', payload #>> '{pull_request,number}',
    'reviewSubmittedAt', payload #>> '{review,submitted_at}',
    'reviewState', payload #>> '{review,state}',
    'deploymentStatusAt', payload #>> '{deployment_status,created_at}',
    'deploymentCreatedAt', payload #>> '{deployment,created_at}',
    'commitTimes', jsonb_path_query_array(payload, '$.commits[0 to 99].timestamp')
  )) else '{}'::jsonb end as times`;

/**
 * Up to `limit` events of `vtid`, oldest first (by ts, then id). The vtid filter index
 * (migrations/006) finds them; a task has tens of events, so the sort is small.
 */
export async function listTimelineEvents(db: Queryable, vtid: string, limit: number): Promise<TimelineEvent[]> {
  const result = await db.query(`select ${COLUMNS}, ${PAYLOAD_TIMES} from public.oasis_events where vtid = $1 order by ts, id limit $2`, [vtid, limit]);
  const events = readEvents(result, {});
  return events.map((event, i) => ({ ...event, times: (result.rows[i]!.times ?? {}) as PayloadTimes }));
}
