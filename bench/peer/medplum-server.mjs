// The benchmark peer: Medplum's FhirRouter over its MemoryRepository, behind node:http.
// Usage: node medplum-server.mjs PORT   (prints "listening on http://127.0.0.1:PORT")
import http from 'node:http';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const port = Number(process.argv[2] || 0);
const router = new FhirRouter();
const repo = new MemoryRepository();

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const url = new URL(req.url, 'http://127.0.0.1');
  const pathname = url.pathname.replace(/^\/fhir/, '') || '/';
  const query = Object.fromEntries(url.searchParams.entries());
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
  try {
    const [outcome, resource] = await router.handleRequest(
      { method: req.method, url: pathname, pathname, params: {}, query, body, headers: req.headers },
      repo);
    const status = Number(outcome?.issue?.[0]?.details?.text === 'Created' ? 201 : (outcome?.id === 'created' ? 201 : 200));
    res.writeHead(resource ? status : 400, { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify(resource ?? outcome));
  } catch (e) {
    res.writeHead(500, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: String(e) }));
  }
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
