// File: http/internal/tls_context.h
//
// Builds the server-side TLS context from a PEM certificate chain and private key: TLS 1.2
// minimum (TLS 1.3 is negotiated whenever the client offers it), ECDHE key exchange with AEAD
// ciphers only for TLS 1.2, no TLS compression, no renegotiation. The files are read once, here;
// the context is then immutable and may be shared by every I/O thread.
// Internal to http/ (it exposes Boost.Asio SSL types): only server.cc uses it.
//
//   TC_ASSIGN_OR_RETURN(auto context, MakeServerTlsContext("cert.pem", "key.pem"));
//   boost::asio::ssl::stream<Socket&> stream(socket, *context);
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace tc::http::http_internal {

// Returns InvalidArgument, with a one-line message naming the file, when a file is missing or
// unreadable, is not PEM, holds no certificate or no key, when the key is encrypted (the server
// never prompts for a passphrase), or when the key does not match the certificate.
absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& certificate_file, const std::string& private_key_file);

}  // namespace tc::http::http_internal
