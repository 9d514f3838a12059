// File: web/assets_data.h
//
// Internal to web/assets.cc: the table of embedded assets. Its definition is generated at build
// time by tools/web-assets/embed-assets.mjs (<build>/src/web/web_assets_data.cc); use the
// functions in web/assets.h instead.
#pragma once

#include <span>
#include <string_view>

#include "web/assets.h"

namespace tc::web::internal {

// The embedded assets, sorted by logical path; constant-initialised static storage.
std::span<const Asset> EmbeddedAssets();

}  // namespace tc::web::internal
