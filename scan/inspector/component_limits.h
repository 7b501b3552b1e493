// scan/inspector/component_limits.h — the one place a Policy's settings become the components' limits.
//
// Each scan component owns a Limits struct with safe defaults and knows nothing of the configuration;
// a new setting is wired here, once.
#pragma once

#include "control/policy.h"
#include "scan/archive/archive_expander.h"
#include "scan/mime/mime_limits.h"
#include "scan/smtp/smtp_limits.h"
#include "scan/smtp/smtp_relay.h"
#include "scan/url/url.h"

namespace sluice::scan {

smtp::SmtpLimits smtp_limits_from(const control::SmtpOptions&);
smtp::RelayConfig relay_config_from(const control::Policy&);
mime::MimeLimits mime_limits_from(const control::MimeSettings&);
archive::ArchiveLimits archive_limits_from(const control::ArchiveSettings&);
url::UrlLimits url_limits_from(const control::UrlFilterSettings&);

}  // namespace sluice::scan
