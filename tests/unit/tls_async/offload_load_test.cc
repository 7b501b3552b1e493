// tests/unit/tls_async/offload_load_test.cc — CryptoOffload::load: what it says when the configured engine
// or provider is missing or wrong, what it logs when it works, and the async-fd helpers on an SSL that never
// paused.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <string>

#include "tests/unit/tls_async/pause_engine_fixture.h"
#include "tls/crypto_offload.h"

namespace sluice::tls::test {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }
bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string load_error(const CryptoOffloadSettings& settings) {
  std::string error;
  EXPECT_EQ(CryptoOffload::load(settings, &error), nullptr);
  return error;
}

CryptoOffloadSettings engine_settings(std::string name, std::string path) {
  CryptoOffloadSettings s;
  s.kind = OffloadKind::engine;
  s.name = std::move(name);
  s.path = std::move(path);
  return s;
}

CryptoOffloadSettings provider_settings(std::string name, std::string path, OSSL_LIB_CTX* libctx) {
  CryptoOffloadSettings s;
  s.kind = OffloadKind::provider;
  s.name = std::move(name);
  s.path = std::move(path);
  s.libctx = libctx;
  return s;
}

TEST(CryptoOffloadLoad, NoneIsSoftware) {
  std::string error;
  auto offload = CryptoOffload::load(CryptoOffloadSettings{}, &error);
  ASSERT_NE(offload, nullptr) << error;
  EXPECT_EQ(offload->description(), "crypto offload: none (software)");
  EXPECT_EQ(offload->engine(), nullptr);
}

TEST(CryptoOffloadLoad, EngineMissingAtItsPath) {
  EXPECT_EQ(load_error(engine_settings("qatengine", "/nonexistent/qatengine.so")),
            "engine 'qatengine': not found at /nonexistent/qatengine.so");
}

TEST(CryptoOffloadLoad, EngineIdNeitherBuiltInNorInstalled) {
  const std::string error = load_error(engine_settings("no-such-engine", ""));
  EXPECT_TRUE(starts_with(error, "engine 'no-such-engine': not built in and not found at /")) << error;
  EXPECT_TRUE(ends_with(error, "/no-such-engine.so")) << error;
}

TEST(CryptoOffloadLoad, EngineFileThatIsNotThatEngine) {
  ASSERT_FALSE(pause_engine_path().empty());
  // The module binds only its own id.
  const std::string error = load_error(engine_settings("qatengine", pause_engine_path()));
  EXPECT_TRUE(starts_with(error, "engine 'qatengine': could not load " + pause_engine_path())) << error;
}

TEST(CryptoOffloadLoad, EngineFileThatIsNotAnEngine) {
  const std::string not_a_module = std::string(SLUICE_TLS_ASYNC_SOURCE_DIR) + "/meson.build";
  const std::string error = load_error(engine_settings("sluice-pause", not_a_module));
  EXPECT_TRUE(starts_with(error, "engine 'sluice-pause': could not load " + not_a_module)) << error;
}

TEST(CryptoOffloadLoad, EngineControlCommandRefused) {
  ASSERT_FALSE(pause_engine_path().empty());
  CryptoOffloadSettings settings = engine_settings("sluice-pause", pause_engine_path());
  settings.engine_pre_init = {{"WORKER_THREADS", "0"}};
  const std::string error = load_error(settings);
  EXPECT_TRUE(starts_with(error, "engine 'sluice-pause': control command WORKER_THREADS 0 failed")) << error;
  settings.engine_pre_init = {{"NO_SUCH_COMMAND", ""}};
  EXPECT_TRUE(starts_with(load_error(settings), "engine 'sluice-pause': control command NO_SUCH_COMMAND failed"));
}

TEST(CryptoOffloadLoad, EngineDescribedForTheLog) {
  ASSERT_FALSE(pause_engine_path().empty());
  std::string error;
  auto offload = CryptoOffload::load(engine_settings("sluice-pause", pause_engine_path()), &error);
  ASSERT_NE(offload, nullptr) << error;
  EXPECT_EQ(offload->description(),
            "crypto offload: engine sluice-pause (Sluice pausing test engine (private-key operations on a worker "
            "thread)) from " + pause_engine_path() + ": default for RSA, EC");
  EXPECT_NE(offload->engine(), nullptr);
}

TEST(CryptoOffloadLoad, EngineRefusesKeysItCannotOffload) {
  ASSERT_FALSE(pause_engine_path().empty());
  std::string error;
  auto offload = CryptoOffload::load(engine_settings("sluice-pause", pause_engine_path()), &error);
  ASSERT_NE(offload, nullptr) << error;
  EVP_PKEY* ed25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_NE(ed25519, nullptr);
  EXPECT_EQ(offload->offload_private_key(ed25519, &error), nullptr);
  EXPECT_EQ(error, "engine 'sluice-pause': offloads RSA and EC keys, not ED25519");
  EVP_PKEY_free(ed25519);
}

// Providers load into a private library context, so these tests leave OpenSSL's default one alone.
class ProviderLoad : public ::testing::Test {
 protected:
  ProviderLoad() : libctx_(OSSL_LIB_CTX_new()) {}
  ~ProviderLoad() override { OSSL_LIB_CTX_free(libctx_); }
  OSSL_LIB_CTX* libctx_;
};

TEST_F(ProviderLoad, MissingProviderNamesWhereItLooked) {
  const std::string error = load_error(provider_settings("no-such-provider", "", libctx_));
  EXPECT_TRUE(starts_with(error, "provider 'no-such-provider': not found at /")) << error;
  EXPECT_TRUE(ends_with(error, "/no-such-provider.so")) << error;
}

TEST_F(ProviderLoad, MissingProviderInAGivenDirectory) {
  const std::string dir = SLUICE_TLS_ASYNC_SOURCE_DIR;
  EXPECT_EQ(load_error(provider_settings("qatprovider", dir, libctx_)),
            "provider 'qatprovider': not found at " + dir + "/qatprovider.so");
}

TEST_F(ProviderLoad, MissingModuleDirectory) {
  EXPECT_EQ(load_error(provider_settings("qatprovider", "/nonexistent/ossl-modules", libctx_)),
            "provider 'qatprovider': module directory /nonexistent/ossl-modules not found");
}

TEST_F(ProviderLoad, InstalledProviderLoadsBesideDefaultAndKeysStillSign) {
  // "legacy" ships with OpenSSL; it has no RSA, so the preference falls through to the default provider,
  // which loading an explicit provider would otherwise have switched off.
  std::string error;
  auto offload = CryptoOffload::load(provider_settings("legacy", "", libctx_), &error);
  ASSERT_NE(offload, nullptr) << error;
  EXPECT_EQ(offload->description(),
            "crypto offload: provider legacy: preferred (?provider=legacy) for every algorithm it implements");

  EVP_PKEY* key = EVP_PKEY_Q_keygen(libctx_, nullptr, "EC", "P-256");
  ASSERT_NE(key, nullptr);
  EVP_PKEY* offloaded = offload->offload_private_key(key, &error);
  ASSERT_NE(offloaded, nullptr) << error;
  EXPECT_EQ(EVP_PKEY_eq(key, offloaded), 1);
  EVP_PKEY_free(offloaded);
  EVP_PKEY_free(key);
}

TEST(AsyncFdHelpers, AnSslThatNeverPausedHasNone) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  ASSERT_NE(ctx, nullptr);
  SSL_CTX_set_mode(ctx, SSL_MODE_ASYNC);
  SSL* ssl = SSL_new(ctx);
  ASSERT_NE(ssl, nullptr);
  AsyncFds all;
  all.count = 99;
  EXPECT_TRUE(collect_async_fds(ssl, &all));
  EXPECT_EQ(all.count, 0u);
  AsyncFdChanges changes;
  changes.added.count = changes.removed.count = 99;
  EXPECT_TRUE(collect_changed_async_fds(ssl, &changes));
  EXPECT_EQ(changes.added.count, 0u);
  EXPECT_EQ(changes.removed.count, 0u);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
}

}  // namespace
}  // namespace sluice::tls::test
