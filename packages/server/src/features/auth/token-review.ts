// The Kubernetes TokenReview call: POST {kubernetes_host}/apis/authentication.k8s.io/v1/tokenreviews
// with the service-account token in spec.token, authenticated with the reviewer token (or, without
// one, the presented token itself, as Vault does), trusting the configured CA. The host is checked
// against the egress policy before every call. Answers the namespace and service account name.
import http from 'node:http';
import https from 'node:https';
import { fail } from '../../lib/errors.js';
import { checkEgress, type EgressPolicy } from '../../lib/egress.js';

export interface ReviewedAccount {
  namespace: string;
  name: string;
  uid: string | null;
  audiences: string[];
}

const SA_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;

export const reviewToken = async (o: {
  host: string;
  ca?: string;
  reviewerJwt?: string | null;
  jwt: string;
  audiences?: string[];
  egress: EgressPolicy;
  timeoutMs?: number;
}): Promise<ReviewedAccount> => {
  await checkEgress(o.egress, o.host, 'The Kubernetes auth kubernetes_host');
  const url = new URL(`${o.host.replace(/\/+$/, '')}/apis/authentication.k8s.io/v1/tokenreviews`);
  const body = JSON.stringify({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token: o.jwt, ...(o.audiences?.length ? { audiences: o.audiences } : {}) },
  });
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      {
        method: 'POST',
        timeout: o.timeoutMs ?? 10_000,
        ...(url.protocol === 'https:' && o.ca ? { ca: o.ca } : {}),
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${o.reviewerJwt || o.jwt}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res
          .setEncoding('utf8')
          .on('data', (d: string) => {
            if (text.length < 1_000_000) text += d;
          })
          .on('end', () => resolve({ status: res.statusCode ?? 0, text }))
          .on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  }).catch((e: Error & { code?: string }) => {
    throw fail(
      'AUTH_TOKEN_REVIEW_FAILED',
      `The Kubernetes TokenReview API at ${url.origin} could not be reached (${e.code ?? e.message.slice(0, 80)}).`,
    );
  });
  if (answer.status === 401 || answer.status === 403)
    throw fail(
      'AUTH_TOKEN_REVIEW_FAILED',
      `The Kubernetes API at ${url.origin} refused the TokenReview (${answer.status}); the reviewer token needs the system:auth-delegator role.`,
    );
  if (answer.status !== 200 && answer.status !== 201)
    throw fail('AUTH_TOKEN_REVIEW_FAILED', `The Kubernetes TokenReview API at ${url.origin} answered ${answer.status}.`);
  let review: { status?: { authenticated?: boolean; error?: string; user?: { username?: string; uid?: string }; audiences?: string[] } };
  try {
    review = JSON.parse(answer.text);
  } catch {
    throw fail('AUTH_TOKEN_REVIEW_FAILED', 'The Kubernetes TokenReview API did not answer JSON.');
  }
  const st = review.status ?? {};
  if (!st.authenticated)
    throw fail(
      'AUTH_JWT_INVALID',
      'The Kubernetes API did not authenticate the service-account token (expired, revoked or not issued by this cluster).',
    );
  const m = SA_USER.exec(st.user?.username ?? '');
  if (!m)
    throw fail(
      'AUTH_JWT_INVALID',
      'The token is not a service-account token (the reviewed user is not system:serviceaccount:<namespace>:<name>).',
    );
  return { namespace: m[1]!, name: m[2]!, uid: st.user?.uid ?? null, audiences: st.audiences ?? [] };
};
