/**
 * The playground (GET /): pick a block, fill the form generated from the Worker's own /openapi.json, run the
 * call against this Worker, see the status, the envelope and the time taken, and export the same call as code;
 * list the webhook recipes and dry-run one with a sample payload (recipes.ts). No request leaves this origin.
 */
import { type BlockSpec, blocksOf, type OpenApi } from './document';
import { byId, h } from './dom';
import { type BlockForm, blockForm } from './form';
import { recordCall, startInbox } from './inbox';
import { reloadRecipes, startRecipes } from './recipes';
import { type Call, clients, headersOf, snippet } from './snippets';

const blockSelect = byId<HTMLSelectElement>('block');
const blockInfo = byId('block-info');
const fields = byId('fields');
const apiKey = byId<HTMLInputElement>('api-key');
const form = byId<HTMLFormElement>('call');
const sendButton = byId<HTMLButtonElement>('send');
const statusLine = byId('status');
const envelope = byId('envelope');
const language = byId<HTMLSelectElement>('language');
const code = byId('snippet');
const copyButton = byId<HTMLButtonElement>('copy');
const copied = byId('copied');
const docDetails = byId<HTMLDetailsElement>('document');
const docText = byId('document-text');

/** The block the page opens on: the README's first example. */
const FIRST_BLOCK = 'sendSms';

let blocks: BlockSpec[] = [];
let current: { block: BlockSpec; form: BlockForm } | undefined;

/** The call as the form stands. */
function currentCall(): Call | undefined {
  if (!current) return undefined;
  return {
    url: new URL(current.block.path, location.origin).href,
    apiKey: apiKey.value.trim(),
    body: current.form.body(),
  };
}

function showSnippet() {
  const call = currentCall();
  code.textContent = call ? snippet(language.selectedIndex, call) : '';
  copied.textContent = '';
}

function showBlock(name: string) {
  const block = blocks.find((b) => b.name === name) ?? blocks[0];
  if (!block) return;
  current = { block, form: blockForm(block) };
  blockInfo.textContent = `POST ${block.path}: ${block.description}`;
  fields.replaceChildren(current.form.element);
  showSnippet();
}

async function send(event: SubmitEvent) {
  event.preventDefault();
  const call = currentCall();
  if (!current || !call) return;
  const { block } = current;
  sendButton.disabled = true;
  statusLine.className = 'status';
  statusLine.textContent = `Sending to ${block.path}…`;
  const started = performance.now();
  try {
    const res = await fetch(call.url, { method: 'POST', headers: headersOf(call), body: JSON.stringify(call.body) });
    const text = await res.text();
    const ms = Math.round(performance.now() - started);
    let answer: unknown;
    let shown = text;
    try {
      answer = JSON.parse(text);
      shown = JSON.stringify(answer, null, 2);
    } catch {
      answer = undefined;
    }
    const outcome = (answer as { callback?: string } | undefined)?.callback ?? 'not JSON';
    statusLine.className = `status ${outcome === 'success' ? 'ok' : 'err'}`;
    statusLine.replaceChildren(
      h('strong', { id: 'http-status' }, `HTTP ${res.status}`),
      ` ${outcome} in `,
      h('span', { id: 'elapsed' }, `${ms} ms`),
      res.headers.get('x-request-id') ? ` · request id ${res.headers.get('x-request-id')}` : '',
    );
    envelope.textContent = shown;
    recordCall(block, call.body, res.status, answer, shown);
    showAnswer();
  } catch (error) {
    statusLine.className = 'status err';
    statusLine.textContent = `The Worker could not be reached: ${error instanceof Error ? error.message : String(error)}`;
    envelope.textContent = '';
  } finally {
    sendButton.disabled = false;
  }
}

/** On a phone the answer is below the form: bring it to the top of the screen, unless it is in view already. */
function showAnswer() {
  const box = statusLine.getBoundingClientRect();
  if (box.top < 0 || box.bottom > window.innerHeight) statusLine.scrollIntoView({ block: 'start' });
}

async function copy() {
  const text = code.textContent ?? '';
  try {
    await navigator.clipboard.writeText(text);
    copied.textContent = 'Copied.';
  } catch {
    // No clipboard permission: select the snippet so that Ctrl+C copies it.
    const range = document.createRange();
    range.selectNodeContents(code);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
    copied.textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
  }
}

async function start() {
  const res = await fetch('/openapi.json', { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET /openapi.json answered HTTP ${res.status}`);
  const text = await res.text();
  const doc = JSON.parse(text) as OpenApi;
  blocks = blocksOf(doc);
  const sandbox = doc.servers[0]?.['x-twilio-mode'] === 'sandbox';
  byId('mode').textContent = sandbox
    ? 'Sandbox mode: the Twilio emulator answers; nothing is sent or billed. The defaults succeed as they are.'
    : 'Live mode: calls go to Twilio and may be billed.';
  blockSelect.replaceChildren(...blocks.map((b) => h('option', { value: b.name }, `${b.name}: ${b.title}`)));
  language.replaceChildren(...clients.map(([label], i) => h('option', { value: String(i) }, label)));
  blockSelect.addEventListener('change', () => showBlock(blockSelect.value));
  form.addEventListener('input', showSnippet);
  form.addEventListener('change', showSnippet);
  form.addEventListener('submit', (event) => void send(event));
  language.addEventListener('change', showSnippet);
  copyButton.addEventListener('click', () => void copy());
  docDetails.addEventListener('toggle', () => {
    if (docDetails.open && !docText.textContent) docText.textContent = JSON.stringify(doc, null, 2);
  });
  if (blocks.some((b) => b.name === FIRST_BLOCK)) blockSelect.value = FIRST_BLOCK;
  showBlock(blockSelect.value);
  sendButton.disabled = false;
  // The inbox's replies, the webhook recipes and their dry run go with the same API key.
  const keyHeaders = (): Record<string, string> => {
    const key = apiKey.value.trim();
    return key ? { Authorization: `Bearer ${key}` } : {};
  };
  startInbox(
    sandbox,
    blocks.find((b) => b.name === FIRST_BLOCK),
    keyHeaders,
  );
  apiKey.addEventListener('change', reloadRecipes);
  await startRecipes(keyHeaders);
  document.body.dataset.ready = 'true';
}

start().catch((error: unknown) => {
  byId('mode').textContent =
    `The playground could not start: ${error instanceof Error ? error.message : String(error)}`;
});
