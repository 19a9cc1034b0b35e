import type { Plugin } from '@scalar/snippetz';
// One import per client, so only these generators are bundled.
import { csharpHttpclient } from '@scalar/snippetz/plugins/csharp/httpclient';
import { goNative } from '@scalar/snippetz/plugins/go/native';
import { javaNethttp } from '@scalar/snippetz/plugins/java/nethttp';
import { jsFetch } from '@scalar/snippetz/plugins/js/fetch';
import { kotlinOkhttp } from '@scalar/snippetz/plugins/kotlin/okhttp';
import { nodeFetch } from '@scalar/snippetz/plugins/node/fetch';
import { phpCurl } from '@scalar/snippetz/plugins/php/curl';
import { powershellRestmethod } from '@scalar/snippetz/plugins/powershell/restmethod';
import { pythonRequests } from '@scalar/snippetz/plugins/python/requests';
import { rubyNative } from '@scalar/snippetz/plugins/ruby/native';
import { rustReqwest } from '@scalar/snippetz/plugins/rust/reqwest';
import { shellCurl } from '@scalar/snippetz/plugins/shell/curl';
import { swiftNsurlsession } from '@scalar/snippetz/plugins/swift/nsurlsession';
import type { Body } from './document';

/** The languages offered, curl first: a label and the generator. */
export const clients: readonly (readonly [label: string, plugin: Plugin])[] = [
  ['Shell: curl', shellCurl],
  ['JavaScript: fetch', jsFetch],
  ['Node.js: fetch', nodeFetch],
  ['Python: requests', pythonRequests],
  ['Go: net/http', goNative],
  ['PHP: cURL', phpCurl],
  ['Ruby: net/http', rubyNative],
  ['Java: java.net.http', javaNethttp],
  ['Kotlin: OkHttp', kotlinOkhttp],
  ['C#: HttpClient', csharpHttpclient],
  ['Swift: URLSession', swiftNsurlsession],
  ['Rust: reqwest', rustReqwest],
  ['PowerShell: Invoke-RestMethod', powershellRestmethod],
];

/** The call the page makes, as headers and a URL. */
export interface Call {
  readonly url: string;
  readonly apiKey: string;
  readonly body: Body;
}

/** The request headers of a call: JSON, and the caller key as a bearer token when one is given. */
export function headersOf(call: Call): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    ...(call.apiKey ? { Authorization: `Bearer ${call.apiKey}` } : {}),
  };
}

/** The same call as code, with the client at `index` of `clients`. */
export function snippet(index: number, call: Call): string {
  const request = {
    method: 'POST',
    url: call.url,
    headers: Object.entries(headersOf(call)).map(([name, value]) => ({ name, value })),
    postData: { mimeType: 'application/json', text: JSON.stringify(call.body) },
  };
  return (clients[index] ?? clients[0])?.[1].generate(request) ?? '';
}
