// tls/crypto_offload.h — offload-capable crypto for the TLS workers: the engine or provider named in the
// configuration, loaded once at start-up, and the worker-side view of SSL_ERROR_WANT_ASYNC.
//
// Owns:
//  - CryptoOffload: loads an OpenSSL engine (by id, or from a shared object through the "dynamic" engine's
//    SO_PATH) or provider (OSSL_PROVIDER_load by name, optionally from a module directory), makes it the
//    default for RSA and EC private-key operations, and describes it for the start-up log. Failures say
//    precisely what was missing ("engine 'x': not found at /path").
//  - offload_private_key(): turns a key as loaded from PEM into one whose private operations go through the
//    offload. OpenSSL 3 decodes keys into its default provider, which never consults an engine; only a
//    legacy key made with the engine's RSA/EC method is routed to it.
//  - AsyncFds / collect_*_async_fds(): the fds of an SSL whose job paused, for the caller's epoll set. A
//    worker that gets SSL_ERROR_WANT_ASYNC parks the session, waits for any of those fds to be readable, and
//    then repeats the same call (SSL_do_handshake, SSL_read or SSL_write) with the same arguments.
//
// The loaded engine/provider is process-wide state (OpenSSL's default method tables or a library context's
// default properties): load once on the main thread before workers start; destroy after they stopped and
// every SSL using it was freed. The fd helpers are per-SSL and allocate nothing.
// May call: OpenSSL libcrypto and libssl, the C++ standard library.
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sluice::tls {

enum class OffloadKind { none, engine, provider };

// `crypto-offload` in the configuration; the control-plane binding comes with the TLS pool.
struct CryptoOffloadSettings {
  OffloadKind kind = OffloadKind::none;
  std::string name;  // engine id ("qatengine", "sluice-pause") or provider name ("qatprovider")
  // engine: a shared object loaded through the "dynamic" engine (empty: built in, or <engines dir>/<name>.so)
  // provider: the directory holding <name>.so (empty: OPENSSL_MODULES or the compiled-in modules dir)
  std::string path;
  // engine only: control commands sent before ENGINE_init, in order, as ENGINE_ctrl_cmd_string would take
  // them ({"WORKER_THREADS", "2"}; an empty value for commands without input). QAT's engine is configured so.
  std::vector<std::pair<std::string, std::string>> engine_pre_init;
  // provider only: the library context to load into (nullptr: OpenSSL's default context)
  OSSL_LIB_CTX* libctx = nullptr;
};

class CryptoOffload {
 public:
  // Loads what settings name. Returns nullptr and sets *error when it cannot; kind none always succeeds.
  static std::unique_ptr<CryptoOffload> load(const CryptoOffloadSettings& settings, std::string* error);
  ~CryptoOffload();  // unregisters and unloads
  CryptoOffload(const CryptoOffload&) = delete;
  CryptoOffload& operator=(const CryptoOffload&) = delete;

  OffloadKind kind() const { return kind_; }
  // One line for the start-up log, e.g. "engine sluice-pause (…) from /x.so: default for RSA, EC".
  const std::string& description() const { return description_; }
  ENGINE* engine() const { return engine_; }  // nullptr unless kind() is engine

  // A new reference to a key whose private operations use the offload: for an engine, a legacy RSA/EC key
  // built with the engine's method from key's components; for a provider, key re-imported preferring it;
  // with no offload, key itself. nullptr (and *error) for a key type the offload does not handle.
  EVP_PKEY* offload_private_key(EVP_PKEY* key, std::string* error) const;

 private:
  CryptoOffload() = default;

  OffloadKind kind_ = OffloadKind::none;
  std::string description_;
  std::string name_;
  ENGINE* engine_ = nullptr;                  // functional reference
  OSSL_LIB_CTX* libctx_ = nullptr;            // not owned
  OSSL_PROVIDER* provider_ = nullptr;
  OSSL_PROVIDER* default_provider_ = nullptr;  // loading any provider stops the default one loading itself
  bool properties_set_ = false;                // "?provider=<name>" is ours to clear
};

// An SSL's wait ctx holds one fd per engine/provider that paused it; real offloads use one.
constexpr size_t kMaxAsyncFdsPerSession = 4;

struct AsyncFds {
  std::array<int, kMaxAsyncFdsPerSession> fds{};
  size_t count = 0;
};

struct AsyncFdChanges {
  AsyncFds added;    // to add to the caller's epoll set
  AsyncFds removed;  // to take out of it (an offload that closed an fd)
};

// Every async fd of ssl (after SSL_ERROR_WANT_ASYNC, or before freeing it, to deregister them all); none
// for an SSL that never ran an async job. false when there are more than kMaxAsyncFdsPerSession.
bool collect_async_fds(SSL* ssl, AsyncFds* out);

// The fds added and removed since ssl's job last resumed: what an epoll set already holding the earlier
// ones must change. Same failure rule as collect_async_fds.
bool collect_changed_async_fds(SSL* ssl, AsyncFdChanges* out);

}  // namespace sluice::tls
