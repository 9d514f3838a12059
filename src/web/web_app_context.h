// File: web/web_app_context.h (web-internal)
//
// What WebApp knows about one request once its session cookie is read: the session, its user and
// the session's CSRF token. Shared by the WebApp translation units only.
#pragma once

#include <optional>
#include <string>

#include "access/account_store.h"
#include "access/session_store.h"
#include "web/web_app.h"

namespace tc::web {

struct WebApp::Context {
  std::string session_id;
  std::optional<access::WebSession> session;
  std::optional<access::UserAccount> user;
  std::string csrf;
  std::string address;

  bool active() const { return session && user && session->stage == access::SessionStage::kActive; }
};

}  // namespace tc::web
