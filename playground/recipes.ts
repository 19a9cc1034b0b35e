/**
 * The webhook recipes panel: the recipes this Worker has (GET /hooks: each one's name, block and signature scheme)
 * and a dry run of one with a sample payload (POST /hooks/{name}?dryRun=1, with the page's API key), which shows
 * the rendered block input and the template paths that rendered empty. A dry run sends nothing.
 */
import { byId, h } from './dom';

/** A recipe as GET /hooks lists it. */
interface RecipeSummary {
  readonly name: string;
  readonly block: string;
  readonly verify: string | null;
}

/** What ?dryRun=1 answers (the parts shown here). */
interface DryRun {
  readonly dryRun: true;
  readonly matched: boolean;
  readonly input: Record<string, unknown>;
  readonly missing: readonly string[];
  readonly wouldSend: unknown;
  readonly error: { contextWrites: { to: string } } | null;
}

const hint = byId('recipes-hint');
const select = byId<HTMLSelectElement>('recipe');
const payload = byId<HTMLTextAreaElement>('recipe-payload');
const form = byId<HTMLFormElement>('dry-run-form');
const button = byId<HTMLButtonElement>('dry-run');
const status = byId('dry-run-status');
const missing = byId('dry-run-missing');
const rendered = byId('dry-run-input');
const renderedTitle = byId('dry-run-input-title');

/** The API key field as headers: the recipes are listed and dry-run for a caller key. */
let keyHeaders: () => Record<string, string> = () => ({});

/** The error string of an envelope, or the text itself. */
function refusal(text: string): string {
  try {
    const to = (JSON.parse(text) as { contextWrites?: { to?: unknown } }).contextWrites?.to;
    return typeof to === 'string' ? to : text;
  } catch {
    return text;
  }
}

/** Lists the recipes (again: after the API key changed). */
async function load() {
  const res = await fetch('/hooks', { headers: { Accept: 'application/json', ...keyHeaders() } });
  const text = await res.text();
  const recipes = res.ok ? (JSON.parse(text) as { recipes: RecipeSummary[] }).recipes : [];
  select.replaceChildren(
    ...recipes.map((recipe) =>
      h(
        'option',
        { value: recipe.name },
        `${recipe.name}: ${recipe.block}, ${recipe.verify ? `signed (${recipe.verify})` : 'caller key'}`,
      ),
    ),
  );
  button.disabled = recipes.length === 0;
  hint.textContent = res.ok
    ? recipes.length
      ? `${recipes.length} recipe${recipes.length > 1 ? 's' : ''}. A dry run renders one with your sample payload and sends nothing.`
      : 'No recipes: set RECIPES (or the recipes key of RECIPES_KV). See the README, "Webhook recipes".'
    : res.status === 401
      ? 'Enter the API key above to list the recipes.'
      : `GET /hooks answered HTTP ${res.status}: ${refusal(text)}`;
}

async function dryRun(event: SubmitEvent) {
  event.preventDefault();
  const body = payload.value.trim() || '{}';
  try {
    JSON.parse(body);
  } catch {
    status.className = 'status err';
    status.textContent = 'The sample payload is not JSON.';
    return;
  }
  button.disabled = true;
  status.className = 'status';
  status.textContent = `Dry run of ${select.value}…`;
  try {
    const res = await fetch(`/hooks/${encodeURIComponent(select.value)}?dryRun=1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...keyHeaders() },
      body,
    });
    const text = await res.text();
    if (!res.ok) {
      status.className = 'status err';
      status.replaceChildren(h('strong', {}, `HTTP ${res.status}`), ` ${refusal(text)}`);
      missing.textContent = '';
      rendered.textContent = '';
      renderedTitle.hidden = true;
      return;
    }
    const answer = JSON.parse(text) as DryRun;
    const ok = answer.wouldSend !== null;
    status.className = `status ${ok ? 'ok' : 'err'}`;
    status.replaceChildren(
      h('strong', { id: 'dry-run-verdict' }, ok ? 'Would send' : 'Would not send'),
      answer.matched ? '' : ': `when` does not hold for this payload',
      answer.error ? `: ${answer.error.contextWrites.to}` : '',
    );
    missing.textContent = `Missing paths: ${answer.missing.length ? answer.missing.join(', ') : 'none'}`;
    rendered.textContent = JSON.stringify(answer.input, null, 2);
    renderedTitle.hidden = false;
  } catch (error) {
    status.className = 'status err';
    status.textContent = `The Worker could not be reached: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    button.disabled = select.options.length === 0;
  }
}

/** Starts the panel; `headers` gives the page's API key as request headers. */
export function startRecipes(headers: () => Record<string, string>) {
  keyHeaders = headers;
  form.addEventListener('submit', (event) => void dryRun(event));
  return load().catch((error: unknown) => {
    hint.textContent = `The recipes could not be listed: ${error instanceof Error ? error.message : String(error)}`;
  });
}

/** Lists the recipes again (the API key changed). */
export const reloadRecipes = () => void load().catch(() => {});
