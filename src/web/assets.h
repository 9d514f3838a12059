// File: web/assets.h
//
// The web UI's static files (DESIGN.md decision 9): the NHS.UK frontend CSS and JavaScript from
// the npm package `nhsuk-frontend`, the icons its CSS references, and Throughcare's own page
// script. They are embedded in the binary at build time (tools/web-assets/embed-assets.mjs, run
// by src/web/CMakeLists.txt), so serving one is a lookup and a copy: no file system, no config.
//
// Every asset has a logical path and a fingerprinted URL, both under /assets/:
//   /assets/nhsuk.min.css                    logical: stable, for people and tools
//   /assets/nhsuk.min.d74dd7e9c8e0a988.css   fingerprinted: 16 hex digits of the SHA-256 of the
//                                            served bytes; what pages link to (AssetUrl)
// Caching (the choice documented here): a fingerprinted URL never changes content, so it is
// served with `Cache-Control: public, max-age=31536000, immutable`: a browser on an old prison
// PC fetches the 280 KB stylesheet once per release, then never asks again. A logical path is
// served with `Cache-Control: no-cache` and the asset's strong ETag, so it stays correct across
// upgrades (the browser revalidates and usually gets a 304). References between assets (the
// CSS's icons, the page script's import) are rewritten to fingerprinted URLs at build time.
//
// Compressible assets also carry a gzip variant (made at build time), served to clients that
// accept gzip, with `Vary: Accept-Encoding` and an ETag of its own.
//
//   if (web::IsAssetPath(request.path)) return web::AssetResponse(request);
//   std::string href(web::AssetUrl("/assets/nhsuk.min.css"));  // → fingerprinted URL
//
// Thread-safety: everything here reads constant data; call from any thread.
#pragma once

#include <span>
#include <string_view>

#include "http/message.h"

namespace tc::web {

// One embedded file. All views point into static storage (valid for the program's lifetime).
struct Asset {
  std::string_view path;          // logical path, e.g. "/assets/nhsuk.min.css"
  std::string_view url;           // fingerprinted, e.g. "/assets/nhsuk.min.d74dd7e9c8e0a988.css"
  std::string_view content_type;  // e.g. "text/css; charset=utf-8"
  std::string_view body;          // the bytes served (identity encoding)
  std::string_view etag;          // strong ETag of `body`, quoted: "\"d74dd7e9c8e0a988\""
  std::string_view gzip_body;     // gzip-encoded `body`; empty when not worth compressing
};

// True when `path` is under /assets/ (whether or not such an asset exists).
bool IsAssetPath(std::string_view path);

// The asset whose logical path or fingerprinted URL is `path` (a decoded request path, without
// query), or nullptr.
const Asset* FindAsset(std::string_view path);

// The fingerprinted URL of the asset with logical path `path` (e.g. "/assets/nhsuk.min.css").
// REQUIRES: such an asset exists (a programming error otherwise: returns `path` unchanged, so a
// page still links somewhere that answers, with revalidation instead of immutability).
std::string_view AssetUrl(std::string_view path);

// Every embedded asset, sorted by logical path.
std::span<const Asset> AllAssets();

// Answers a request for an asset:
//   GET/HEAD, known path    200 with the body (gzip when accepted), Content-Type, ETag, Vary and
//                           the Cache-Control described above; 304 (no body) when If-None-Match
//                           matches the ETag of the representation that would be sent.
//   GET/HEAD, unknown path  404, text/plain, `Cache-Control: no-cache`.
//   any other method        405 with `Allow: GET, HEAD`.
http::Response AssetResponse(const http::Request& request);

}  // namespace tc::web
