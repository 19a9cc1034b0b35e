/**
 * At most `cap` bytes of a body, read as they stream in, as text: the rest is cancelled, never read (`cut` says
 * there was more). Shared by the Twilio client (which refuses an answer that is cut) and the emulator (which keeps
 * the start of the Worker's answer).
 */
export async function readUpTo(
  body: ReadableStream<Uint8Array> | null,
  cap: number,
): Promise<{ text: string; cut: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  const reader = body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > cap) {
      chunks.push(value.subarray(0, cap - size));
      size = cap;
      cut = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const bytes = chunks.length === 1 ? (chunks[0] as Uint8Array) : new Uint8Array(size);
  if (chunks.length !== 1) {
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
  }
  return { text: new TextDecoder().decode(bytes), cut };
}
