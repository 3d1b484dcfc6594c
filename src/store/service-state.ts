/** Small pieces of service state that must survive a restart and be shared by instances. */

export interface ReplayCache {
  /** Records a token id; false when it was seen before and has not expired yet. */
  rememberToken(issuer: string, jti: string, expiresAtSeconds: number, nowSeconds: number): boolean;
}

export interface IssuedCard {
  uuid: string;
  serviceId: string;
  hookInstance: string;
  auditSeq: number;
  issuedAt: string;
}

export interface CardRegistry {
  registerCards(cards: IssuedCard[]): void;
  findCard(uuid: string): IssuedCard | undefined;
}

export interface FeedbackRecord {
  cardUuid: string;
  outcome: string;
  body: Record<string, unknown>;
}

export interface FeedbackStore {
  recordFeedback(item: FeedbackRecord): boolean;
  feedbackFor(cardUuid: string): FeedbackRecord[];
}
