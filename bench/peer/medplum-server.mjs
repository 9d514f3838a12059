// The benchmark peer: Medplum's FhirRouter over its MemoryRepository, behind node:http.
// Usage: node medplum-server.mjs PORT   (prints "listening on http://127.0.0.1:PORT")
import http from 'node:http';
import { getStatus } from '@medplum/core';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const port = Number(process.argv[2] || 0);
const router = new FhirRouter();
const repo = new MemoryRepository();

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const url = req.url.replace(/^\/fhir/, '') || '/';
  let body;
  try {
    body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const [outcome, resource] = await router.handleRequest(
      { method: req.method, url, query: {}, params: {}, body, headers: req.headers }, repo);
    res.writeHead(getStatus(outcome), { 'Content-Type': 'application/fhir+json' });
    res.end(JSON.stringify(resource ?? outcome));
  } catch (e) {
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: String(e) }));
  }
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
