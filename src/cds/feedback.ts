import { formatZodIssues } from '../config/config.ts';
import type { VerifiedEhr } from '../http/ehr-token-verifier.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { CardRegistry, FeedbackStore } from '../store/service-state.ts';
import type { Logger } from '../util/logger.ts';
import { HookError } from './hook-error.ts';
import type { HookResponse } from './hook-handler.ts';
import { feedbackRequestSchema } from './hook-request.ts';
import type { ServiceCatalog } from './service-catalog.ts';

export interface FeedbackDeps {
  catalog: ServiceCatalog;
  audit: AuditStore;
  cards: CardRegistry;
  feedback: FeedbackStore;
  logger: Logger;
}

/**
 * CDS Hooks 2.0 §Feedback. The EHR may send the same feedback again (a retry, or a user
 * revisiting the card): an identical item is acknowledged again and stored once. Feedback for a
 * card this service never issued, or issued by another service, is refused as a whole so that
 * nothing is half-recorded.
 */
export function handleFeedback(
  deps: FeedbackDeps,
  serviceId: string,
  body: unknown,
  ehr: VerifiedEhr,
): HookResponse {
  const ehrRef = { iss: ehr.issuer, sub: ehr.subject, tenant: ehr.tenant };
  try {
    if (!deps.catalog.find(serviceId)) throw new HookError(404, `no CDS service with id ${serviceId}`);
    const parsed = feedbackRequestSchema.safeParse(body);
    if (!parsed.success) throw new HookError(400, `invalid feedback: ${formatZodIssues(parsed.error)}`);
    for (const item of parsed.data.feedback) {
      const card = deps.cards.findCard(item.card);
      if (!card)
        throw new HookError(400, `feedback names card ${item.card}, which this service did not issue`);
      if (card.serviceId !== serviceId) {
        throw new HookError(
          400,
          `card ${item.card} was issued by service ${card.serviceId}, not ${serviceId}`,
        );
      }
    }
    const stored = parsed.data.feedback.map((item) => ({
      card: item.card,
      outcome: item.outcome,
      new: deps.feedback.recordFeedback({ cardUuid: item.card, outcome: item.outcome, body: item }),
    }));
    const anyNew = stored.some((s) => s.new);
    deps.audit.append({
      kind: 'feedback',
      outcome: anyNew ? 'recorded' : 'duplicate',
      serviceId,
      cardUuids: stored.map((s) => s.card),
      detail: { ehr: ehrRef, items: parsed.data.feedback, stored },
    });
    deps.logger.info(
      { serviceId, items: stored.length, new: stored.filter((s) => s.new).length },
      'feedback',
    );
    return { status: 200, body: undefined };
  } catch (err) {
    if (!(err instanceof HookError)) throw err;
    deps.audit.append({
      kind: 'feedback',
      outcome: err.status === 404 ? 'not-found' : 'bad-request',
      serviceId,
      detail: { ehr: ehrRef, reason: err.message },
    });
    return { status: err.status, body: err.body() };
  }
}
