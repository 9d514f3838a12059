#include "web/assets.h"

#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "web/assets_data.h"

namespace tc::web {
namespace {

constexpr std::string_view kPrefix = "/assets/";
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls `fn(item)` for each trimmed, non-empty element of a comma-separated header value.
template <typename Fn>
void ForEachListItem(std::string_view value, Fn fn) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

// True for a qvalue of zero ("0", "0.", "0.000"); anything unparsable counts as non-zero.
bool IsZeroQ(std::string_view q) {
  if (q.empty() || q.front() != '0') return false;
  q.remove_prefix(1);
  if (q.empty()) return true;
  if (q.front() != '.') return false;
  q.remove_prefix(1);
  for (char c : q) {
    if (c != '0') return false;
  }
  return true;
}

// Whether the Accept-Encoding header allows gzip (RFC 9110 12.5.3): an explicit "gzip" (or
// "x-gzip") with non-zero q, or else "*" with non-zero q.
bool AcceptsGzip(std::string_view accept_encoding) {
  int gzip = -1;  // -1 not mentioned, 0 refused, 1 accepted
  int star = -1;
  ForEachListItem(accept_encoding, [&](std::string_view item) {
    size_t semi = item.find(';');
    std::string_view coding = Trim(item.substr(0, semi));
    bool zero = false;
    if (semi != std::string_view::npos) {
      std::string_view params = item.substr(semi + 1);
      while (!params.empty()) {
        size_t next = params.find(';');
        std::string_view param = Trim(params.substr(0, next));
        if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
          zero = IsZeroQ(Trim(param.substr(2)));
        }
        if (next == std::string_view::npos) break;
        params.remove_prefix(next + 1);
      }
    }
    if (absl::EqualsIgnoreCase(Absl(coding), "gzip") ||
        absl::EqualsIgnoreCase(Absl(coding), "x-gzip")) {
      gzip = zero ? 0 : 1;
    } else if (coding == "*") {
      star = zero ? 0 : 1;
    }
  });
  if (gzip >= 0) return gzip == 1;
  return star == 1;
}

// If-None-Match (RFC 9110 13.1.2): "*" or a list of entity tags compared weakly.
bool NoneMatchHits(std::string_view if_none_match, std::string_view etag) {
  bool hit = false;
  ForEachListItem(if_none_match, [&](std::string_view tag) {
    if (tag == "*") hit = true;
    if (tag.size() > 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
    if (tag == etag) hit = true;
  });
  return hit;
}

// The ETag of the gzip variant: the identity ETag with "-gz" inside the quotes.
std::string GzipEtag(std::string_view etag) {
  std::string out(etag.substr(0, etag.size() - 1));
  out += "-gz\"";
  return out;
}

}  // namespace

bool IsAssetPath(std::string_view path) { return path.starts_with(kPrefix); }

std::span<const Asset> AllAssets() { return internal::EmbeddedAssets(); }

const Asset* FindAsset(std::string_view path) {
  if (!IsAssetPath(path)) return nullptr;
  for (const Asset& asset : internal::EmbeddedAssets()) {
    if (asset.path == path || asset.url == path) return &asset;
  }
  return nullptr;
}

std::string_view AssetUrl(std::string_view path) {
  for (const Asset& asset : internal::EmbeddedAssets()) {
    if (asset.path == path) return asset.url;
  }
  return path;
}

http::Response AssetResponse(const http::Request& request) {
  http::Response r;
  if (request.method != "GET" && request.method != "HEAD") {
    r.status = 405;
    r.SetHeader("Allow", "GET, HEAD");
    r.SetHeader("Content-Type", "text/plain; charset=utf-8");
    r.body = "method not allowed\n";
    return r;
  }
  const Asset* asset = FindAsset(request.path);
  if (asset == nullptr) {
    r.status = 404;
    r.SetHeader("Content-Type", "text/plain; charset=utf-8");
    r.SetHeader("Cache-Control", std::string(kRevalidate));
    r.body = "not found\n";
    return r;
  }
  bool gzip = !asset->gzip_body.empty() && AcceptsGzip(request.Header("Accept-Encoding"));
  std::string etag = gzip ? GzipEtag(asset->etag) : std::string(asset->etag);
  r.SetHeader("Cache-Control", std::string(request.path == asset->url ? kImmutable : kRevalidate));
  r.SetHeader("ETag", etag);
  if (!asset->gzip_body.empty()) r.SetHeader("Vary", "Accept-Encoding");
  if (NoneMatchHits(request.Header("If-None-Match"), etag)) {
    r.status = 304;
    return r;
  }
  r.SetHeader("Content-Type", std::string(asset->content_type));
  if (gzip) {
    r.SetHeader("Content-Encoding", "gzip");
    r.body.assign(asset->gzip_body);
  } else {
    r.body.assign(asset->body);
  }
  return r;
}

}  // namespace tc::web
