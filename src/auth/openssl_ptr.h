// File: auth/openssl_ptr.h
//
// Owning pointers for OpenSSL objects: std::unique_ptr with the object's own free function.
//   OpensslPtr<BIGNUM, BN_free> n(BN_bin2bn(...));
#pragma once

#include <memory>

namespace tc::auth {

template <auto Free>
struct OpensslFree {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

template <typename T, auto Free>
using OpensslPtr = std::unique_ptr<T, OpensslFree<Free>>;

}  // namespace tc::auth
