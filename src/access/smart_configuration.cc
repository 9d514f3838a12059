#include "access/smart_configuration.h"

#include <initializer_list>

#include "fhir/json.h"
#include "fhir/value.h"

namespace tc::access {
namespace {

fhir::Value Strings(std::initializer_list<const char*> items) {
  fhir::Value out = fhir::Value::MakeArray();
  for (const char* item : items) out.Append(fhir::Value::String(item));
  return out;
}

}  // namespace

std::string SmartConfigurationJson(std::string_view token_endpoint) {
  fhir::Value doc = fhir::Value::Object();
  doc.Set("token_endpoint", fhir::Value::String(std::string(token_endpoint)));
  doc.Set("grant_types_supported", Strings({"client_credentials"}));
  doc.Set("token_endpoint_auth_methods_supported", Strings({"private_key_jwt"}));
  doc.Set("token_endpoint_auth_signing_alg_values_supported", Strings({"RS384", "ES384"}));
  doc.Set("scopes_supported",
          Strings({"system/*.cruds", "system/*.rs", "system/*.cud", "system/*.c", "system/*.r",
                   "system/*.u", "system/*.d", "system/*.s"}));
  doc.Set("capabilities", Strings({"client-confidential-asymmetric", "permission-v2"}));
  return fhir::WriteJson(doc);
}

}  // namespace tc::access
