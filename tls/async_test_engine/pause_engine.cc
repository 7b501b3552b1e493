// tls/async_test_engine/pause_engine.cc — "sluice-pause", a loadable OpenSSL engine that behaves like an
// asynchronous crypto card (Intel QAT) without one: RSA private operations and ECDSA signatures go to a
// worker thread while the calling ASYNC job pauses, and the job's wait fd (an eventfd) becomes readable when
// the result is ready. It exists so the tests can drive SSL_MODE_ASYNC, SSL_ERROR_WANT_ASYNC and the async
// fds exactly as a real offload would, on any machine.
//
// Owns: the engine's RSA_METHOD and EC_KEY_METHOD, its control commands and counters (pause_engine_stats.h).
// Outside an async job an operation is computed inline, so the engine is also correct for synchronous
// callers. Everything else (public-key operations, ECDSA setup and verification) is OpenSSL's software.
// Rules for callers, as with real hardware: free the SSLs that used the engine before unloading it, and do
// not free an SSL while its job is paused if you want the job's memory back (OpenSSL keeps the job).
//
// Why an engine and not a provider: a provider that paused would also have to carry its own key management
// (import, export, matching) for RSA and EC keys before it could sign anything; an engine only overrides the
// private operation and reuses OpenSSL's key objects. Engines are deprecated in OpenSSL 3 but still work,
// and QAT is shipped as both; Sluice's loader (tls/crypto_offload.h) takes either.
//
// May call: OpenSSL libcrypto (engine, RSA, EC, async APIs; built with OPENSSL_API_COMPAT=10101 because those
// are the deprecated ones), offload_worker.h.

#include <openssl/async.h>
#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tls/async_test_engine/offload_worker.h"
#include "tls/async_test_engine/pause_engine_stats.h"

namespace sluice::tls::pause_engine {
namespace {

constexpr const char* kEngineId = "sluice-pause";
constexpr const char* kEngineName = "Sluice pausing test engine (private-key operations on a worker thread)";
constexpr long kDefaultWorkerThreads = 1;
constexpr long kMaxWorkerThreads = 64;

constexpr long kMaxDelayUs = 1'000'000;

enum : unsigned { kCmdStats = ENGINE_CMD_BASE, kCmdResetStats, kCmdWorkerThreads, kCmdDelayUs };

const ENGINE_CMD_DEFN kCommands[] = {
    {kCmdStats, "STATS", "Copies the counters into a sluice::tls::pause_engine::Stats passed as p",
     ENGINE_CMD_FLAG_INTERNAL},
    {kCmdResetStats, "RESET_STATS", "Zeroes the counters", ENGINE_CMD_FLAG_NO_INPUT},
    {kCmdWorkerThreads, "WORKER_THREADS", "Worker threads started by the first ENGINE_init (1..64, default 1)",
     ENGINE_CMD_FLAG_NUMERIC},
    {kCmdDelayUs, "DELAY_US", "Extra latency per offloaded operation, as a card's queue adds (0..1000000, default 0)",
     ENGINE_CMD_FLAG_NUMERIC},
    {0, nullptr, nullptr, 0},
};

struct Counters {
  std::atomic<uint64_t> paused{0}, resumed{0}, offloaded_ops{0}, inline_ops{0}, early_resumes{0};
};

// Module state. Plain pointers on purpose: static destructors of a dlopen'd module may run before OpenSSL's
// own exit-time cleanup finishes the engine, and a std::thread destroyed unjoined ends the process.
Counters* g_counters = new Counters;
std::atomic<OffloadWorker*> g_worker{nullptr};
std::atomic<long> g_worker_threads{kDefaultWorkerThreads};
std::atomic<long> g_delay_us{0};
RSA_METHOD* g_rsa_method = nullptr;
EC_KEY_METHOD* g_ec_method = nullptr;
// A process may load the module more than once (the dynamic engine without LIST_ADD makes a new ENGINE each
// time); they share the methods and the worker, so both are counted.
std::mutex* g_lifecycle = new std::mutex;
unsigned g_bound = 0;        // ENGINEs bound and not yet destroyed
unsigned g_initialised = 0;  // ENGINE_init calls not yet finished

// The software operations the engine wraps.
using RsaPrivateFn = int (*)(int, const unsigned char*, unsigned char*, RSA*, int);
using EcSignFn = int (*)(int, const unsigned char*, int, unsigned char*, unsigned int*, const BIGNUM*,
                         const BIGNUM*, EC_KEY*);
RsaPrivateFn g_soft_rsa_priv_enc = nullptr;
RsaPrivateFn g_soft_rsa_priv_dec = nullptr;
EcSignFn g_soft_ecdsa_sign = nullptr;

// The wait fd lives in the job's ASYNC_WAIT_CTX under this key, one per SSL, created on first use and
// closed (through the shared Doorbell) when OpenSSL frees the wait context.
const char kDoorbellKey = 0;

void release_doorbell(ASYNC_WAIT_CTX*, const void*, OSSL_ASYNC_FD, void* custom) {
  delete static_cast<std::shared_ptr<Doorbell>*>(custom);
}

std::shared_ptr<Doorbell> doorbell_for(ASYNC_WAIT_CTX* ctx) {
  OSSL_ASYNC_FD fd;
  void* custom = nullptr;
  if (ASYNC_WAIT_CTX_get_fd(ctx, &kDoorbellKey, &fd, &custom) == 1 && custom != nullptr)
    return *static_cast<std::shared_ptr<Doorbell>*>(custom);
  auto bell = std::make_shared<Doorbell>();
  if (bell->fd() < 0) return nullptr;
  auto* held = new std::shared_ptr<Doorbell>(bell);
  if (ASYNC_WAIT_CTX_set_wait_fd(ctx, &kDoorbellKey, bell->fd(), held, release_doorbell) != 1) {
    delete held;
    return nullptr;
  }
  return bell;
}

// Runs op on the worker while the current async job pauses; inline when there is no job (or no worker,
// or no fd could be had). op must own copies of everything it touches: the job may be abandoned.
void run_paused(std::function<void()> op) {
  ASYNC_JOB* job = ASYNC_get_current_job();
  OffloadWorker* worker = g_worker.load(std::memory_order_acquire);
  std::shared_ptr<Doorbell> bell;
  if (job != nullptr && worker != nullptr) bell = doorbell_for(ASYNC_get_wait_ctx(job));
  if (!bell) {
    g_counters->inline_ops.fetch_add(1, std::memory_order_relaxed);
    op();
    return;
  }
  auto work = std::make_shared<Work>();
  work->compute = [op = std::move(op), delay = g_delay_us.load()] {
    if (delay > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay));
    op();
    ERR_clear_error();  // the worker thread's error queue is nobody's to read
  };
  work->doorbell = bell;
  worker->submit(work);

  g_counters->paused.fetch_add(1, std::memory_order_relaxed);
  ASYNC_pause_job();  // returns at once (without pausing) if the caller blocked pausing
  g_counters->resumed.fetch_add(1, std::memory_order_relaxed);
  if (!work->done.load(std::memory_order_acquire)) {
    // Resumed before the fd said so: wait here rather than pause again, so each operation is one
    // pause/resume pair and the counters stay comparable.
    g_counters->early_resumes.fetch_add(1, std::memory_order_relaxed);
    bell->wait();
    while (!work->done.load(std::memory_order_acquire)) std::this_thread::yield();
  }
  bell->drain();  // the ring happened before done was set (offload_worker.cc)
  g_counters->offloaded_ops.fetch_add(1, std::memory_order_relaxed);
}

int rsa_private(RsaPrivateFn soft, int flen, const unsigned char* from, unsigned char* to, RSA* rsa, int padding) {
  struct Op {
    std::vector<unsigned char> in, out;
    int ret = -1;
  };
  auto op = std::make_shared<Op>();
  op->in.assign(from, from + flen);
  op->out.resize(RSA_size(rsa));
  RSA_up_ref(rsa);
  run_paused([op, rsa, padding, soft] {
    op->ret = soft(static_cast<int>(op->in.size()), op->in.data(), op->out.data(), rsa, padding);
    RSA_free(rsa);
  });
  if (op->ret > 0) std::memcpy(to, op->out.data(), op->ret);
  return op->ret;
}

int rsa_priv_enc(int flen, const unsigned char* from, unsigned char* to, RSA* rsa, int padding) {
  return rsa_private(g_soft_rsa_priv_enc, flen, from, to, rsa, padding);
}

int rsa_priv_dec(int flen, const unsigned char* from, unsigned char* to, RSA* rsa, int padding) {
  return rsa_private(g_soft_rsa_priv_dec, flen, from, to, rsa, padding);
}

int ecdsa_sign(int type, const unsigned char* dgst, int dlen, unsigned char* sig, unsigned int* siglen,
               const BIGNUM* kinv, const BIGNUM* r, EC_KEY* eckey) {
  if (kinv != nullptr || r != nullptr) {  // precomputed nonce: the caller owns those; keep it simple and local
    g_counters->inline_ops.fetch_add(1, std::memory_order_relaxed);
    return g_soft_ecdsa_sign(type, dgst, dlen, sig, siglen, kinv, r, eckey);
  }
  struct Op {
    std::vector<unsigned char> in, out;
    unsigned int out_len = 0;
    int ret = 0;
  };
  auto op = std::make_shared<Op>();
  op->in.assign(dgst, dgst + dlen);
  op->out.resize(ECDSA_size(eckey));
  EC_KEY_up_ref(eckey);
  run_paused([op, type, eckey] {
    op->ret = g_soft_ecdsa_sign(type, op->in.data(), static_cast<int>(op->in.size()), op->out.data(),
                                &op->out_len, nullptr, nullptr, eckey);
    EC_KEY_free(eckey);
  });
  if (op->ret == 1) {
    std::memcpy(sig, op->out.data(), op->out_len);
    *siglen = op->out_len;
  }
  return op->ret;
}

int engine_init(ENGINE*) {
  std::lock_guard lock(*g_lifecycle);
  if (g_initialised == 0) {
    try {
      g_worker.store(new OffloadWorker(static_cast<unsigned>(g_worker_threads.load())), std::memory_order_release);
    } catch (...) {  // threads could not be started
      return 0;
    }
  }
  ++g_initialised;
  return 1;
}

int engine_finish(ENGINE*) {
  std::lock_guard lock(*g_lifecycle);
  if (g_initialised > 0 && --g_initialised == 0) delete g_worker.exchange(nullptr);  // runs the queue, joins
  return 1;
}

int engine_destroy(ENGINE*) {
  std::lock_guard lock(*g_lifecycle);
  if (g_bound > 0 && --g_bound == 0) {
    RSA_meth_free(g_rsa_method);
    g_rsa_method = nullptr;
    EC_KEY_METHOD_free(g_ec_method);
    g_ec_method = nullptr;
  }
  return 1;
}

int engine_ctrl(ENGINE*, int cmd, long i, void* p, void (*)(void)) {
  switch (cmd) {
    case kCmdStats: {
      if (p == nullptr) return 0;
      Stats* out = static_cast<Stats*>(p);
      out->paused = g_counters->paused.load();
      out->resumed = g_counters->resumed.load();
      out->offloaded_ops = g_counters->offloaded_ops.load();
      out->inline_ops = g_counters->inline_ops.load();
      out->early_resumes = g_counters->early_resumes.load();
      return 1;
    }
    case kCmdResetStats:
      g_counters->paused = 0;
      g_counters->resumed = 0;
      g_counters->offloaded_ops = 0;
      g_counters->inline_ops = 0;
      g_counters->early_resumes = 0;
      return 1;
    case kCmdWorkerThreads:
      if (i < 1 || i > kMaxWorkerThreads) return 0;
      g_worker_threads = i;
      return 1;
    case kCmdDelayUs:
      if (i < 0 || i > kMaxDelayUs) return 0;
      g_delay_us = i;
      return 1;
    default:
      return 0;
  }
}

bool make_methods() {
  if (g_rsa_method == nullptr) {
    const RSA_METHOD* soft = RSA_PKCS1_OpenSSL();
    g_soft_rsa_priv_enc = RSA_meth_get_priv_enc(soft);
    g_soft_rsa_priv_dec = RSA_meth_get_priv_dec(soft);
    g_rsa_method = RSA_meth_dup(soft);
    if (g_rsa_method == nullptr || RSA_meth_set1_name(g_rsa_method, kEngineName) != 1 ||
        RSA_meth_set_priv_enc(g_rsa_method, rsa_priv_enc) != 1 ||
        RSA_meth_set_priv_dec(g_rsa_method, rsa_priv_dec) != 1)
      return false;
  }
  if (g_ec_method == nullptr) {
    const EC_KEY_METHOD* soft = EC_KEY_OpenSSL();
    int (*sign_setup)(EC_KEY*, BN_CTX*, BIGNUM**, BIGNUM**) = nullptr;
    ECDSA_SIG* (*sign_sig)(const unsigned char*, int, const BIGNUM*, const BIGNUM*, EC_KEY*) = nullptr;
    EC_KEY_METHOD_get_sign(soft, &g_soft_ecdsa_sign, &sign_setup, &sign_sig);
    g_ec_method = EC_KEY_METHOD_new(soft);
    if (g_ec_method == nullptr || g_soft_ecdsa_sign == nullptr) return false;
    EC_KEY_METHOD_set_sign(g_ec_method, ecdsa_sign, sign_setup, sign_sig);
  }
  return true;
}

int bind(ENGINE* e, const char* id) {
  if (id != nullptr && std::strcmp(id, kEngineId) != 0) return 0;
  std::lock_guard lock(*g_lifecycle);
  if (!make_methods()) return 0;
  const bool ok = ENGINE_set_id(e, kEngineId) == 1 && ENGINE_set_name(e, kEngineName) == 1 &&
                  ENGINE_set_RSA(e, g_rsa_method) == 1 && ENGINE_set_EC(e, g_ec_method) == 1 &&
                  ENGINE_set_init_function(e, engine_init) == 1 &&
                  ENGINE_set_finish_function(e, engine_finish) == 1 &&
                  ENGINE_set_destroy_function(e, engine_destroy) == 1 &&
                  ENGINE_set_ctrl_function(e, engine_ctrl) == 1 && ENGINE_set_cmd_defns(e, kCommands) == 1;
  if (ok) ++g_bound;  // a failed bind is undone by the loader, and destroy is never called for it
  return ok ? 1 : 0;
}

}  // namespace
}  // namespace sluice::tls::pause_engine

// The two symbols the "dynamic" engine looks up by name (bind_engine, v_check).
extern "C" {
IMPLEMENT_DYNAMIC_CHECK_FN()
IMPLEMENT_DYNAMIC_BIND_FN(sluice::tls::pause_engine::bind)
}
