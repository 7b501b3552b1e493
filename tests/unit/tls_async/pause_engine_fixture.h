// tests/unit/tls_async/pause_engine_fixture.h — a test suite with the "sluice-pause" engine loaded through
// CryptoOffload (as the daemon will load QAT's), RSA and ECDSA self-signed certificates (tests/unit/tls's
// TestPki) whose keys it offloads, and its counters.
//
// Owns: the engine's lifetime for the suite. The module's path comes from SLUICE_PAUSE_ENGINE (meson sets
// it). May call: tls/crypto_offload.h, test_credentials.h, tests/unit/tls/test_pki.h, GoogleTest, OpenSSL.
#pragma once

#include <gtest/gtest.h>
#include <openssl/engine.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "tests/unit/tls/test_pki.h"
#include "tests/unit/tls_async/test_credentials.h"
#include "tls/async_test_engine/pause_engine_stats.h"
#include "tls/crypto_offload.h"

namespace sluice::tls::test {

inline std::string pause_engine_path() {
  const char* path = std::getenv("SLUICE_PAUSE_ENGINE");
  return path != nullptr ? path : "";
}

class PauseEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_ = new State;
    CryptoOffloadSettings settings;
    settings.kind = OffloadKind::engine;
    settings.name = "sluice-pause";
    settings.path = pause_engine_path();
    settings.engine_pre_init = {{"WORKER_THREADS", "2"}};
    state_->offload = CryptoOffload::load(settings, &state_->error);
    if (!state_->offload) return;
    try {
      state_->pki = std::make_unique<TestPki>();
    } catch (const std::exception& e) {
      state_->error = e.what();
      return;
    }
    for (int k = 0; k < 2; ++k) {
      Issued& c = state_->credentials[k];
      c = state_->pki->self_signed(k == 0 ? KeyKind::Rsa2048 : KeyKind::EcdsaP256,
                                   {k == 0 ? "rsa.test.sluice" : "ecdsa.test.sluice"});
      state_->offloaded_keys[k] = state_->offload->offload_private_key(c.key, &state_->error);
      if (state_->offloaded_keys[k] == nullptr) return;
    }
  }

  static void TearDownTestSuite() {
    for (EVP_PKEY* key : state_->offloaded_keys) EVP_PKEY_free(key);
    delete state_;  // the engine goes last: keys and SSLs using it are gone
    state_ = nullptr;
  }

  void SetUp() override {
    ASSERT_FALSE(pause_engine_path().empty()) << "SLUICE_PAUSE_ENGINE is not set (run through meson test)";
    ASSERT_TRUE(state_->offload) << state_->error;
    ASSERT_NE(state_->offloaded_keys[1], nullptr) << state_->error;
    ASSERT_EQ(ENGINE_ctrl_cmd(engine(), "RESET_STATS", 0, nullptr, nullptr, 0), 1);
  }

  static ENGINE* engine() { return state_->offload->engine(); }
  static const Issued& credential(int k) { return state_->credentials[k]; }
  static EVP_PKEY* offloaded_key(int k) { return state_->offloaded_keys[k]; }
  static const CryptoOffload& offload() { return *state_->offload; }

  static pause_engine::Stats stats() {
    pause_engine::Stats s;
    EXPECT_EQ(ENGINE_ctrl_cmd(engine(), "STATS", 0, &s, nullptr, 0), 1);
    return s;
  }

 private:
  struct State {
    std::string error;
    std::unique_ptr<TestPki> pki;  // owns the certificates and keys below
    Issued credentials[2];         // [0] RSA-2048, [1] ECDSA P-256
    EVP_PKEY* offloaded_keys[2] = {};
    std::unique_ptr<CryptoOffload> offload;  // declared last: destroyed first, after the keys were freed
  };
  static inline State* state_ = nullptr;
};

}  // namespace sluice::tls::test
