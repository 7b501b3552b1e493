// ArchiveExpander is a thin facade: the work is in ExpansionRouter, kept out of the public
// header so that users do not see zlib, libbz2 or the readers.
#include "scan/archive/archive_expander.h"

#include "scan/archive/expansion_router.h"

namespace sluice::archive {

ArchiveExpander::ArchiveExpander(const ArchiveLimits& limits, ArchiveSink& sink)
    : router_(std::make_unique<ExpansionRouter>(limits, sink)) {}

ArchiveExpander::~ArchiveExpander() = default;

void ArchiveExpander::begin(ArchiveFormat format) { router_->begin(format); }
void ArchiveExpander::feed(std::string_view compressed) { router_->feed(compressed); }
void ArchiveExpander::finish() { router_->finish(); }
void ArchiveExpander::set_deadline_tsc(uint64_t deadline_tsc) { router_->set_deadline_tsc(deadline_tsc); }

uint32_t ArchiveExpander::events() const { return router_->events(); }
uint64_t ArchiveExpander::expanded_bytes() const { return router_->expanded_bytes(); }
uint32_t ArchiveExpander::entries() const { return router_->entries(); }

}  // namespace sluice::archive
