#include "scan/engine/scratch.h"

#include "scan/engine/database.h"

namespace sluice::engine {

Scratch::Scratch(const Database& db) { extend_for(db); }

bool Scratch::extend_for(const Database& db) {
  // hs_alloc_scratch grows an existing scratch so one object serves every database.
  bool grown = true;
  for (const hs_database_t* hs_db : {db.stream_db(), db.block_db(), db.header_db()}) {
    if (hs_db != nullptr && hs_alloc_scratch(hs_db, &scratch_) != HS_SUCCESS) grown = false;
  }
  if (!grown) ok_ = false;
  return grown;
}

Scratch::~Scratch() { hs_free_scratch(scratch_); }

}  // namespace sluice::engine
