#include "dataplane/ports.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

namespace sluice::dataplane {
namespace {

bool fail(std::string* error, const std::string& what, int code) {
  *error = what + ": " + rte_strerror(code < 0 ? -code : code);
  return false;
}

bool start_port(uint16_t port, const PortSettings& settings, rte_mempool* pool, std::string* error) {
  rte_eth_conf conf{};
  const std::string where = "port " + std::to_string(port);
  int rc = rte_eth_dev_configure(port, 1, 1, &conf);
  if (rc < 0) return fail(error, where + " configure", rc);
  uint16_t rx = settings.rx_descriptors, tx = settings.tx_descriptors;
  rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx, &tx);
  if (rc < 0) return fail(error, where + " descriptors", rc);
  const int socket = rte_eth_dev_socket_id(port);
  rc = rte_eth_rx_queue_setup(port, 0, rx, socket, nullptr, pool);
  if (rc < 0) return fail(error, where + " rx queue", rc);
  rc = rte_eth_tx_queue_setup(port, 0, tx, socket, nullptr);
  if (rc < 0) return fail(error, where + " tx queue", rc);
  rc = rte_eth_dev_start(port);
  if (rc < 0) return fail(error, where + " start", rc);
  rte_eth_promiscuous_enable(port);  // not every PMD supports it; a capture port does not need it
  return true;
}

}  // namespace

bool start_ports(const PortSettings& settings, PortSet& out, std::string* error) {
  if (rte_eth_dev_count_avail() == 0) {
    *error = "no DPDK ports: pass e.g. --vdev=net_pcap0,rx_pcap=FILE in the EAL arguments";
    return false;
  }
  out.pool = rte_pktmbuf_pool_create("sluice_mbufs", settings.mbufs, settings.mbuf_cache, 0,
                                     RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (!out.pool) return fail(error, "mbuf pool", rte_errno);
  uint16_t port;
  RTE_ETH_FOREACH_DEV(port) {
    if (!start_port(port, settings, out.pool, error)) return false;
    rte_eth_dev_info info{};
    rte_eth_dev_info_get(port, &info);
    char name[RTE_ETH_NAME_MAX_LEN] = "";
    rte_eth_dev_get_name_by_port(port, name);
    out.ports.push_back(PortInfo{port, info.driver_name ? info.driver_name : "?", name});
  }
  // Registering is idempotent: we get the PMD's field if it registered one, else a field no PMD fills
  // (then the flag is never set and the worker falls back to the TSC).
  if (rte_mbuf_dyn_rx_timestamp_register(&out.timestamp_offset, &out.timestamp_flag) != 0) {
    out.timestamp_offset = -1;
  }
  return true;
}

void stop_ports(PortSet& set) {
  for (const PortInfo& p : set.ports) {
    rte_eth_dev_stop(p.port_id);
    rte_eth_dev_close(p.port_id);
  }
  set.ports.clear();
}

}  // namespace sluice::dataplane
