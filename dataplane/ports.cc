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

bool start_port(uint16_t port, const PortSettings& settings, const std::vector<rte_mempool*>& pools, PortInfo* info,
                std::string* error) {
  const std::string where = "port " + std::to_string(port);
  rte_eth_dev_info dev{};
  int rc = rte_eth_dev_info_get(port, &dev);
  if (rc != 0) return fail(error, where + " info", rc);
  const uint16_t workers = settings.workers == 0 ? 1 : settings.workers;
  if (dev.max_tx_queues < workers) {
    *error = where + " (" + std::string(dev.driver_name ? dev.driver_name : "?") + ") has " +
             std::to_string(dev.max_tx_queues) + " tx queue(s); " + std::to_string(workers) +
             " workers need one each (fewer workers, or a PMD with more queues)";
    return false;
  }
  rte_eth_conf conf{};
  info->tx_queues = workers;
  info->rx_queues = dev.max_rx_queues >= workers ? workers : 1;
  // RSS spreads the load over the rx queues when there is no rte_flow steering; the owner check re-steers.
  const uint64_t rss_wanted = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP;
  if (info->rx_queues > 1 && (dev.flow_type_rss_offloads & rss_wanted) != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = dev.flow_type_rss_offloads & rss_wanted;
    info->rss = true;
  }
  rc = rte_eth_dev_configure(port, info->rx_queues, info->tx_queues, &conf);
  if (rc < 0) return fail(error, where + " configure", rc);
  uint16_t rx = settings.rx_descriptors, tx = settings.tx_descriptors;
  rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx, &tx);
  if (rc < 0) return fail(error, where + " descriptors", rc);
  const int socket = rte_eth_dev_socket_id(port);
  for (uint16_t q = 0; q < info->rx_queues; ++q) {
    rc = rte_eth_rx_queue_setup(port, q, rx, socket, nullptr, pools[q]);
    if (rc < 0) return fail(error, where + " rx queue " + std::to_string(q), rc);
  }
  for (uint16_t q = 0; q < info->tx_queues; ++q) {
    rc = rte_eth_tx_queue_setup(port, q, tx, socket, nullptr);
    if (rc < 0) return fail(error, where + " tx queue " + std::to_string(q), rc);
  }
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
  const uint16_t workers = settings.workers == 0 ? 1 : settings.workers;
  for (uint16_t w = 0; w < workers; ++w) {   // per worker: its rx queues' buffers and its own transmissions
    rte_mempool* pool = rte_pktmbuf_pool_create(("sluice_mbufs_" + std::to_string(w)).c_str(), settings.mbufs,
                                                settings.mbuf_cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                                static_cast<int>(rte_socket_id()));
    if (!pool) return fail(error, "mbuf pool " + std::to_string(w), rte_errno);
    out.pools.push_back(pool);
  }
  out.pool = out.pools[0];
  uint16_t port;
  RTE_ETH_FOREACH_DEV(port) {
    PortInfo p;
    if (!start_port(port, settings, out.pools, &p, error)) return false;
    rte_eth_dev_info info{};
    rte_eth_dev_info_get(port, &info);
    char name[RTE_ETH_NAME_MAX_LEN] = "";
    rte_eth_dev_get_name_by_port(port, name);
    p.port_id = port;
    p.driver = info.driver_name ? info.driver_name : "?";
    p.name = name;
    out.ports.push_back(p);
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
