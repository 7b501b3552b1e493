// control/config/cross_checks.h — rules that span keys or blocks, checked once
// every block is bound.
//
// Owns: what no single key's value can say wrong on its own: a VIP naming an
// ssl profile that does not exist, a protecting-server profile without a
// certificate, backend verification without a CA file, an engine and a
// provider both named, alert mail or syslog enabled with nowhere to send,
// an AUTH user without a password (or the reverse). Each error points at the 'set' (or 'edit') that made
// the rule fail, found again in the syntax tree, so it reads file:line:col
// like the binder's own.
// May call: control/config/diagnostics.h, control/config/syntax_tree.h,
// control/policy.h.
#pragma once

#include "control/config/diagnostics.h"
#include "control/config/syntax_tree.h"
#include "control/policy.h"

namespace sluice::control::config {

// Reports every broken rule of the bound policy. tree is what policy was bound
// from (positions only: the values are read from policy, as bound).
void check_cross_references(const ConfigTree& tree, const Policy& policy, ErrorList& errors);

}  // namespace sluice::control::config
