// tls/crypto_offload.cc — see crypto_offload.h. Uses the ENGINE API, deprecated in OpenSSL 3 and still the
// way QAT's engine and the test engine plug in: built with OPENSSL_API_COMPAT=10101 (tls/meson.build).
#include "tls/crypto_offload.h"

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string_view>

namespace sluice::tls {
namespace {

// The most recent OpenSSL error as text (", reason"), clearing the queue; empty when there is none.
std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return {};
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string with_reason(std::string message) {
  std::string reason = openssl_reason();
  if (!reason.empty()) message += ": " + reason;
  return message;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool directory_exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Where OpenSSL looks for engines or providers: the environment override, else the compiled-in directory
// (OpenSSL_version gives it as `ENGINESDIR: "/usr/lib/..."`).
std::string search_dir(const char* env_name, int version_item) {
  if (const char* env = std::getenv(env_name); env != nullptr && *env != '\0') return env;
  std::string_view text = OpenSSL_version(version_item);
  size_t open = text.find('"');
  size_t close = text.rfind('"');
  if (open == std::string_view::npos || close <= open) return std::string(text);
  return std::string(text.substr(open + 1, close - open - 1));
}

std::string quoted(const std::string& kind, const std::string& name) { return kind + " '" + name + "'"; }

}  // namespace

std::unique_ptr<CryptoOffload> CryptoOffload::load(const CryptoOffloadSettings& settings, std::string* error) {
  std::unique_ptr<CryptoOffload> offload(new CryptoOffload);
  offload->kind_ = settings.kind;
  offload->name_ = settings.name;
  ERR_clear_error();

  if (settings.kind == OffloadKind::none) {
    offload->description_ = "crypto offload: none (software)";
    return offload;
  }

  if (settings.kind == OffloadKind::engine) {
    const std::string who = quoted("engine", settings.name);
    if (settings.name.empty()) {
      *error = "engine: no id given";
      return nullptr;
    }
    ENGINE* e = nullptr;
    if (settings.path.empty()) {
      // Built in, or <engines dir>/<id>.so through the dynamic engine (ENGINE_by_id tries both).
      e = ENGINE_by_id(settings.name.c_str());
      if (e == nullptr) {
        const std::string file = search_dir("OPENSSL_ENGINES", OPENSSL_ENGINES_DIR) + "/" + settings.name + ".so";
        *error = file_exists(file) ? with_reason(who + ": could not load " + file)
                                   : who + ": not built in and not found at " + file;
        ERR_clear_error();
        return nullptr;
      }
    } else {
      if (!file_exists(settings.path)) {
        *error = who + ": not found at " + settings.path;
        return nullptr;
      }
      e = ENGINE_by_id("dynamic");
      if (e == nullptr || ENGINE_ctrl_cmd_string(e, "SO_PATH", settings.path.c_str(), 0) != 1 ||
          ENGINE_ctrl_cmd_string(e, "ID", settings.name.c_str(), 0) != 1 ||
          ENGINE_ctrl_cmd_string(e, "LIST_ADD", "0", 0) != 1 || ENGINE_ctrl_cmd_string(e, "LOAD", nullptr, 0) != 1) {
        *error = with_reason(who + ": could not load " + settings.path);
        if (e != nullptr) ENGINE_free(e);
        return nullptr;
      }
    }
    for (const auto& [command, value] : settings.engine_pre_init) {
      if (ENGINE_ctrl_cmd_string(e, command.c_str(), value.empty() ? nullptr : value.c_str(), 0) != 1) {
        *error = with_reason(who + ": control command " + command + (value.empty() ? "" : " " + value) + " failed");
        ENGINE_free(e);
        return nullptr;
      }
    }
    if (ENGINE_init(e) != 1) {
      *error = with_reason(who + ": initialisation failed");
      ENGINE_free(e);
      return nullptr;
    }
    ENGINE_free(e);  // the functional reference from ENGINE_init keeps it
    offload->engine_ = e;  // from here the destructor finishes it

    unsigned int methods = 0;
    std::string method_names;
    if (ENGINE_get_RSA(e) != nullptr) {
      methods |= ENGINE_METHOD_RSA;
      method_names = "RSA";
    }
    if (ENGINE_get_EC(e) != nullptr) {
      methods |= ENGINE_METHOD_EC;
      method_names += method_names.empty() ? "EC" : ", EC";
    }
    if (methods == 0) {
      *error = who + ": implements neither RSA nor EC private-key operations";
      return nullptr;
    }
    if (ENGINE_set_default(e, methods) != 1) {
      *error = with_reason(who + ": could not be made the default for " + method_names);
      return nullptr;
    }
    offload->description_ = "crypto offload: engine " + settings.name + " (" + ENGINE_get_name(e) + ")" +
                            (settings.path.empty() ? "" : " from " + settings.path) + ": default for " +
                            method_names;
    return offload;
  }

  // Provider.
  const std::string who = quoted("provider", settings.name);
  if (settings.name.empty()) {
    *error = "provider: no name given";
    return nullptr;
  }
  offload->libctx_ = settings.libctx;
  if (!settings.path.empty()) {
    if (!directory_exists(settings.path)) {
      *error = who + ": module directory " + settings.path + " not found";
      return nullptr;
    }
    if (OSSL_PROVIDER_set_default_search_path(settings.libctx, settings.path.c_str()) != 1) {
      *error = with_reason(who + ": could not search " + settings.path);
      return nullptr;
    }
  }
  offload->provider_ = OSSL_PROVIDER_load(settings.libctx, settings.name.c_str());
  if (offload->provider_ == nullptr) {
    const std::string dir =
        settings.path.empty() ? search_dir("OPENSSL_MODULES", OPENSSL_MODULES_DIR) : settings.path;
    const std::string file = dir + "/" + settings.name + ".so";
    *error = file_exists(file) ? with_reason(who + ": could not load " + file) : who + ": not found at " + file;
    ERR_clear_error();
    return nullptr;
  }
  // Loading a provider explicitly stops OpenSSL loading "default" on its own; everything the offload does
  // not implement (hashes, ciphers, key exchange on most cards) must still be found there.
  if (settings.name != "default") {
    offload->default_provider_ = OSSL_PROVIDER_load(settings.libctx, "default");
    if (offload->default_provider_ == nullptr) {
      *error = with_reason(who + ": the default provider beside it could not be loaded");
      return nullptr;
    }
  }
  // A preference, not a requirement: fetches take the offload's implementation where it has one.
  const std::string properties = "?provider=" + settings.name;
  if (EVP_set_default_properties(settings.libctx, properties.c_str()) != 1) {
    *error = with_reason(who + ": could not set default properties " + properties);
    return nullptr;
  }
  offload->properties_set_ = true;
  offload->description_ = "crypto offload: provider " + settings.name +
                          (settings.path.empty() ? "" : " from " + settings.path) + ": preferred (" + properties +
                          ") for every algorithm it implements";
  return offload;
}

CryptoOffload::~CryptoOffload() {
  if (engine_ != nullptr) {
    ENGINE_unregister_RSA(engine_);
    ENGINE_unregister_EC(engine_);
    ENGINE_finish(engine_);
  }
  if (properties_set_) EVP_set_default_properties(libctx_, "");
  if (provider_ != nullptr) OSSL_PROVIDER_unload(provider_);
  if (default_provider_ != nullptr) OSSL_PROVIDER_unload(default_provider_);
}

EVP_PKEY* CryptoOffload::offload_private_key(EVP_PKEY* key, std::string* error) const {
  if (kind_ == OffloadKind::none) {
    EVP_PKEY_up_ref(key);
    return key;
  }
  if (kind_ == OffloadKind::provider) {
    OSSL_PARAM* params = nullptr;
    if (EVP_PKEY_todata(key, EVP_PKEY_KEYPAIR, &params) != 1) {
      *error = with_reason("provider '" + name_ + "': key has no exportable private part");
      return nullptr;
    }
    const std::string properties = "?provider=" + name_;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(libctx_, EVP_PKEY_get0_type_name(key), properties.c_str());
    EVP_PKEY* out = nullptr;
    if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &out, EVP_PKEY_KEYPAIR, params) != 1) {
      *error = with_reason("provider '" + name_ + "': could not import the " +
                           std::string(EVP_PKEY_get0_type_name(key)) + " key");
      out = nullptr;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return out;
  }

  // Engine: rebuild the key as a legacy object carrying the engine's method, which OpenSSL 3 then treats as
  // "foreign" and signs through the legacy path that calls the engine.
  const std::string who = "engine '" + name_ + "'";
  EVP_PKEY* out = EVP_PKEY_new();
  if (out == nullptr) {
    *error = with_reason(who + ": out of memory");
    return nullptr;
  }
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: {
      RSA* src = EVP_PKEY_get1_RSA(key);
      const BIGNUM *n = nullptr, *e = nullptr, *d = nullptr, *p = nullptr, *q = nullptr;
      const BIGNUM *dmp1 = nullptr, *dmq1 = nullptr, *iqmp = nullptr;
      if (src != nullptr) {
        RSA_get0_key(src, &n, &e, &d);
        RSA_get0_factors(src, &p, &q);
        RSA_get0_crt_params(src, &dmp1, &dmq1, &iqmp);
      }
      RSA* dst = (d != nullptr && ENGINE_get_RSA(engine_) != nullptr) ? RSA_new_method(engine_) : nullptr;
      bool ok = dst != nullptr && RSA_set0_key(dst, BN_dup(n), BN_dup(e), BN_dup(d)) == 1 &&
                (p == nullptr || RSA_set0_factors(dst, BN_dup(p), BN_dup(q)) == 1) &&
                (dmp1 == nullptr || RSA_set0_crt_params(dst, BN_dup(dmp1), BN_dup(dmq1), BN_dup(iqmp)) == 1) &&
                EVP_PKEY_assign_RSA(out, dst) == 1;
      RSA_free(src);
      if (!ok) {
        RSA_free(dst);
        EVP_PKEY_free(out);
        *error = with_reason(who + ": could not bind the RSA private key");
        return nullptr;
      }
      return out;
    }
    case EVP_PKEY_EC: {
      EC_KEY* src = EVP_PKEY_get1_EC_KEY(key);
      const BIGNUM* priv = src != nullptr ? EC_KEY_get0_private_key(src) : nullptr;
      EC_KEY* dst = (priv != nullptr && ENGINE_get_EC(engine_) != nullptr) ? EC_KEY_new_method(engine_) : nullptr;
      bool ok = dst != nullptr && EC_KEY_set_group(dst, EC_KEY_get0_group(src)) == 1 &&
                EC_KEY_set_private_key(dst, priv) == 1 &&
                EC_KEY_set_public_key(dst, EC_KEY_get0_public_key(src)) == 1 &&
                EVP_PKEY_assign_EC_KEY(out, dst) == 1;
      EC_KEY_free(src);
      if (!ok) {
        EC_KEY_free(dst);
        EVP_PKEY_free(out);
        *error = with_reason(who + ": could not bind the EC private key");
        return nullptr;
      }
      return out;
    }
    default:
      EVP_PKEY_free(out);
      *error = who + ": offloads RSA and EC keys, not " + std::string(EVP_PKEY_get0_type_name(key));
      return nullptr;
  }
}

// OpenSSL answers 0 both for an SSL that never ran an async job (it has no wait context yet) and, in
// principle, for a failure; the wait context's own calls cannot fail, so 0 is read as "no fds".
bool collect_async_fds(SSL* ssl, AsyncFds* out) {
  out->count = 0;
  size_t count = 0;
  if (SSL_get_all_async_fds(ssl, nullptr, &count) != 1) return true;
  if (count > out->fds.size()) return false;
  if (count == 0) return true;
  if (SSL_get_all_async_fds(ssl, out->fds.data(), &count) != 1) return false;
  out->count = count;
  return true;
}

bool collect_changed_async_fds(SSL* ssl, AsyncFdChanges* out) {
  out->added.count = 0;
  out->removed.count = 0;
  size_t added = 0, removed = 0;
  if (SSL_get_changed_async_fds(ssl, nullptr, &added, nullptr, &removed) != 1) return true;  // no wait context
  if (added > out->added.fds.size() || removed > out->removed.fds.size()) return false;
  if (added + removed == 0) return true;
  if (SSL_get_changed_async_fds(ssl, out->added.fds.data(), &added, out->removed.fds.data(), &removed) != 1)
    return false;
  out->added.count = added;
  out->removed.count = removed;
  return true;
}

}  // namespace sluice::tls
