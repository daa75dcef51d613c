/**
 * May we send this message to this person? canContact answers once from the
 * raw context; compileContactContext prepares a profile for many answers
 * (a campaign run decides per message). Both run decide.ts and must agree.
 */
import type {
  Channel,
  ConsentEvent,
  ConsentPolicy,
  ContactDecision,
  ContactPoint,
  ContactRequest,
  ProfileFacts,
} from '../model.ts';
import { indexConsents } from './consent-index.ts';
import { type PointChoice, usablePoints } from './contact-points.ts';
import { decide, topicIndex } from './decide.ts';
import { scanConsents } from './state.ts';

export interface ContactContext {
  profile: ProfileFacts;
  contactPoints: readonly ContactPoint[];
  /** This profile's whole consent history, any order (merged-in profiles' events included). */
  consents: readonly ConsentEvent[];
  /** Carries the identifiers of an erased person (the profile's suppressed mark, suppression.ts): nothing may be sent. */
  suppressed: boolean;
}

export function canContact(ctx: ContactContext, req: ContactRequest, policy: ConsentPolicy): ContactDecision {
  return decide(
    {
      profile: ctx.profile,
      suppressed: ctx.suppressed,
      policy,
      topics: topicIndex(policy),
      points: (channel) => usablePoints(ctx.contactPoints, channel),
      consents: scanConsents(ctx.consents),
    },
    req,
  );
}

export interface CompiledContactContext {
  decide(req: ContactRequest): ContactDecision;
}

/**
 * Snapshots the context: later changes to the arrays passed in are not seen,
 * so compile again after recording consent or editing contact points.
 */
export function compileContactContext(ctx: ContactContext, policy: ConsentPolicy): CompiledContactContext {
  const contactPoints = [...ctx.contactPoints];
  const choices = new Map<Channel, PointChoice>();
  const prepared = {
    profile: { ...ctx.profile },
    suppressed: ctx.suppressed,
    policy,
    topics: topicIndex(policy),
    points(channel: Channel): PointChoice {
      let choice = choices.get(channel);
      if (choice === undefined) {
        choice = usablePoints(contactPoints, channel);
        choices.set(channel, choice);
      }
      return choice;
    },
    consents: indexConsents(ctx.consents),
  };
  return { decide: (req) => decide(prepared, req) };
}
