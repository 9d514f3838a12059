// File: access/smart_configuration.h
//
// The SMART App Launch v2 discovery document (`.well-known/smart-configuration`, "Conformance"
// section) for what this server supports today: SMART Backend Services only — the client
// credentials grant, clients authenticated with a signed JWT assertion (private_key_jwt, RS384
// or ES384, capability client-confidential-asymmetric) and SMART v2 scopes (permission-v2). No
// authorization endpoint, user-facing launch or PKCE is advertised because none is offered.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace tc::access {

// The document, as JSON, advertising `token_endpoint` (an absolute URL):
//   token_endpoint, grant_types_supported ["client_credentials"],
//   token_endpoint_auth_methods_supported ["private_key_jwt"],
//   token_endpoint_auth_signing_alg_values_supported ["RS384", "ES384"],
//   scopes_supported (system/ wildcard scopes; any system/<Type>.<letters> may be requested),
//   capabilities ["client-confidential-asymmetric", "permission-v2"].
std::string SmartConfigurationJson(std::string_view token_endpoint);

}  // namespace tc::access
