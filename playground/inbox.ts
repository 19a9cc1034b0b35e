/**
 * The sandbox inbox: every call made from the page, newest first, and the person's side of the conversation. In
 * sandbox mode the page can reply as the recipient (POST /api/Twilio/sandbox/inbound): the emulator signs the
 * message as Twilio would and the Worker's own /twilio/messages acts on it, so a STOP makes the next send to that
 * person answer 21610, and nothing is sent.
 */
import type { BlockSpec } from './document';
import { byId, h } from './dom';

const inbox = byId('inbox');
const list = byId('inbox-list');
const replyForm = byId<HTMLFormElement>('reply-form');
const replyFrom = byId<HTMLInputElement>('reply-from');
const replyTo = byId<HTMLInputElement>('reply-to');
const replyBody = byId<HTMLInputElement>('reply-body');
const replyButton = byId<HTMLButtonElement>('reply');
const replyStatus = byId('reply-status');

/** The route the inbox replies through. */
const REPLY_PATH = '/api/Twilio/sandbox/inbound';

/** One line for the inbox: the resource's sid and status, or the error string. */
function summary(answer: unknown): string {
  const body = answer as { callback?: string; contextWrites?: { to?: unknown } } | undefined;
  const to = body?.contextWrites?.to;
  if (body?.callback === 'success' && to && typeof to === 'object') {
    const resource = to as {
      sid?: string;
      status?: string;
      deleted?: boolean;
      messages?: [];
      calls?: [];
      page?: number;
    };
    const records = resource.messages ?? resource.calls;
    if (records) return `${records.length} ${resource.messages ? 'messages' : 'calls'} on page ${resource.page ?? 0}`;
    return `${resource.sid ?? ''} ${resource.deleted ? 'deleted' : (resource.status ?? '')}`.trim();
  }
  return typeof to === 'string' ? to : 'not an envelope';
}

/** An inbox item: the HTTP status, what was asked and when, a one-line summary, and the whole answer. */
function add(ok: boolean, status: number, what: string, line: string, text: string) {
  const item = h(
    'li',
    { class: ok ? 'ok' : 'err' },
    h('p', {}, h('strong', {}, `HTTP ${status}`), ` ${what} at ${new Date().toLocaleTimeString()}`),
    h('p', { class: 'summary' }, line),
    h('details', {}, h('summary', {}, 'Answer'), h('pre', { tabindex: 0 }, text)),
  );
  list.prepend(item);
}

const isSuccess = (answer: unknown) => (answer as { callback?: string } | undefined)?.callback === 'success';

/** Lists a call made from the page; a message sent becomes the one a reply answers. */
export function recordCall(
  block: BlockSpec,
  body: Record<string, unknown>,
  status: number,
  answer: unknown,
  text: string,
) {
  if (inbox.hidden) return;
  const about = body.sid ? String(body.sid) : `to ${String(body.to ?? 'any')}`;
  add(isSuccess(answer), status, `${block.name} ${about}`, summary(answer), text);
  const sentMessage = /^send(Sms|Mms)$/.test(block.name) && isSuccess(answer);
  if (sentMessage && typeof body.to === 'string' && typeof body.from === 'string') {
    replyFrom.value = body.to;
    replyTo.value = body.from;
  }
}

async function reply(event: SubmitEvent, headers: () => Record<string, string>) {
  event.preventDefault();
  const message = { from: replyFrom.value.trim(), to: replyTo.value.trim(), body: replyBody.value };
  replyButton.disabled = true;
  replyStatus.className = 'status';
  replyStatus.textContent = `Sending ${message.to} a message from ${message.from}…`;
  try {
    const res = await fetch(REPLY_PATH, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers() },
      body: JSON.stringify(message),
    });
    const text = await res.text();
    let answer: { callback?: string; contextWrites?: { to?: { status?: number | null; answer?: string | null } } };
    try {
      answer = JSON.parse(text);
    } catch {
      answer = {};
    }
    const ok = isSuccess(answer);
    const webhook = answer.contextWrites?.to;
    const line = ok
      ? `Your webhook answered HTTP ${webhook?.status ?? 'nothing'}: ${webhook?.answer ?? ''}`
      : String(answer.contextWrites?.to ?? 'not an envelope');
    replyStatus.className = `status ${ok ? 'ok' : 'err'}`;
    replyStatus.replaceChildren(h('strong', { id: 'reply-http-status' }, `HTTP ${res.status}`), ` ${line}`);
    let shown = text;
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // Not JSON: shown as it came.
    }
    add(ok, res.status, `reply from ${message.from} to ${message.to}: “${message.body}”`, line, shown);
  } catch (error) {
    replyStatus.className = 'status err';
    replyStatus.textContent = `The Worker could not be reached: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    replyButton.disabled = false;
  }
}

/** Shows the inbox in sandbox mode, its reply form prefilled with the first block's numbers, the other way round. */
export function startInbox(sandbox: boolean, first: BlockSpec | undefined, headers: () => Record<string, string>) {
  inbox.hidden = !sandbox;
  if (!sandbox) return;
  const example = first?.example ?? {};
  if (typeof example.to === 'string') replyFrom.value = example.to;
  if (typeof example.from === 'string') replyTo.value = example.from;
  replyForm.addEventListener('submit', (event) => void reply(event, headers));
  replyButton.disabled = false;
}
