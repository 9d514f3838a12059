#include "web/assets.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tc::web {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

http::Request Get(std::string path) {
  http::Request r;
  r.method = "GET";
  r.path = std::move(path);
  return r;
}

TEST(WebAssetsTest, EmbedsTheNhsukFrontendAndOurScript) {
  for (const char* path : {"/assets/nhsuk.min.css", "/assets/nhsuk.min.js",
                           "/assets/throughcare.js", "/assets/images/nhsuk-icon-cross.svg"}) {
    const Asset* asset = FindAsset(path);
    ASSERT_NE(asset, nullptr) << path;
    EXPECT_EQ(asset->path, path);
    EXPECT_FALSE(asset->body.empty()) << path;
    EXPECT_THAT(std::string(asset->etag), MatchesRegex("\"[0-9a-f]{16}\""));
    EXPECT_EQ(FindAsset(asset->url), asset) << asset->url;
    EXPECT_EQ(AssetUrl(path), asset->url);
  }
  EXPECT_EQ(FindAsset("/assets/nhsuk.min.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(FindAsset("/assets/nhsuk.min.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(FindAsset("/assets/images/nhsuk-icon-cross.svg")->content_type, "image/svg+xml");
  EXPECT_THAT(std::string(AssetUrl("/assets/nhsuk.min.css")),
              MatchesRegex("/assets/nhsuk\\.min\\.[0-9a-f]{16}\\.css"));
}

TEST(WebAssetsTest, BuildTimeRewrites) {
  std::string css(FindAsset("/assets/nhsuk.min.css")->body);
  EXPECT_THAT(css, HasSubstr(".nhsuk-header"));
  // The icons are referenced by their fingerprinted URLs; no off-site fonts.
  EXPECT_THAT(css,
              HasSubstr("url(" + std::string(AssetUrl("/assets/images/nhsuk-icon-cross.svg"))));
  EXPECT_THAT(css, Not(HasSubstr("url(/assets/images/nhsuk-icon-cross.svg)")));
  EXPECT_THAT(css, Not(HasSubstr("assets.nhs.uk")));
  EXPECT_THAT(css, Not(HasSubstr("sourceMappingURL")));
  std::string js(FindAsset("/assets/throughcare.js")->body);
  EXPECT_THAT(js, HasSubstr("from '" + std::string(AssetUrl("/assets/nhsuk.min.js")) + "'"));
  EXPECT_THAT(std::string(FindAsset("/assets/nhsuk.min.js")->body), HasSubstr("initAll"));
}

TEST(WebAssetsTest, UnknownPaths) {
  EXPECT_EQ(FindAsset("/assets/nope.css"), nullptr);
  EXPECT_EQ(FindAsset("/assets/"), nullptr);
  EXPECT_EQ(FindAsset("/nhsuk.min.css"), nullptr);
  EXPECT_EQ(FindAsset("/assets/nhsuk.min.0000000000000000.css"), nullptr);
  EXPECT_EQ(AssetUrl("/assets/nope.css"), "/assets/nope.css");
  EXPECT_TRUE(IsAssetPath("/assets/anything"));
  EXPECT_FALSE(IsAssetPath("/asset"));
  EXPECT_FALSE(IsAssetPath("/fhir/assets/x"));
  http::Response r = AssetResponse(Get("/assets/nope.css"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("Cache-Control"), "no-cache");
}

TEST(WebAssetsTest, FingerprintedUrlIsImmutable) {
  const Asset* css = FindAsset("/assets/nhsuk.min.css");
  http::Response r = AssetResponse(Get(std::string(css->url)));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(r.Header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(r.Header("ETag"), css->etag);
  EXPECT_EQ(r.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(r.Header("Content-Encoding"), "");
  EXPECT_EQ(r.body, css->body);
}

TEST(WebAssetsTest, LogicalPathRevalidates) {
  const Asset* css = FindAsset("/assets/nhsuk.min.css");
  http::Response r = AssetResponse(Get("/assets/nhsuk.min.css"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Cache-Control"), "no-cache");
  EXPECT_EQ(r.body, css->body);

  http::Request again = Get("/assets/nhsuk.min.css");
  again.headers.emplace_back("If-None-Match", std::string(css->etag));
  http::Response not_modified = AssetResponse(again);
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(not_modified.body, "");
  EXPECT_EQ(not_modified.Header("ETag"), css->etag);
  EXPECT_EQ(not_modified.Header("Cache-Control"), "no-cache");

  for (std::string inm :
       {"\"other\", " + std::string(css->etag), "W/" + std::string(css->etag), std::string("*")}) {
    http::Request q = Get("/assets/nhsuk.min.css");
    q.headers.emplace_back("if-none-match", inm);
    EXPECT_EQ(AssetResponse(q).status, 304) << inm;
  }
  http::Request stale = Get("/assets/nhsuk.min.css");
  stale.headers.emplace_back("If-None-Match", "\"0123456789abcdef\"");
  EXPECT_EQ(AssetResponse(stale).status, 200);
}

TEST(WebAssetsTest, GzipWhenAccepted) {
  const Asset* css = FindAsset("/assets/nhsuk.min.css");
  ASSERT_FALSE(css->gzip_body.empty());
  EXPECT_LT(css->gzip_body.size(), css->body.size() / 4);
  EXPECT_EQ(css->gzip_body.substr(0, 2), "\x1f\x8b");

  http::Request q = Get(std::string(css->url));
  q.headers.emplace_back("Accept-Encoding", "gzip, deflate, br");
  http::Response r = AssetResponse(q);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(r.body, css->gzip_body);
  std::string gz_etag(r.Header("ETag"));
  EXPECT_NE(gz_etag, css->etag);

  // The gzip ETag revalidates the gzip variant only.
  q.headers.emplace_back("If-None-Match", gz_etag);
  EXPECT_EQ(AssetResponse(q).status, 304);
  http::Request identity = Get(std::string(css->url));
  identity.headers.emplace_back("If-None-Match", gz_etag);
  EXPECT_EQ(AssetResponse(identity).status, 200);

  for (const char* refuse : {"gzip;q=0", "identity", "br", "*;q=0", "gzip;q=0.000, *"}) {
    http::Request n = Get(std::string(css->url));
    n.headers.emplace_back("Accept-Encoding", refuse);
    EXPECT_EQ(AssetResponse(n).Header("Content-Encoding"), "") << refuse;
  }
  for (const char* accept : {"GZIP", "x-gzip", "*", "deflate, gzip;q=0.5", "gzip ; q=1"}) {
    http::Request a = Get(std::string(css->url));
    a.headers.emplace_back("Accept-Encoding", accept);
    EXPECT_EQ(AssetResponse(a).Header("Content-Encoding"), "gzip") << accept;
  }
}

TEST(WebAssetsTest, HeadAndOtherMethods) {
  http::Request head = Get("/assets/nhsuk.min.js");
  head.method = "HEAD";
  EXPECT_EQ(AssetResponse(head).status, 200);  // the transport drops the body
  http::Request post = Get("/assets/nhsuk.min.js");
  post.method = "POST";
  http::Response r = AssetResponse(post);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
}

TEST(WebAssetsTest, AllAssetsSortedAndUnique) {
  auto all = AllAssets();
  ASSERT_GE(all.size(), 4u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].path, all[i].path);
}

}  // namespace
}  // namespace tc::web
