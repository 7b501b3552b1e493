#pragma once
// scan/archive — public API: streaming expansion of zip, gzip, bzip2 and TNEF attachment bytes
// inside limits, handing every expanded entry to an ArchiveSink (the scanner).
//
// Owns: the archive formats' framing (zip local/central/end records, gzip members, bzip2
// streams, TNEF attributes and MAPI property blocks), the expansion budget (bytes, ratio,
// depth, entries) and the events it raises.
// May call: zlib and libbz2, and libarchive for the formats that cannot be walked as they stream
// (7z, RAR 4/5, ISO 9660: read from a bounded in-memory copy, because 7z keeps its header at the
// end, ISO directories may point anywhere, and RAR's codecs exist nowhere else on Debian); and
// the CPU's time-stamp counter, for the caller's deadline.
// Knows nothing about MIME, SMTP or Hyperscan.
//
// Policies (also in scan/archive/README.md):
// - Input is consumed as it streams; the whole attachment is never needed or buffered.
// - Zip is walked by LOCAL file headers. Method 0 with a known size is passed through, method 8
//   is raw-inflated until the deflate stream ends by itself. Stored + data-descriptor flag has
//   no reliable end: StoredWithDescriptor, and the rest of the attachment is that entry's raw
//   bytes. Other methods: UnsupportedMethod, entry reported without data, size skipped.
//   Encrypted (flag bit 0): Encrypted, entry reported by name without data, bytes skipped.
//   Where an entry's end cannot be found (encrypted/unsupported + descriptor, corrupt deflate
//   of unknown size) the rest of that zip is skipped.
// - Central directory records are checked as they arrive against a bounded list of the local
//   headers seen (offset, span, name hash): differing name, a central record at an offset where
//   no local header was seen, or a local entry no central record names -> NameMismatch; two
//   central records for one local header or one pointing inside another entry's bytes
//   (Fifield's overlapping zips) -> OverlappingEntries. Offsets are relative to the start of
//   the zip being walked.
// - Any byte after an end record -> TrailingData; if it starts a local header it is walked
//   again as a new zip (concatenated zips), otherwise it is skipped.
// - gzip: every concatenated member is an entry named by its FNAME ("" without one); non-gzip
//   bytes after a member -> TrailingData. bzip2: each concatenated stream is an entry named "";
//   only when scan_bzip2 (otherwise bzip2 is not treated as an archive at all).
// - An entry whose first bytes are an archive (detect_archive) is BOTH handed to the sink raw
//   and expanded one level deeper; a level beyond max_depth -> DepthLimit.
// - Limits are checked on every window of at most 64 KiB of expanded output, so bombs cost
//   bounded CPU and memory. The first limit tripped (Oversize, Ratio, Depth, Entry) stops all
//   expansion for this attachment: open entries are ended, later feed()s are ignored, events
//   are kept. Bytes past uncompressed_oversize_limit never reach the sink.
// - A caller's deadline (set_deadline_tsc, an rdtsc reading) is checked every
//   kDeadlineCheckBytes of output across all depths and at every feed(): once past it,
//   TimeLimit stops all expansion like any other limit. One feed() of a small bomb can
//   otherwise keep its caller inside zlib for seconds, out of reach of any per-feed budget.
// - finish(): an entry or record cut short, or a zip without an end record -> Corrupt.
// - tar (ustar, pax, GNU) is walked as it streams, header by header: regular files are entries;
//   pax "size"/"path" and GNU long names apply to the next header; bad header checksum or size ->
//   Corrupt and the rest skipped; a valid header after the zero end blocks -> TrailingData, walked.
// - 7z, RAR 4/5 and ISO 9660 are collected into one buffer per depth (capacity kept) and read
//   with libarchive at finish(): each regular member is an entry like a zip entry, so every limit
//   above applies unchanged. Past max_buffered_bytes -> BufferLimit (not a bomb), no member read.
//   Encrypted member -> Encrypted, named without data; anything libarchive refuses -> Corrupt.
// - ISO 9660: first kArchiveSniffBytes all zero (its system area) makes a candidate, confirmed by
//   "CD001" at 32769, 34817 or 36865 -> DiskImage and its files expanded; otherwise dropped
//   silently at kIso9660SniffBytes (no view waits 36 KiB before scanning starts). VHD
//   ("conectix" at 0) and VHDX ("vhdxfile" at 0) -> DiskImage, not expanded (no reader).
// - TNEF (winmail.dat, signature 78 9F 3E 22) is walked as it streams, attribute by attribute:
//   each attAttachData and each PR_ATTACH_DATA_BIN/OBJ value (in attAttachment or attMsgProps)
//   is an entry, its bytes streamed; a PT_OBJECT's 16-byte IID is dropped, so an embedded
//   message (itself TNEF) is expanded one level deeper. The entry takes the best name known when
//   its data starts (PR_ATTACH_LONG_FILENAME, else attAttachTitle up to its NUL, else
//   PR_ATTACH_FILENAME, else ""); every other distinct name of the attachment (typically the
//   long name, which Outlook writes after the data) becomes a zero-length entry, so the
//   attachment filter sees every name without the data being held back. A wrong attribute
//   checksum, an unknown level, a MAPI count or length that overruns its block (the rest of that
//   block skipped), or an attribute cut short at finish() -> Corrupt; the walk goes on.
//
// Order the sink sees (depth: 1 = entries of the top-level archive):
//   begin(d, name), data(d, ...)*, end(d). At most one entry is open per depth. While an
//   entry at depth d is open, entries at d+1 (its own expansion) may begin and end, and its
//   raw data(d, ...) may arrive between them: each window is handed raw at depth d first,
//   then expanded at d+1. The depth argument on data/end says which open entry the call
//   belongs to; begin/end pairs are properly nested (an entry ends after its nested ones).
#include <cstdint>
#include <memory>
#include <string_view>

namespace sluice::archive {

struct ArchiveLimits {
  // Total expanded bytes (all depths) per top-level attachment (FortiOS
  // "uncompressed-oversize-limit"); the sink never receives more.
  uint64_t uncompressed_oversize_limit = 10u << 20;
  // expanded/compressed (all depths over the attachment's bytes fed so far), checked once
  // expanded > ratio_floor_bytes (small files may legitimately compress very well); 0 = off.
  uint32_t max_ratio = 100;
  uint64_t ratio_floor_bytes = 1u << 20;
  // Archive-in-archive nesting (top-level archive = depth 1). Clamped to kMaxSupportedDepth
  // because one expansion level (about 200 KiB) is allocated per depth up front.
  uint32_t max_depth = 5;
  // Entries across all depths; also bounds the per-zip list of local headers remembered.
  uint32_t max_entries = 1000;
  bool scan_bzip2 = true;
  // Longer entry names are cut to this many bytes before the sink sees them.
  uint32_t max_name_bytes = 1024;
  // 7z, RAR and ISO 9660 are read from a copy of the whole archive, one buffer per depth
  // (capacity kept). Larger ones -> BufferLimit, members unscanned. Keep it >= kIso9660SniffBytes.
  uint64_t max_buffered_bytes = 25u << 20;
};

inline constexpr uint32_t kMaxSupportedDepth = 32;

// Output (all depths, raw and expanded) between two deadline checks. Why 256 KiB: inflating
// zeros and scanning what comes out runs at roughly 1 GB/s, so the deadline is overrun by a
// fraction of a millisecond at most, while one rdtsc per 256 KiB (four 64 KiB windows) is
// lost in the noise. No allocation and no syscall per check.
inline constexpr uint64_t kDeadlineCheckBytes = 256u << 10;

enum class ArchiveEvent : uint32_t {  // bit flags; names via archive_event_name()
  OversizeLimit = 1,
  RatioLimit = 2,
  DepthLimit = 4,
  EntryLimit = 8,
  Encrypted = 16,
  Corrupt = 32,
  NameMismatch = 64,  // local header name != central directory name
  UnsupportedMethod = 128,
  StoredWithDescriptor = 256,
  OverlappingEntries = 512,  // central dir entries sharing data (Fifield)
  TrailingData = 1024,
  TimeLimit = 2048,  // the caller's deadline passed mid-expansion (not a bomb: a scan timeout)
  BufferLimit = 4096,  // a 7z/RAR/ISO larger than max_buffered_bytes: members not scanned
  DiskImage = 8192,    // ISO 9660, VHD or VHDX: a disk image, for the caller's policy
};

const char* archive_event_name(ArchiveEvent);  // snake_case for logs; "unknown" otherwise
// OversizeLimit | RatioLimit | DepthLimit | EntryLimit | OverlappingEntries
bool is_bomb(uint32_t events);

enum class ArchiveFormat : uint8_t { None, Zip, Gzip, Bzip2, SevenZip, Rar, Tar, Iso9660, DiskImage, Tnef };
// Needs at most kArchiveSniffBytes; fewer bytes than a format's magic -> None. Why 264: tar's
// "ustar" sits at 257. ISO 9660's mark is 32 KiB in, so Iso9660 here means only "the first 264
// bytes are zero" (a candidate); the expander confirms it (has_iso9660_volume_descriptor).
inline constexpr size_t kArchiveSniffBytes = 264;
ArchiveFormat detect_archive(std::string_view first_bytes);
// "CD001" at 32769, 34817 or 36865 (a volume descriptor in sector 16, 17 or 18); needs
// kIso9660SniffBytes to see all three.
inline constexpr size_t kIso9660SniffBytes = 36865 + 5;
bool has_iso9660_volume_descriptor(std::string_view image);

// Why data/end carry the depth: an archive entry's raw windows and its nested entries
// interleave (neither is buffered), so "the innermost open entry" would be the wrong owner for
// the outer entry's raw bytes; the depth names the owner exactly.
class ArchiveSink {
 public:
  virtual ~ArchiveSink() = default;
  // name sanitised (control bytes -> '_', cut to max_name_bytes), "" for gzip/bzip2 without one
  virtual void on_entry_begin(uint32_t depth, std::string_view name) = 0;
  virtual void on_entry_data(uint32_t depth, std::string_view bytes) = 0;
  virtual void on_entry_end(uint32_t depth) = 0;
};

class ExpansionRouter;

class ArchiveExpander {
 public:
  ArchiveExpander(const ArchiveLimits&, ArchiveSink&);
  ~ArchiveExpander();
  ArchiveExpander(const ArchiveExpander&) = delete;
  ArchiveExpander& operator=(const ArchiveExpander&) = delete;

  // Reusable: allocations (zlib/bz2 state, buffers, nested levels up to max_depth) are made
  // once; begin() resets events and counters for the next attachment.
  void begin(ArchiveFormat);
  void feed(std::string_view compressed);
  void finish();  // end of attachment: truncated entries flagged Corrupt
  // TSC reading (rdtsc) after which expansion stops with TimeLimit; 0 = no deadline. Kept
  // across begin(); the caller may move it before each feed() (its budget left changes).
  void set_deadline_tsc(uint64_t deadline_tsc);

  uint32_t events() const;
  uint64_t expanded_bytes() const;
  uint32_t entries() const;

 private:
  std::unique_ptr<ExpansionRouter> router_;
};

}  // namespace sluice::archive
